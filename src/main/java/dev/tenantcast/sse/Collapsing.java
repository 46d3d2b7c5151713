package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.stats.ServiceStats;

/**
 * Latest-state delivery, for streams whose client reads slower than their events come: once such a stream's buffer
 * is full, its queued dashboard updates collapse to the newest one per key (a dashboard needs the latest state, not
 * every state on the way), and so do its heartbeats; notifications, alerts and every other event keep their order and
 * are never dropped. Only when what is left outgrows {@code backlogBytes} is the stream cut.
 */
final class Collapsing {
  private final boolean on;
  private final String keyField;
  private final int backlogBytes;
  private final ServiceStats stats;

  /**
   * @param on           false: a stream is cut as soon as its buffer is full (no backlog)
   * @param keyField     the field of a dashboard update's data that names what it is the state of (updates without it,
   *                     or all when null, are one state per tenant)
   * @param backlogBytes bytes a stream that fell behind may keep queued here, after collapsing
   */
  Collapsing(boolean on, String keyField, int backlogBytes, ServiceStats stats) {
    this.on = on;
    this.keyField = keyField;
    this.backlogBytes = backlogBytes;
    this.stats = stats;
  }

  boolean on() {
    return on;
  }

  int backlogBytes() {
    return backlogBytes;
  }

  /** Under which key a frame of this event replaces an older one queued on a stream that is behind; null: never. */
  String keyOf(Envelope envelope) {
    if (!on) {
      return null;
    }
    if (envelope.type().equals(MessageType.HEARTBEAT)) {
      return "h";
    }
    if (!envelope.type().equals(MessageType.DASHBOARD_UPDATE)) {
      return null;
    }
    Object key = keyField == null ? null : envelope.data().getValue(keyField);
    return key instanceof String || key instanceof Number || key instanceof Boolean ? "u:" + key : "u";
  }

  /** A queued frame of this many bytes was replaced by a newer state before it was written. */
  void collapsed(int bytes) {
    stats.collapsed(bytes);
  }
}
