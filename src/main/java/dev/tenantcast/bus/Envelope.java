package dev.tenantcast.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One event on its way to the streams: what a broker puts on the event bus and what the streams write. Immutable once
 * built: the same instance is handed to every HTTP verticle instance (the local codec does not copy it), so nobody may
 * modify {@code data}.
 *
 * @param id        the event's id (the one {@code POST /api/events} answered), or null for server-made events
 * @param position  where the event sits in its history, or null when it has none (published straight to Redis, or
 *                  history off): such an event is live only and cannot be replayed
 * @param tenant    the tenant it belongs to, or null for events to every tenant
 * @param timestamp epoch milliseconds when the event entered Tenantcast
 * @param json      what clients read as {@code event.data}, encoded once when the envelope is made, so that every
 *                  event loop writes the same bytes and a value that cannot be encoded fails where it entered
 * @param receivedNanos {@link System#nanoTime()} when the broker received it live, for the delivery latency; 0 for
 *                  events made by the server or read from history
 */
public record Envelope(String id, Position position, MessageType type, TenantId tenant, JsonObject data,
                       long timestamp, Buffer json, long receivedNanos) {

  /** A content event; its id is its position when it has one. */
  public static Envelope of(String id, Position position, MessageType type, TenantId tenant, JsonObject data,
                            long timestamp) {
    JsonObject json = new JsonObject().put("type", type.name());
    if (id != null) {
      json.put("id", id);
    }
    json.put("data", data).put("timestamp", timestamp);
    return new Envelope(id, position, type, tenant, data, timestamp, json.toBuffer(), 0);
  }

  /** The same event, received live by the broker at {@code nanos} ({@link System#nanoTime()}). */
  public Envelope receivedAt(long nanos) {
    return new Envelope(id, position, type, tenant, data, timestamp, json, nanos);
  }

  /** Server-made events (heartbeats, errors) carry no id so they do not disturb resume. */
  public static Envelope ofServer(MessageType type, JsonObject data, long timestamp) {
    return of(null, null, type, null, data, timestamp);
  }

  /** Whether this event belongs to the system alerts' history rather than its tenant's. */
  public boolean broadcast() {
    return tenant == null;
  }
}
