package dev.tenantcast.http;

import dev.tenantcast.app.ServiceContext;
import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenExtractor;
import dev.tenantcast.auth.TokenVerifier;
import dev.tenantcast.config.DemoConfig;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.sse.SseEndpoint;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP verticle, one instance per event loop: the event streams, the publish API, stats, health, metrics, the
 * browser client and the demo dashboard. Every instance
 * listens on the same port (Vert.x spreads connections over them) and owns the streams it accepted.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final ServiceContext service;
  private final ServiceStats stats;
  private SseEndpoint streams;
  private HttpServer server;

  public HttpVerticle(ServiceContext service) {
    this.service = service;
    this.stats = service.stats();
  }

  @Override
  public Future<?> start() {
    HttpConfig config = HttpConfig.from(config().getJsonObject("http"));
    JwtConfig jwt = JwtConfig.from(config().getJsonObject("jwt"));
    DemoConfig demoConfig = DemoConfig.from(config().getJsonObject("demo"));
    TokenVerifier verifier = TokenVerifier.create(vertx, jwt);
    streams = new SseEndpoint(vertx, verifier, service, config);
    DemoEndpoint demo = new DemoEndpoint(vertx, demoConfig, jwt);

    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "UP")));
    router.get("/ready").handler(this::ready);
    router.get("/api/sse/dashboard").handler(streams);
    router.post("/api/events")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(new PublishEndpoint(verifier, vertx.eventBus(), config.publishTimeoutMillis()));
    router.get("/api/sse/stats").handler(ctx -> statsFor(ctx, verifier));
    router.get("/metrics").handler(PrometheusScrapingHandler.create(service.instanceId()));
    router.get("/api/demo/tenants").handler(demo::tenants);
    router.post("/api/demo/token").handler(BodyHandler.create(false).setBodyLimit(1024)).handler(demo::token);
    // The browser client (/tenantcast-client.js, .d.ts) and the demo dashboard at /.
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().handler(ctx -> ApiError.notFound().send(ctx.response()));
    router.route().failureHandler(HttpVerticle::failure);

    // Strict thread mode: every write to a connection happens on its own event loop (each instance writes only to
    // the streams it accepted), so Vert.x can skip its per-connection cross-thread outbound queue (~4.7 kB a stream).
    server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port())
            .setStrictThreadMode(true))
        .requestHandler(router);
    return streams.start(vertx)
        .compose(v -> server.listen())
        .onSuccess(s -> LOG.info("HTTP listening on {}:{}", config.host(), s.actualPort()));
  }

  @Override
  public Future<?> stop() {
    streams.stop();
    return server.close();
  }

  private void ready(RoutingContext ctx) {
    boolean redis = stats.redisSubscribed();
    JsonObject body = new JsonObject().put("status", redis ? "UP" : "DOWN")
        .put("checks", new JsonObject().put("http", "UP").put("redis", redis ? "UP" : "DOWN"));
    if (!redis) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "2");
    }
    json(ctx, redis ? 200 : 503, body);
  }

  private void statsFor(RoutingContext ctx, TokenVerifier verifier) {
    verifier.verify(TokenExtractor.from(ctx.request()))
        .map(principal -> {
          if (!principal.isAdmin()) {
            throw ApiError.forbidden("stats need the role " + Principal.ADMIN).asException();
          }
          return stats.toJson();
        })
        .onSuccess(body -> json(ctx, 200, body))
        .onFailure(ctx::fail);
  }

  private static void failure(RoutingContext ctx) {
    ApiError error = ctx.failure() != null ? ApiError.of(ctx.failure())
        : ctx.statusCode() == 413 ? ApiError.tooLarge("the body is too large")
        : ctx.statusCode() == 400 ? ApiError.badRequest("bad request")
        : new ApiError(ctx.statusCode(), "error", "request failed", null);
    error.send(ctx.response());
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode());
  }
}
