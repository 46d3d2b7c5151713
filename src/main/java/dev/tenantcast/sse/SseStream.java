package dev.tenantcast.sse;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * One open event stream. Lives on the event loop of the HTTP verticle instance that accepted it; it is not an
 * event-bus consumer itself: its instance's {@link TenantFanout} queues frames on it and flushes them.
 * <p>Frames are collected and written as one buffer per flush, because every write made outside a network read is
 * flushed at once: one system call per frame and stream is what limits a burst.
 */
final class SseStream {
  /** A batch this large is written at once instead of waiting for the end of the event-loop pass. */
  static final int MAX_BATCH_BYTES = 64 * 1024;

  private final String id;
  private final TenantId tenant;
  private final long expiresAtMillis;
  private final HttpServerRequest request;
  private boolean open = true;
  private boolean started;
  private Buffer pending;
  /** Whether {@code pending} is a frame shared with other streams, which must be copied before appending. */
  private boolean pendingShared;
  private int heartbeatSlot;

  SseStream(String id, TenantId tenant, long expiresAtMillis, HttpServerRequest request) {
    this.id = id;
    this.tenant = tenant;
    this.expiresAtMillis = expiresAtMillis;
    this.request = request;
  }

  String id() {
    return id;
  }

  TenantId tenant() {
    return tenant;
  }

  long expiresAtMillis() {
    return expiresAtMillis;
  }

  int heartbeatSlot() {
    return heartbeatSlot;
  }

  void heartbeatSlot(int slot) {
    heartbeatSlot = slot;
  }

  /** Writes the first frame; frames for this stream before it are skipped, so the first frame is always first. */
  void start(Buffer firstFrame) {
    started = true;
    request.response().write(firstFrame);
  }

  boolean started() {
    return started;
  }

  boolean hasPending() {
    return pending != null;
  }

  /**
   * Queues a frame for the next {@link #flush()}, unless the client is too slow: when more than the stream's buffer
   * limit is already queued in the connection, nothing is queued and false is returned, so that the caller drops the
   * client before it grows the heap.
   */
  boolean enqueue(Buffer frame) {
    if (!open) {
      return true;
    }
    if (request.response().writeQueueFull()) {
      return false;
    }
    if (pending == null) {
      pending = frame;
      pendingShared = true;
      return true;
    }
    if (pendingShared) {
      pending = Buffer.buffer(Math.max(256, 4 * frame.length())).appendBuffer(pending);
      pendingShared = false;
    }
    pending.appendBuffer(frame);
    if (pending.length() >= MAX_BATCH_BYTES) {
      flush();
    }
    return true;
  }

  /** Writes what is queued as one buffer. */
  void flush() {
    if (pending != null && open) {
      request.response().write(pending);
    }
    pending = null;
  }

  /** Ends the stream politely, after the frames already queued. */
  void end() {
    flush();
    if (open) {
      open = false;
      request.response().end();
    }
  }

  /** Drops the connection at once, discarding what is queued: for clients that stopped reading. */
  void abort() {
    pending = null;
    if (open) {
      open = false;
      request.response().reset();
    }
  }
}
