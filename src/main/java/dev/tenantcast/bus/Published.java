package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * A broker's answer to a {@link PublishRequest}: the id every stream will see the event under, and whether it was a
 * retry of an earlier request with the same idempotency key (then nothing was published again).
 */
public record Published(String id, boolean duplicate) {
  public Published(String id) {
    this(id, false);
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id);
    return duplicate ? json.put("duplicate", true) : json;
  }

  public static Published from(JsonObject json) {
    return new Published(json.getString("id"), json.getBoolean("duplicate", false));
  }
}
