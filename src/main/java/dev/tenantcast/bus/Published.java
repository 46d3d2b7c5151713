package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/** A broker's answer to a {@link PublishRequest}: the id every stream will see the event under. */
public record Published(String id) {
  public JsonObject toJson() {
    return new JsonObject().put("id", id);
  }

  public static Published from(JsonObject json) {
    return new Published(json.getString("id"));
  }
}
