package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * What a broker receives at {@link Addresses#PUBLISH} (from other verticles and {@code POST /api/events}): one event to
 * publish so that every instance delivers it, as {@code {"tenant": "...", "type": "...", "data": {...}}} (no tenant
 * for SYSTEM_ALERT). The broker answers {@link Published}, or fails with a {@link PublishFailure}.
 */
public record PublishRequest(TenantId tenant, MessageType type, JsonObject data) {

  /** Parses and validates; the exception message is fit to show to the caller. */
  public static PublishRequest from(JsonObject json) {
    if (json == null) {
      throw new IllegalArgumentException("the body must be a JSON object");
    }
    MessageType type;
    try {
      type = MessageType.valueOf(String.valueOf(json.getValue("type")));
    } catch (IllegalArgumentException e) {
      type = null;
    }
    if (type == null || !type.fromRedis()) {
      throw new IllegalArgumentException("type must be DASHBOARD_UPDATE, NOTIFICATION or SYSTEM_ALERT");
    }
    if (!(json.getValue("data") instanceof JsonObject data)) {
      throw new IllegalArgumentException("data must be a JSON object");
    }
    EventJson.check(data, 2);
    Object tenant = json.getValue("tenant");
    if (!type.perTenant()) {
      if (tenant != null) {
        throw new IllegalArgumentException(type + " goes to every tenant and takes no tenant");
      }
      return new PublishRequest(null, type, data);
    }
    if (!(tenant instanceof String s) || !TenantId.isValid(s)) {
      throw new IllegalArgumentException(TenantId.RULE);
    }
    return new PublishRequest(new TenantId(s), type, data);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("type", type.name()).put("data", data);
    if (tenant != null) {
      json.put("tenant", tenant.value());
    }
    return json;
  }
}
