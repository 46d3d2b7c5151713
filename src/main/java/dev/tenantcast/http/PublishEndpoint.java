package dev.tenantcast.http;

import dev.tenantcast.auth.Principal;
import dev.tenantcast.auth.TokenExtractor;
import dev.tenantcast.auth.TokenVerifier;
import dev.tenantcast.bus.Addresses;
import dev.tenantcast.bus.PublishRequest;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /api/events}: checks the caller may publish this event, then hands it to the Redis publisher over the
 * event bus (the same path other verticles use) and answers 202 with the event's id.
 */
final class PublishEndpoint implements Handler<RoutingContext> {
  private final TokenVerifier verifier;
  private final EventBus bus;
  private final DeliveryOptions options;

  PublishEndpoint(TokenVerifier verifier, EventBus bus, long timeoutMillis) {
    this.verifier = verifier;
    this.bus = bus;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis).setLocalOnly(true);
  }

  @Override
  public void handle(RoutingContext ctx) {
    verifier.verify(TokenExtractor.from(ctx.request()))
        .map(principal -> authorize(principal, parse(ctx)))
        .compose(request -> bus.<JsonObject>request(Addresses.PUBLISH, request.toJson(), options))
        .onSuccess(reply -> ctx.response().setStatusCode(202)
            .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
            .end(new JsonObject().put("id", reply.body().getString("id")).encode()))
        .onFailure(ctx::fail);
  }

  private static PublishRequest parse(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (RuntimeException e) {
      throw ApiError.badRequest("the body must be a JSON object").asException();
    }
    try {
      return PublishRequest.from(body);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage()).asException();
    }
  }

  private static PublishRequest authorize(Principal principal, PublishRequest request) {
    if (!principal.canPublish()) {
      throw ApiError.forbidden("publishing needs the role publisher or admin").asException();
    }
    if (request.tenant() == null ? !principal.isAdmin() : !principal.mayAccess(request.tenant())) {
      throw ApiError.forbidden(request.tenant() == null ? request.type() + " needs the role admin"
          : "this token may not publish to tenant " + request.tenant()).asException();
    }
    return request;
  }
}
