package dev.tenantcast.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One event on its way to the streams: what a broker puts on the event bus and what the streams write. Immutable once
 * built: the same instance is handed to every HTTP verticle instance (the local codec does not copy it), so nobody may
 * modify {@code data}.
 *
 * @param id        the SSE event id, or null for server-made events that must not move a client's last event id
 * @param tenant    the tenant it belongs to, or null for events to every tenant
 * @param timestamp epoch milliseconds when the event entered Tenantcast
 * @param json      what clients read as {@code event.data}, encoded once when the envelope is made, so that every
 *                  event loop writes the same bytes and a value that cannot be encoded fails where it entered
 */
public record Envelope(String id, MessageType type, TenantId tenant, JsonObject data, long timestamp, Buffer json) {

  public static Envelope of(String id, MessageType type, TenantId tenant, JsonObject data, long timestamp) {
    Buffer json = new JsonObject().put("type", type.name()).put("data", data).put("timestamp", timestamp).toBuffer();
    return new Envelope(id, type, tenant, data, timestamp, json);
  }

  /** Server-made events (heartbeats, errors) carry no id so they do not disturb resume. */
  public static Envelope ofServer(MessageType type, JsonObject data, long timestamp) {
    return of(null, type, null, data, timestamp);
  }
}
