package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.limits.Refusal;
import dev.tenantcast.limits.StreamAdmission;
import dev.tenantcast.service.Lifecycle;
import dev.tenantcast.sse.Resume;
import dev.tenantcast.sse.StreamHub;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/sse/dashboard}, after {@link AuthHandler}: picks the tenant (the token's; an admin's
 * {@code ?tenant=}), admits the stream within the limits of the instance, the tenant and the user, and hands it to
 * this instance's {@link StreamHub}.
 */
final class StreamEndpoint implements Handler<RoutingContext> {
  private final StreamHub hub;
  private final StreamAdmission admission;
  private final ConnectionGuard guard;
  private final EventIds ids;
  private final ServiceStats stats;
  private final Lifecycle lifecycle;
  private final LiveFigures figures;

  StreamEndpoint(StreamHub hub, StreamAdmission admission, ConnectionGuard guard, EventIds ids, ServiceStats stats,
                 LiveFigures figures, Lifecycle lifecycle) {
    this.figures = figures;
    this.hub = hub;
    this.admission = admission;
    this.guard = guard;
    this.ids = ids;
    this.stats = stats;
    this.lifecycle = lifecycle;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Principal principal = AuthHandler.principal(ctx);
    HttpServerRequest request = ctx.request();
    TenantId tenant = TenantRule.resolve(principal, request.getParam("tenant"));
    if (lifecycle.draining()) {
      throw ApiError.unavailable("shutting_down", "this instance is shutting down; connect to another", 1)
          .asException();
    }
    String user = principal.subject();
    switch (admission.admit(tenant, user)) {
      case SERVICE_FULL -> refuse(tenant, Refusal.STREAMS_INSTANCE, ApiError.unavailable("too_many_streams",
          "this instance holds its maximum of " + admission.maxStreams() + " streams", 5));
      case TENANT_FULL -> refuse(tenant, Refusal.STREAMS_TENANT, ApiError.tooMany("too_many_streams", "tenant " + tenant
          + " holds its maximum of " + admission.maxPerTenant() + " streams on this instance", 5));
      case USER_FULL -> refuse(tenant, Refusal.STREAMS_USER, ApiError.tooMany("too_many_streams", "this user holds its "
          + "maximum of " + admission.maxPerUser() + " streams of tenant " + tenant + " on this instance", 5));
      case ADMITTED -> {
        guard.streaming(request);
        hub.open(request, tenant, principal.expiresAtMillis(), ids.nextConnection(), resumeOf(request),
            () -> admission.release(tenant, user));
      }
    }
  }

  /** The browser's own reconnect sends Last-Event-ID; the client library, whose first connect cannot, the query. */
  private static Resume resumeOf(HttpServerRequest request) {
    String header = request.getHeader("Last-Event-ID");
    return Resume.of(header != null ? header : request.getParam("lastEventId"));
  }

  private void refuse(TenantId tenant, Refusal refusal, ApiError error) {
    stats.refused(refusal);
    figures.rejected(tenant);
    throw error.asException();
  }
}
