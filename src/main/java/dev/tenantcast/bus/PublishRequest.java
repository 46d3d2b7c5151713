package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * A request to publish one event to Redis, as sent to {@link Addresses#PUBLISH} by other verticles and by
 * {@code POST /api/events}: {@code {"tenant": "...", "type": "...", "data": {...}}} (no tenant for SYSTEM_ALERT).
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
    Object tenant = json.getValue("tenant");
    if (!type.perTenant()) {
      if (tenant != null) {
        throw new IllegalArgumentException(type + " goes to every tenant and takes no tenant");
      }
      return new PublishRequest(null, type, data);
    }
    if (!(tenant instanceof String s) || !TenantId.isValid(s)) {
      throw new IllegalArgumentException("tenant must be 1-64 characters of A-Z a-z 0-9 _ -");
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
