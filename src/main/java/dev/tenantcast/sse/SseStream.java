package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.StreamPosition;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One open event stream. Lives on the event loop of the HTTP verticle instance that accepted it; it is not an
 * event-bus consumer itself: its instance's {@link TenantFanout} queues frames on it and flushes them.
 * <p>Frames are collected during an event-loop pass and flushed once, because every write made outside a network read
 * is otherwise flushed at once: one system call per frame and stream is what limits a burst. A stream that is in step
 * collects nothing itself: it joins its tenant's {@link SharedBatch} of the pass ({@link #takes}).
 * <p>A client that reads slower than its events come fills its connection's buffer; then the stream falls
 * <em>behind</em>: frames wait here, dashboard updates collapsing to the newest state ({@link Collapsing}), until the
 * client has read its buffer down, and the stream is cut only when what waits outgrows its limit.
 */
final class SseStream {
  /** A batch this large is written at once instead of waiting for the end of the event-loop pass. */
  static final int MAX_BATCH_BYTES = 64 * 1024;

  private final String id;
  private final TenantId tenant;
  private final long expiresAtMillis;
  private final StreamSink sink;
  /** Run once when the stream is forgotten: gives back what admitting it took. */
  private final Runnable onClosed;
  private final Collapsing collapsing;
  private boolean open = true;
  private boolean started;
  /** The first frame until the first flush writes it, with the response head and the frames queued behind it. */
  private Buffer head;
  /** The frames queued since the last flush, shared with the other streams (not copied). */
  private final List<WireFrame> pending = new ArrayList<>(1);
  private int pendingBytes;
  /** Whether the client fell behind: frames wait in {@code pending} (null where a newer state replaced one). */
  private boolean behind;
  /** While behind: where the newest pending frame of each collapse key is. */
  private Map<String, Integer> newest;
  private int replaced;
  private int heartbeatSlot;
  /** Live events held while the stream's history is read (null: not holding); overflowed: held more than allowed. */
  private List<Envelope> held;
  private boolean overflowed;
  /**
   * Where a replay left each history of this stream, until live events pass it (then null): the history read can see
   * an event before its live copy arrives, and that late copy must not be sent again.
   */
  private Position replayedTenant;
  private Position replayedAlerts;
  /** The tenant's batch of this pass whose frames from {@code batchFrom} on are this stream's (null: none). */
  private SharedBatch batch;
  private int batchFrom;

  SseStream(String id, TenantId tenant, long expiresAtMillis, StreamSink sink, Collapsing collapsing,
            Runnable onClosed) {
    this.id = id;
    this.tenant = tenant;
    this.expiresAtMillis = expiresAtMillis;
    this.sink = sink;
    this.collapsing = collapsing;
    this.onClosed = onClosed;
    sink.onDrained(this::drained);
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

  /**
   * Queues the first frame (frames for this stream before it are skipped, so it is always first); the next flush writes
   * it with the frames queued after it, so that a resume's CONNECTED and replay leave in one write.
   */
  void start(Buffer firstFrame) {
    started = true;
    head = firstFrame;
  }

  boolean started() {
    return started;
  }

  /** From now on, live events are held ({@link #hold(Envelope, int)}) instead of written. */
  void hold() {
    held = new ArrayList<>();
    overflowed = false;
  }

  boolean holding() {
    return held != null;
  }

  /** Holds a live event, up to {@code max}; beyond, the held events are dropped and {@link #release} says so. */
  void hold(Envelope event, int max) {
    if (overflowed) {
      return;
    }
    if (held.size() >= max) {
      overflowed = true;
      held.clear();
      return;
    }
    held.add(event);
  }

  /** Where a replay (history, then the held events) has taken this stream. */
  void replayedUpTo(StreamPosition position) {
    replayedTenant = position.tenant();
    replayedAlerts = position.alerts();
  }

  /** Whether a live event was already sent by a replay; the first live event past the replay ends the check. */
  boolean replayed(Envelope event) {
    Position upTo = event.broadcast() ? replayedAlerts : replayedTenant;
    if (upTo == null || event.position() == null) {
      return false;
    }
    if (!event.position().after(upTo)) {
      return true;
    }
    if (event.broadcast()) {
      replayedAlerts = null;
    } else {
      replayedTenant = null;
    }
    return false;
  }

  /** Stops holding: the held events, or null when there were more than allowed. */
  List<Envelope> release() {
    List<Envelope> events = overflowed ? null : held;
    held = null;
    overflowed = false;
    return events;
  }

  boolean hasPending() {
    return head != null || !pending.isEmpty();
  }

  /**
   * Whether the stream takes the batch's newest frame from the batch: it joined it already, or joins it now because
   * it is in step (live, nothing of its own queued, not behind, holding or checking live events against a replay).
   */
  boolean takes(SharedBatch shared) {
    if (batch == shared) {
      return true;
    }
    if (!open || !started || batch != null || head != null || !pending.isEmpty() || behind || held != null
        || replayedTenant != null || replayedAlerts != null) {
      return false;
    }
    batch = shared;
    batchFrom = shared.size() - 1;
    shared.join(this);
    return true;
  }

  /**
   * Writes this stream's part of the batch, as {@link #flush} would; false when the client is too slow even so.
   * A client that stopped reading meanwhile gets them queued behind, as {@link #enqueue} would have.
   */
  boolean flush(SharedBatch shared) {
    if (batch != shared || !open) {
      return true; // it took the frames as its own, or is gone
    }
    if (sink.full()) {
      leaveBatch();
      if (!collapsing.on()) {
        return false;
      }
      fallBehind();
      return pendingBytes <= collapsing.backlogBytes();
    }
    sink.write(shared, batchFrom);
    batch = null;
    return true;
  }

  /** Takes the batch's frames so far as its own, before anything of its own is queued behind them. */
  private void leaveBatch() {
    if (batch != null) {
      for (WireFrame frame : batch.frames(batchFrom)) {
        pending.add(frame);
        pendingBytes += frame.bytes().length();
      }
      batch = null;
    }
  }

  /**
   * Queues a frame for the next {@link #flush()}. Once the client's connection holds more than the stream's buffer
   * limit, the stream is behind: frames wait (collapsing) until the client drains it. Returns false when the client is
   * too slow even so (or collapsing is off), so that the caller drops the client before it grows the heap.
   */
  boolean enqueue(WireFrame frame) {
    if (!open) {
      return true;
    }
    leaveBatch();
    if (!behind && sink.full()) {
      if (!collapsing.on()) {
        return false;
      }
      fallBehind();
    }
    if (behind) {
      return queueBehind(frame);
    }
    pending.add(frame);
    pendingBytes += frame.bytes().length();
    if (pendingBytes >= MAX_BATCH_BYTES) {
      flush();
    }
    return true;
  }

  boolean behind() {
    return behind;
  }

  private void fallBehind() {
    behind = true;
    newest = new HashMap<>();
    List<WireFrame> queued = new ArrayList<>(pending);
    pending.clear();
    pendingBytes = 0;
    queued.forEach(this::queueBehind);
  }

  /** Queues a frame behind the others, in place of the older frame of its collapse key; false when over the limit. */
  private boolean queueBehind(WireFrame frame) {
    String key = frame.collapseKey();
    if (key != null) {
      Integer older = newest.put(key, pending.size());
      if (older != null) {
        int bytes = pending.set(older, null).bytes().length();
        pendingBytes -= bytes;
        replaced++;
        collapsing.collapsed(bytes);
      }
    }
    pending.add(frame);
    pendingBytes += frame.bytes().length();
    if (replaced > 64 && replaced * 2 > pending.size()) {
      compact();
    }
    return pendingBytes <= collapsing.backlogBytes();
  }

  /** Drops the places of replaced frames; while behind, the newest frame of each key has moved, so it is found anew. */
  private void compact() {
    if (replaced == 0) {
      return;
    }
    pending.removeIf(Objects::isNull);
    replaced = 0;
    if (newest != null) {
      newest.clear();
      for (int i = 0; i < pending.size(); i++) {
        if (pending.get(i).collapseKey() != null) {
          newest.put(pending.get(i).collapseKey(), i);
        }
      }
    }
  }

  /** The client has read its buffer down: what waited is written, and frames flow as usual again. */
  private void drained() {
    if (behind) {
      behind = false;
      newest = null;
      flush();
    }
  }

  /**
   * Writes what is queued with one flush, so a burst costs one system call per stream rather than one per frame; a
   * stream that is behind waits until its client drains its buffer.
   */
  void flush() {
    leaveBatch();
    if (behind) {
      return;
    }
    compact();
    if (open && head != null) {
      sink.start(head, pending);
      head = null;
    } else if (open && !pending.isEmpty()) {
      sink.write(pending);
    }
    pending.clear();
    pendingBytes = 0;
  }

  /** Ends the stream politely, after the frames already queued. */
  void end() {
    behind = false;
    flush();
    if (open) {
      open = false;
      sink.end();
    }
  }

  /** The connection is gone: nothing queued is written any more, not even a first frame still waiting for its flush. */
  void closed() {
    open = false;
    onClosed.run();
  }

  /** Drops the connection at once, discarding what is queued: for clients that stopped reading. */
  void abort() {
    head = null;
    batch = null;
    pending.clear();
    pendingBytes = 0;
    if (open) {
      open = false;
      sink.abort();
    }
  }
}
