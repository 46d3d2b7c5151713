package dev.tenantcast.sse;

import dev.tenantcast.app.ServiceContext;
import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenExtractor;
import dev.tenantcast.auth.TokenVerifier;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.http.ApiError;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /api/sse/dashboard}: authenticates, picks the tenant (the token's; an admin's {@code ?tenant=}), admits
 * the stream within the connection limits and hands it to this instance's {@link TenantFanout}, which also owns the
 * heartbeats and the token-expiry sweep (driven by one timer per verticle instance, not one per stream).
 */
public final class SseEndpoint implements Handler<RoutingContext> {
  private final TokenVerifier verifier;
  private final ServiceStats stats;
  private final HttpConfig config;
  private final String instanceId;
  private final TenantFanout fanout;
  private long sequence;

  /** Create on the event loop of the HTTP verticle instance that will own the streams. */
  public SseEndpoint(Vertx vertx, TokenVerifier verifier, ServiceContext service, HttpConfig config) {
    this.verifier = verifier;
    this.stats = service.stats();
    this.config = config;
    this.instanceId = service.instanceId();
    this.fanout = new TenantFanout(vertx, stats, service.metrics(), config.heartbeatSeconds());
  }

  /** Starts routing broadcasts, and the one timer of this instance's streams (heartbeats, token expiry). */
  public Future<Void> start(Vertx vertx) {
    vertx.setPeriodic(1000, t -> fanout.tick(System.currentTimeMillis()));
    return fanout.start();
  }

  public void stop() {
    fanout.closeAll();
  }

  @Override
  public void handle(RoutingContext ctx) {
    verifier.verify(TokenExtractor.from(ctx.request()))
        .map(principal -> open(ctx.request(), principal))
        .onFailure(ctx::fail);
  }

  private Void open(HttpServerRequest request, Principal principal) {
    TenantId tenant = tenantOf(principal, request.getParam("tenant"));
    switch (stats.admitStream(tenant, config.maxStreams(), config.maxStreamsPerTenant())) {
      case SERVICE_FULL -> throw ApiError.unavailable("too_many_streams",
          "this instance holds its maximum of " + config.maxStreams() + " streams").asException();
      case TENANT_FULL -> throw ApiError.tooMany("tenant " + tenant + " holds its maximum of "
          + config.maxStreamsPerTenant() + " streams on this instance").asException();
      case ADMITTED -> { }
    }
    HttpServerResponse response = request.response();
    SseStream stream = new SseStream(instanceId + "-" + (++sequence), tenant, principal.expiresAtMillis(), request);
    response.closeHandler(v -> fanout.remove(stream));
    response.endHandler(v -> fanout.remove(stream));
    response.setChunked(true)
        .setWriteQueueMaxSize(config.streamBufferBytes())
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    Envelope connected = Envelope.ofServer(MessageType.CONNECTED, new JsonObject()
        .put("connectionId", stream.id())
        .put("tenant", tenant.value())
        .put("instanceId", instanceId)
        .put("heartbeatSeconds", config.heartbeatSeconds()), System.currentTimeMillis());
    fanout.add(stream, FrameEncoder.firstFrame(config.retryMillis(), connected));
    if (response.closed()) {
      fanout.remove(stream);
    }
    return null;
  }

  private static TenantId tenantOf(Principal principal, String asked) {
    if (asked == null) {
      if (principal.tenant() == null) {
        throw ApiError.badRequest("the token names no tenant; an admin picks one with ?tenant=").asException();
      }
      return principal.tenant();
    }
    TenantId tenant = TenantId.parse(asked).orElseThrow(() ->
        ApiError.badRequest("tenant must be 1-64 characters of A-Z a-z 0-9 _ -").asException());
    if (!principal.mayAccess(tenant)) {
      throw ApiError.forbidden("this token may not stream tenant " + tenant).asException();
    }
    return tenant;
  }
}
