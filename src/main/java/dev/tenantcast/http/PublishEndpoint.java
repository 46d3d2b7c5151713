package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenExtractor;
import dev.tenantcast.auth.TokenExtractor.Credential;
import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.EventJson;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.PublishException;
import dev.tenantcast.bus.PublishFailure;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.limits.Budget;
import dev.tenantcast.limits.PublishLimits;
import dev.tenantcast.limits.Refusal;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /api/events}, in two steps around the body handler. {@link #admit} runs after {@link AuthHandler} and
 * before a byte of the body is read: the token's publish rate, the cross-site check of cookie credentials, and room
 * for the body in the instance's body memory. {@link #publish} parses the body strictly, checks the caller may publish
 * this event and the tenant's rate and bytes, and hands it to the broker, answering 202 with the event's id. An
 * {@code Idempotency-Key} header makes a retry safe: the broker publishes it once and answers the first id again.
 */
final class PublishEndpoint {
  private final BrokerClient broker;
  private final PublishLimits limits;
  private final Budget bodyMemory;
  private final OriginPolicy origins;
  private final HttpConfig config;
  private final ServiceStats stats;
  private final EventTypes types;
  private final LiveFigures figures;

  PublishEndpoint(BrokerClient broker, PublishLimits limits, Budget bodyMemory, OriginPolicy origins, HttpConfig config,
                  ServiceStats stats, LiveFigures figures, EventTypes types) {
    this.types = types;
    this.figures = figures;
    this.broker = broker;
    this.limits = limits;
    this.bodyMemory = bodyMemory;
    this.origins = origins;
    this.config = config;
    this.stats = stats;
  }

  void admit(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Credential credential = AuthHandler.credential(ctx);
    if (credential.source() == TokenExtractor.Source.COOKIE) {
      checkCrossSite(request);
    }
    String token = credential.token();
    limit(limits.token(token.substring(token.lastIndexOf('.') + 1), System.nanoTime()),
        "this token publishes too often (http.publishesPerSecondPerToken)");
    if (request.isEnded()) {
      ctx.next();
      return;
    }
    long declared = contentLength(request);
    if (declared > config.maxBodyBytes()) {
      throw ApiError.tooLarge("the body is larger than " + config.maxBodyBytes() + " bytes").asException();
    }
    long reserved = declared >= 0 ? declared : config.maxBodyBytes();
    if (!bodyMemory.tryTake(reserved)) {
      stats.refused(Refusal.BODY_MEMORY);
      throw ApiError.unavailable("server_busy", "too many request bodies are in memory; retry shortly", 1)
          .asException();
    }
    ctx.addEndHandler(done -> bodyMemory.give(reserved));
    ctx.next();
  }

  void publish(RoutingContext ctx) {
    Principal principal = AuthHandler.principal(ctx);
    if (!principal.canPublish()) {
      throw ApiError.forbidden("publishing needs the role publisher or admin").asException();
    }
    Buffer body = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    JsonObject json;
    try {
      json = EventJson.parseObject(body);
    } catch (EventJson.InvalidJsonException e) {
      throw ApiError.badRequest("the body must be a JSON object: " + e.getMessage()).asException();
    }
    PublishRequest request;
    try {
      JsonObject event = withTenant(principal, json);
      String key = ctx.request().getHeader("Idempotency-Key");
      if (key != null) {
        event.put("idempotencyKey", key);
      }
      request = PublishRequest.from(event, types);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage()).asException();
    }
    String tenantKey = request.tenant() == null ? "" : request.tenant().value();
    PublishLimits.Verdict verdict = limits.tenant(tenantKey, body.length(), System.nanoTime());
    if (!verdict.allowed()) {
      figures.rejected(request.tenant());
    }
    limit(verdict, "tenant " + (request.tenant() == null ? "(all)" : request.tenant()) + " publishes too much");
    broker.publish(request, config.publishTimeoutMillis())
        .onSuccess(published -> Json.send(ctx.response(), 202, published.toJson()))
        .onFailure(e -> {
          if (e instanceof PublishException p && p.failure() == PublishFailure.BUSY) {
            stats.refused(Refusal.PUBLISHES_IN_FLIGHT);
          }
          ctx.fail(e);
        });
  }

  /** The tenant by the tenant rule (the token's by default); events to everyone need an admin. */
  private JsonObject withTenant(Principal principal, JsonObject json) {
    MessageType type = json.getValue("type") instanceof String name ? types.content(name) : null;
    if (type == null) {
      return json.copy(); // PublishRequest says what is wrong with it
    }
    if (!type.perTenant()) {
      if (!principal.isAdmin()) {
        throw ApiError.forbidden(type + " needs the role admin").asException();
      }
      return json.copy();
    }
    TenantId tenant = TenantRule.resolve(principal, json.getValue("tenant"));
    return json.copy().put("tenant", tenant.value());
  }

  private void checkCrossSite(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (type == null || !type.toLowerCase().matches("application/json\\s*(;.*)?")) {
      stats.refused(Refusal.CROSS_SITE);
      throw ApiError.unsupportedMediaType("a publish authenticated by cookie must be sent as application/json")
          .asException();
    }
    if (!origins.sameSiteOrAllowed(request)) {
      stats.refused(Refusal.CROSS_SITE);
      throw ApiError.forbidden("a publish authenticated by cookie must come from this site or an allowed origin "
          + "(http.allowedOrigins)").asException();
    }
  }

  private void limit(PublishLimits.Verdict verdict, String message) {
    if (!verdict.allowed()) {
      stats.refused(verdict.refusal());
      throw ApiError.tooMany("too_many_publishes", message, verdict.retryAfterSeconds()).asException();
    }
  }

  private static long contentLength(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return header == null ? -1 : Long.parseLong(header.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
