package dev.tenantcast.redis;

import dev.tenantcast.bus.EventJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The format of a payload on a Redis channel. Any JSON object is an event's {@code data}. Tenantcast's own publisher
 * wraps it as {@code {"@tenantcast": {"id": "...", "timestamp": 123}, "data": {...}}} so that every instance gives the
 * event the same id and timestamp (the id that {@code POST /api/events} answered with); other publishers may use the
 * same form to choose their ids.
 */
public final class RedisPayload {
  static final String META = "@tenantcast";

  /** What a payload says: the data, and the id and timestamp when it carried them (else null and 0). */
  public record Parsed(JsonObject data, String id, long timestamp) {
  }

  private RedisPayload() {
  }

  /**
   * @throws EventJson.InvalidJsonException when the payload breaks the JSON rule of {@link EventJson}
   * @throws IllegalArgumentException       when its wrapper is malformed
   */
  public static Parsed parse(Buffer payload) {
    JsonObject json = EventJson.parseObject(payload);
    if (!(json.getValue(META) instanceof JsonObject meta)) {
      return new Parsed(json, null, 0);
    }
    if (!(json.getValue("data") instanceof JsonObject data) || !(meta.getValue("id") instanceof String id)) {
      throw new IllegalArgumentException("a " + META + " wrapper needs an id and a data object");
    }
    return new Parsed(data, id, meta.getValue("timestamp") instanceof Number ts ? ts.longValue() : 0);
  }

  public static Buffer wrap(String id, long timestamp, JsonObject data) {
    return new JsonObject()
        .put(META, new JsonObject().put("id", id).put("timestamp", timestamp))
        .put("data", data)
        .toBuffer();
  }
}
