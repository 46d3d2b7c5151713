package dev.tenantcast.testing;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/** One dispatched event as a browser would see it, plus every field line it was made of. */
public record SseEvent(String id, String data, Integer retry, Map<String, List<String>> fields) {
  public JsonObject json() {
    return new JsonObject(data);
  }

  public String type() {
    return json().getString("type");
  }

  public JsonObject payload() {
    return json().getJsonObject("data");
  }
}
