package dev.tenantcast.http;

import dev.tenantcast.auth.TokenVerifier;
import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.config.DemoConfig;
import dev.tenantcast.config.HistoryConfig;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.service.ServiceContext;
import dev.tenantcast.service.ServiceContext.SharedLimits;
import dev.tenantcast.sse.StreamHub;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The HTTP verticle, one instance per event loop: the event streams, the publish API, stats, health, metrics, the
 * API's OpenAPI document, the browser client and the demo dashboard. Every instance listens on the same port (Vert.x
 * spreads connections over them) and owns the connections and streams it accepted.
 */
public final class HttpVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(HttpVerticle.class);

  private final ServiceContext service;
  // read when the verticle is made, as the publish script is, not on the event loop
  private final OpenApiEndpoint openApi = OpenApiEndpoint.load();
  private HttpConfig config;
  private StreamHub streams;
  private AdminEndpoint admin;
  private ConnectionGuard guard;
  private HttpServer server;
  private Router router;

  public HttpVerticle(ServiceContext service) {
    this.service = service;
  }

  @Override
  public Future<?> start() {
    config = HttpConfig.from(config().getJsonObject("http"));
    JwtConfig jwt = JwtConfig.from(config().getJsonObject("jwt"));
    DemoConfig demoConfig = DemoConfig.from(config().getJsonObject("demo"));
    HistoryConfig history = HistoryConfig.from(config().getJsonObject("history"));
    SharedLimits limits = service.limits();
    BrokerClient broker = new BrokerClient(vertx.eventBus());
    streams = new StreamHub(vertx, broker, service.stats(), service.metrics(), service.figures(),
        service.instanceId(), service.eventTypes(), config, history.maxReplay());
    guard = new ConnectionGuard(vertx, config, limits.connections(), service.stats());
    AuthHandler auth = new AuthHandler(TokenVerifier.create(vertx, jwt, service.jwks(), service.warmUpKey()));
    OriginPolicy origins = new OriginPolicy(config);
    PublishEndpoint publish = new PublishEndpoint(broker, limits.publishes(), limits.bodyBytes(), origins, config,
        service.stats(), service.figures(), service.eventTypes());
    StatsEndpoint stats = new StatsEndpoint(service::statsJson, service.broker(), service.lifecycle(),
        service.jwks());
    DemoEndpoint demo = new DemoEndpoint(vertx, demoConfig, jwt);
    admin = new AdminEndpoint(vertx, limits.adminStreams(), guard, config.retryMillis());

    router = Router.router(vertx);
    Handler<RoutingContext> cors = origins.cors();
    if (cors != null) {
      router.route("/api/sse/dashboard").handler(cors);
      router.route("/api/events").handler(cors);
      router.route("/tenantcast-client.*").handler(cors);
    }
    getAndHead(router, "/health").handler(stats::health);
    getAndHead(router, "/ready").handler(stats::ready);
    router.get("/api/sse/dashboard").handler(auth)
        .handler(new StreamEndpoint(streams, limits.streams(), guard, service.ids(), service.stats(),
            service.figures(), service.lifecycle()));
    // Two routes, because vertx-web orders a body handler before any other on one route: the first checks the token
    // and the limits before a byte of the body is read, the second reads it.
    router.post("/api/events").handler(auth).handler(publish::admit);
    router.post("/api/events")
        .handler(BodyHandler.create(false).setBodyLimit(config.maxBodyBytes()))
        .handler(publish::publish);
    router.get("/api/sse/stats").handler(auth).handler(AuthHandler.requireAdmin("stats")).handler(stats::stats);
    router.get("/api/admin/figures").handler(auth).handler(AuthHandler.requireAdmin("the admin figures"))
        .handler(admin::open);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(service.instanceId()));
    router.get(OpenApiEndpoint.PATH).handler(openApi); // this API's OpenAPI document (openapi/tenantcast.json)
    router.get("/api/demo/tenants").handler(demo::tenants);
    router.post("/api/demo/token").handler(BodyHandler.create(false).setBodyLimit(1024)).handler(demo::token);
    // The browser client (/tenantcast-client.js, .d.ts) and the demo dashboard at /.
    router.get("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false));
    router.route().handler(ctx -> {
      throw ApiError.notFound().asException();
    });
    router.route().failureHandler(HttpVerticle::failure);

    server = vertx.createHttpServer(serverOptions().setHost(config.host()).setPort(config.port())
            .setCompressionSupported(config.compression()))
        .connectionHandler(guard::onConnection)
        .requestHandler(request -> {
          if (guard.onRequest(request)) {
            router.handle(request);
          }
        });
    guard.start();
    return streams.start().compose(v -> admin.start())
        .compose(v -> server.listen())
        // "Address already in use" alone does not say which address
        .recover(e -> Future.failedFuture("cannot listen on " + config.host() + ":" + config.port() + ": "
            + e.getMessage()))
        .onSuccess(s -> LOG.info("HTTP listening on {}:{}", config.host(), s.actualPort()));
  }

  /**
   * The server's options apart from the configured ones (address, compression); the streams' writes below Vert.x
   * depend on them (StreamSinkTest checks them).
   */
  public static HttpServerOptions serverOptions() {
    return new HttpServerOptions()
        // Strict thread mode: every write to a connection happens on its own event loop (each instance writes
        // only to the connections it accepted), so Vert.x skips its per-connection cross-thread outbound queue
        // (~4.7 kB a stream), and holds no write back that a stream's write below it could pass.
        .setStrictThreadMode(true)
        // No HTTP/2 over cleartext: browsers use h2 only over TLS, and one h2c connection could carry many
        // requests past the per-connection timeouts.
        .setHttp2ClearTextEnabled(false)
        // No WebSockets here: without their compression, no extension handler is added to each connection's
        // pipeline, which every read, write and flush of a stream would pass through.
        .setPerFrameWebSocketCompressionSupported(false)
        .setPerMessageWebSocketCompressionSupported(false);
  }

  /**
   * Stopping drains: every stream gets a last event asking its client to reconnect (elsewhere) after a random delay,
   * then the server waits up to {@code http.drainMillis} for the connections to close.
   */
  @Override
  public Future<?> stop() {
    guard.stop();
    admin.stop();
    int drained = streams.drain(config.reconnectSpreadMillis());
    if (drained > 0) {
      LOG.info("Drained {} streams", drained);
    }
    return server.shutdown(config.drainMillis(), TimeUnit.MILLISECONDS);
  }

  /** The routes this instance serves, for the test that keeps the API document in step with them. */
  Router router() {
    return router;
  }

  private static Route getAndHead(Router router, String path) {
    return router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD);
  }

  /** Our own failures carry their answer; vertx-web's handlers (body limit, CORS) fail with a status. */
  private static void failure(RoutingContext ctx) {
    ApiError error = ctx.statusCode() == 413 ? ApiError.tooLarge("the body is too large")
        : ctx.statusCode() == 400 ? ApiError.badRequest("bad request")
        : ctx.statusCode() == 403 ? ApiError.forbidden("forbidden")
        : ctx.statusCode() >= 400 && ctx.statusCode() != 500 ? new ApiError(ctx.statusCode(), "error",
            "request failed", null)
        : ApiError.of(ctx.failure());
    error.send(ctx.request());
  }
}
