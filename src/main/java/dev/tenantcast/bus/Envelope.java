package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * One event on its way to the streams: what the bridge puts on the event bus and what the frame encoder writes.
 * Immutable once built: the same instance is handed to every HTTP verticle instance (the local codec does not copy it),
 * so nobody may modify {@code data}.
 *
 * @param id        the SSE event id, or null for server-made events that must not move a client's last event id
 * @param tenant    the tenant it belongs to, or null for events to every tenant
 * @param timestamp epoch milliseconds when the event entered Tenantcast
 */
public record Envelope(String id, MessageType type, TenantId tenant, JsonObject data, long timestamp) {

  /** Server-made events (heartbeats, errors) carry no id so they do not disturb resume. */
  public static Envelope ofServer(MessageType type, JsonObject data, long timestamp) {
    return new Envelope(null, type, null, data, timestamp);
  }

  /** The JSON that clients read as {@code event.data}. */
  public JsonObject toJson() {
    return new JsonObject().put("type", type.name()).put("data", data).put("timestamp", timestamp);
  }
}
