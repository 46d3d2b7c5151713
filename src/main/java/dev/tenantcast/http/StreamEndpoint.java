package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.limits.Refusal;
import dev.tenantcast.limits.StreamAdmission;
import dev.tenantcast.sse.StreamHub;
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

  StreamEndpoint(StreamHub hub, StreamAdmission admission, ConnectionGuard guard, EventIds ids, ServiceStats stats) {
    this.hub = hub;
    this.admission = admission;
    this.guard = guard;
    this.ids = ids;
    this.stats = stats;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Principal principal = AuthHandler.principal(ctx);
    HttpServerRequest request = ctx.request();
    TenantId tenant = TenantRule.resolve(principal, request.getParam("tenant"));
    String user = principal.subject();
    switch (admission.admit(tenant, user)) {
      case SERVICE_FULL -> refuse(Refusal.STREAMS_INSTANCE, ApiError.unavailable("too_many_streams",
          "this instance holds its maximum of " + admission.maxStreams() + " streams", 5));
      case TENANT_FULL -> refuse(Refusal.STREAMS_TENANT, ApiError.tooMany("too_many_streams", "tenant " + tenant
          + " holds its maximum of " + admission.maxPerTenant() + " streams on this instance", 5));
      case USER_FULL -> refuse(Refusal.STREAMS_USER, ApiError.tooMany("too_many_streams", "this user holds its "
          + "maximum of " + admission.maxPerUser() + " streams of tenant " + tenant + " on this instance", 5));
      case ADMITTED -> {
        guard.streaming(request);
        hub.open(request, tenant, principal.expiresAtMillis(), ids.nextConnection(),
            () -> admission.release(tenant, user));
      }
    }
  }

  private void refuse(Refusal refusal, ApiError error) {
    stats.refused(refusal);
    throw error.asException();
  }
}
