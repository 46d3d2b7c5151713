package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenSigner;
import dev.tenantcast.bus.EventJson;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.DemoConfig;
import dev.tenantcast.config.JwtConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The demo dashboard's token desk, for development only: {@code GET /api/demo/tenants} and
 * {@code POST /api/demo/token}. Absent (404) unless {@code demo.enabled}; and it refuses (403) whenever tokens are
 * verified with anything but the public development secret, so it can never mint a token a production service accepts.
 */
final class DemoEndpoint {
  private static final Set<String> ROLES = Set.of(Principal.PUBLISHER, Principal.ADMIN);

  private final DemoConfig config;
  private final TokenSigner signer;

  DemoEndpoint(Vertx vertx, DemoConfig config, JwtConfig jwt) {
    this.config = config;
    this.signer = config.enabled() && jwt.usesDevelopmentSecret() ? TokenSigner.create(vertx, jwt) : null;
  }

  void tenants(RoutingContext ctx) {
    if (!config.enabled()) {
      throw ApiError.notFound().asException();
    }
    ok(ctx, new JsonObject().put("tenants", new JsonArray(config.tenants())));
  }

  void token(RoutingContext ctx) {
    if (!config.enabled()) {
      throw ApiError.notFound().asException();
    }
    if (signer == null) {
      throw ApiError.forbidden("demo tokens are refused: this service verifies tokens with a production key")
          .asException();
    }
    JsonObject body;
    try {
      body = EventJson.parseObject(ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer());
    } catch (EventJson.InvalidJsonException e) {
      throw ApiError.badRequest("the body must be a JSON object: " + e.getMessage()).asException();
    }
    String tenant = body.getValue("tenant") instanceof String s ? s : null;
    if (!TenantId.isValid(tenant)) {
      throw ApiError.badRequest(TenantId.RULE).asException();
    }
    Set<String> roles = new LinkedHashSet<>();
    JsonArray asked = body.getValue("roles") instanceof JsonArray array ? array : new JsonArray();
    for (Object role : asked) {
      if (!ROLES.contains(role)) {
        throw ApiError.badRequest("roles may be publisher and admin").asException();
      }
      roles.add((String) role);
    }
    long ttl = config.tokenTtlSeconds();
    ok(ctx, new JsonObject()
        .put("token", signer.sign("demo-user", tenant, roles, ttl))
        .put("tenant", tenant)
        .put("roles", new JsonArray(java.util.List.copyOf(roles)))
        .put("expiresAt", System.currentTimeMillis() + ttl * 1000));
  }

  private static void ok(RoutingContext ctx, JsonObject body) {
    Json.send(ctx.response(), 200, body);
  }
}
