package dev.tenantcast.sse;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One open event stream. Lives on the event loop of the HTTP verticle instance that accepted it; it is not an
 * event-bus consumer itself: its instance's {@link TenantFanout} writes to it.
 */
final class SseStream {
  private final String id;
  private final TenantId tenant;
  private final long expiresAtMillis;
  private final HttpServerRequest request;
  private boolean open = true;
  private boolean started;

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

  /** Writes the first frame; frames for this stream before it are skipped, so the first frame is always first. */
  void start(Buffer firstFrame) {
    started = true;
    write(firstFrame);
  }

  boolean started() {
    return started;
  }

  /**
   * Writes a frame unless the client is too slow: when more than the stream's buffer limit is already queued, nothing
   * is written and false is returned, so the caller can drop the client before it grows the heap.
   */
  boolean write(Buffer frame) {
    HttpServerResponse response = request.response();
    if (!open || response.writeQueueFull()) {
      return false;
    }
    response.write(frame);
    return true;
  }

  /** Ends the stream politely, after the frames already written. */
  void end() {
    if (open) {
      open = false;
      request.response().end();
    }
  }

  /** Drops the connection at once, discarding what is queued: for clients that stopped reading. */
  void abort() {
    if (open) {
      open = false;
      request.response().reset();
    }
  }
}
