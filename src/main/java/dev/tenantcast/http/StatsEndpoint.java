package dev.tenantcast.http;

import dev.tenantcast.auth.JwksCache;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.service.Lifecycle;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Supplier;

/** {@code GET /api/sse/stats} (admins, after {@link AuthHandler}) and the probes {@code /health} and {@code /ready}. */
final class StatsEndpoint {
  private final Supplier<JsonObject> stats;
  private final BrokerStatus broker;
  private final Lifecycle lifecycle;
  /** The JWKS URL's keys, or null when tokens are verified with a secret or a key file. */
  private final JwksCache jwks;

  StatsEndpoint(Supplier<JsonObject> stats, BrokerStatus broker, Lifecycle lifecycle, JwksCache jwks) {
    this.stats = stats;
    this.broker = broker;
    this.lifecycle = lifecycle;
    this.jwks = jwks;
  }

  void stats(RoutingContext ctx) {
    Json.send(ctx.response(), 200, stats.get());
  }

  /** Liveness: the process serves HTTP. */
  void health(RoutingContext ctx) {
    Json.send(ctx.response(), 200, new JsonObject().put("status", "UP"));
  }

  /**
   * Readiness: events reach this instance, it is not draining, and it can verify tokens (with a JWKS URL: its keys
   * arrived once; they stay in use through later outages of the provider).
   */
  void ready(RoutingContext ctx) {
    boolean keys = jwks == null || jwks.ready();
    boolean ready = broker.ready() && !lifecycle.draining() && !lifecycle.warming() && keys;
    JsonObject checks = new JsonObject()
        .put("http", lifecycle.draining() ? "DRAINING" : lifecycle.warming() ? "WARMING_UP" : "UP")
        .put("broker", broker.ready() ? "UP" : "DOWN");
    if (jwks != null) {
      checks.put("jwks", keys ? "UP" : "DOWN");
    }
    JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN").put("checks", checks);
    if (!ready) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "2");
    }
    Json.send(ctx.response(), ready ? 200 : 503, body);
  }
}
