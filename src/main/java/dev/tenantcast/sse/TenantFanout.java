package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.History;
import dev.tenantcast.bus.HistoryRequest;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.StreamPosition;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The streams of one HTTP verticle instance, grouped by tenant. Each tenant with streams here has one event-bus
 * consumer (not one per stream); an event is framed once per tenant and the same bytes are written to each of the
 * tenant's streams: the frames of a tenant in one event-loop pass go to its in-step streams as one {@link SharedBatch},
 * one write per stream. Confined to the instance's event loop, so it needs no locks.
 * <p>Every content event's SSE id is the streams' position after it ({@link StreamPosition}: the tenant's history and
 * the alerts' history), which a group tracks as events pass. A stream that resumes holds the live events that arrive
 * while its history is read, then gets the history's events after its position, then the held ones that the history
 * did not have, and only then live frames: no gap and no duplicate across the switch.
 */
final class TenantFanout {
  private static final Logger LOG = LoggerFactory.getLogger(TenantFanout.class);

  /** The streams of one tenant on this instance, the consumer that feeds them, and their position. */
  private static final class TenantGroup {
    final TenantId tenant;
    final Set<SseStream> streams = new LinkedHashSet<>();
    MessageConsumer<Envelope> consumer;
    Future<?> ready;
    Position head;
    /** This pass's frames, until the end-of-pass flush (or until they fill a batch). */
    SharedBatch batch;

    TenantGroup(TenantId tenant) {
      this.tenant = tenant;
    }
  }

  private final Context context;
  private final BrokerClient broker;
  private final ServiceStats stats;
  private final ServiceMetrics metrics;
  private final LiveFigures figures;
  private final Collapsing collapsing;
  private final Map<TenantId, TenantGroup> groups = new HashMap<>();
  private final Set<SseStream> all = new LinkedHashSet<>();
  private final TreeSet<SseStream> byExpiry = new TreeSet<>(
      Comparator.comparingLong(SseStream::expiresAtMillis).thenComparing(SseStream::id));
  /**
   * The streams by heartbeat slot: each second one slot's streams get their heartbeat, so that 10,000 streams cost a
   * few hundred writes a second rather than a burst of 10,000 writes that would hold up deliveries behind it.
   */
  private final List<Set<SseStream>> heartbeatSlots = new ArrayList<>();
  private final int heartbeatSeconds;
  private final int maxHeld;
  private long ticks;
  private int nextSlot;
  /** The newest system alert's position seen here. */
  private Position alertsHead;
  /** Streams with queued frames, and groups with a batch, flushed once at the end of the current event-loop pass. */
  private final List<SseStream> dirty = new ArrayList<>();
  private final List<TenantGroup> batched = new ArrayList<>();
  private final Handler<Void> flushTask = v -> flush();
  private boolean flushScheduled;
  private MessageConsumer<Envelope> broadcast;
  /** The broker's DEGRADED notice while it stands (until RESTORED): a stream that starts meanwhile is told too. */
  private Envelope degraded;

  /**
   * Create on the event loop of the HTTP verticle instance that will own it.
   *
   * @param maxHeld live events a resuming stream may hold while its history is read (beyond: it cannot resume)
   */
  TenantFanout(Vertx vertx, BrokerClient broker, ServiceStats stats, ServiceMetrics metrics, LiveFigures figures,
               Collapsing collapsing, int heartbeatSeconds, int maxHeld) {
    this.figures = figures;
    this.collapsing = collapsing;
    this.context = vertx.getOrCreateContext();
    this.broker = broker;
    this.stats = stats;
    this.metrics = metrics;
    this.heartbeatSeconds = heartbeatSeconds;
    this.maxHeld = maxHeld;
    for (int i = 0; i < heartbeatSeconds; i++) {
      heartbeatSlots.add(new LinkedHashSet<>());
    }
  }

  Future<Void> start() {
    broadcast = broker.consumeBroadcast(this::deliverBroadcast);
    return broadcast.completion();
  }

  /**
   * Adds a stream and starts it once its tenant's events are routed here (and, to resume, once its history is read),
   * so that everything published after its first frame reaches it.
   *
   * @param connected the first frame, given what became of the resume ({@link #resumeJson})
   */
  void add(SseStream stream, Resume resume, Function<JsonObject, Buffer> connected) {
    TenantGroup group = groups.get(stream.tenant());
    if (group == null) {
      TenantGroup created = new TenantGroup(stream.tenant());
      created.consumer = VertxInternals.quietWhenDiscarding(
          broker.consume(stream.tenant(), envelope -> deliverTenant(created, envelope)));
      // A broker that subscribes per tenant subscribes now, and answers once the tenant's events flow; then the
      // heads tell the group where its histories stand before its first event.
      created.ready = Future.all(created.consumer.completion(), broker.interested(stream.tenant()))
          .compose(v -> broker.history(new HistoryRequest(stream.tenant(), null, null)))
          .onSuccess(heads -> {
            created.head = later(created.head, heads.tenantHead());
            alertsHead = later(alertsHead, heads.alertsHead());
          });
      groups.put(stream.tenant(), created);
      group = created;
    }
    group.streams.add(stream);
    all.add(stream);
    byExpiry.add(stream);
    stream.heartbeatSlot(nextSlot);
    heartbeatSlots.get(nextSlot).add(stream);
    nextSlot = (nextSlot + 1) % heartbeatSeconds;
    TenantGroup joined = group;
    group.ready.onComplete(ar -> {
      if (!all.contains(stream)) {
        return;
      }
      if (!resume.requested()) {
        start(stream, connected.apply(resumeJson(resume, null, 0)));
        markDirty(stream);
        return;
      }
      // From here, live events wait in the stream until its history is read.
      StreamPosition now = position(joined);
      stream.hold();
      if (resume.since() == null) {
        catchUp(stream, now, History.Gap.UNAVAILABLE, List.of(), resume, connected);
        return;
      }
      broker.history(new HistoryRequest(stream.tenant(), resume.since().tenant(), resume.since().alerts()))
          .onComplete(read -> {
            if (all.contains(stream)) {
              History history = read.result();
              if (history.complete()) {
                catchUp(stream, resume.since(), null, replay(history), resume, connected);
              } else {
                catchUp(stream, now, history.gap(), List.of(), resume, connected);
              }
            }
          });
    });
  }

  /**
   * Starts a resuming stream: CONNECTED saying how the resume went, then the replayed events, then the live events it
   * held that the replay did not already hold, each framed with the stream's own position; then it goes live.
   *
   * @param from where the stream's position starts: its own (resumed) or the group's when it held (not resumed)
   */
  private void catchUp(SseStream stream, StreamPosition from, History.Gap gap, List<Envelope> replay, Resume resume,
                       Function<JsonObject, Buffer> connected) {
    List<Envelope> held = stream.release();
    if (held == null) {
      gap = History.Gap.TRIMMED; // it held more than it may: the replay would not fit either
      held = List.of();
    }
    start(stream, connected.apply(resumeJson(resume, gap, replay.size())));
    if (degraded != null) { // start() gave it the DEGRADED notice, which may also have come while it held
      Envelope told = degraded;
      held = held.stream().filter(e -> e != told).toList();
    }
    if (gap != null) {
      stream.enqueue(frame(null, Envelope.ofServer(MessageType.ERROR, new JsonObject().put("code", "RESUME_FAILED")
          .put("reason", gap.name()).put("message", "events were missed and cannot be replayed: refetch the state"),
          System.currentTimeMillis())));
    }
    send(stream, from, replay, held);
  }

  /** Sends the stream its first frame, then the broker's DEGRADED notice if it stands: it missed it. */
  private void start(SseStream stream, Buffer first) {
    stream.start(first);
    if (degraded != null) {
      stream.enqueue(frame(null, degraded));
    }
  }

  /**
   * Queues the replayed events, then the held ones the replay did not have (by position), each framed with the
   * stream's own position as it moves; events without a position (live only) are never in a replay, so always sent.
   */
  private void send(SseStream stream, StreamPosition from, List<Envelope> replay, List<Envelope> held) {
    StreamPosition position = from;
    for (List<Envelope> events : List.of(replay, held)) {
      for (Envelope event : events) {
        Position mine = event.broadcast() ? position.alerts() : position.tenant();
        if (event.position() != null && !event.position().after(mine)) {
          continue; // already sent
        }
        if (event.position() != null) {
          position = position.after(event.position(), event.broadcast());
        }
        stream.enqueue(frame(sseId(position, event), event));
      }
    }
    stream.replayedUpTo(position);
    if (stream.hasPending()) {
      markDirty(stream);
    }
  }

  /** Replays the groups' events missed during a broker outage, once its broker is back. */
  void catchUpAll() {
    new ArrayList<>(groups.values()).forEach(this::catchUp);
  }

  /**
   * Replays a group's events after its position: its live streams hold what arrives meanwhile, then get the history's
   * events they lack, then the held ones, then live frames again.
   */
  private void catchUp(TenantGroup group) {
    StreamPosition since = position(group);
    List<SseStream> live = group.streams.stream().filter(s -> s.started() && !s.holding()).toList();
    live.forEach(SseStream::hold);
    broker.history(new HistoryRequest(group.tenant, since.tenant(), since.alerts())).onComplete(read -> {
      History history = read.result();
      // after an epoch change (Redis lost its history) the new epoch's events are still given: all came after the gap
      List<Envelope> replay = history.complete() || history.gap() == History.Gap.EPOCH ? replay(history) : List.of();
      for (SseStream stream : live) {
        if (!all.contains(stream)) {
          continue;
        }
        List<Envelope> held = stream.release();
        if (held != null) {
          // notices held meanwhile (RESTORED) come first: they say what the events after them are
          held.stream().filter(e -> e.id() == null).forEach(e -> stream.enqueue(frame(null, e)));
        }
        if (!history.complete() || held == null) {
          stream.enqueue(frame(null, Envelope.ofServer(MessageType.ERROR, new JsonObject()
              .put("code", "EVENTS_MISSED").put("reason", history.complete() ? "TRIMMED" : history.gap().name())
              .put("message", "events were missed during the outage and cannot be replayed: refetch the state"),
              System.currentTimeMillis())));
        }
        send(stream, since, replay, held == null ? List.of() : held.stream().filter(e -> e.id() != null).toList());
      }
      for (Envelope event : replay) {
        if (event.broadcast()) {
          alertsHead = later(alertsHead, event.position());
        } else {
          advance(group, event);
        }
      }
    });
  }

  private static List<Envelope> replay(History history) {
    List<Envelope> events = new ArrayList<>(history.tenantEvents().size() + history.alerts().size());
    events.addAll(history.tenantEvents());
    events.addAll(history.alerts());
    events.sort(Comparator.comparingLong(Envelope::timestamp));
    return events;
  }

  static JsonObject resumeJson(Resume resume, History.Gap gap, int replayed) {
    JsonObject json = new JsonObject().put("requested", resume.requested());
    if (!resume.requested()) {
      return json;
    }
    json.put("resumed", gap == null);
    if (gap == null) {
      return json.put("replayed", replayed);
    }
    return json.put("reason", resume.since() == null ? "UNKNOWN_ID" : gap.name());
  }

  /** Forgets a stream; the last stream of a tenant takes its consumer with it. Safe to call twice. */
  void remove(SseStream stream) {
    if (!all.remove(stream)) {
      return;
    }
    byExpiry.remove(stream);
    heartbeatSlots.get(stream.heartbeatSlot()).remove(stream);
    TenantGroup group = groups.get(stream.tenant());
    group.streams.remove(stream);
    if (group.streams.isEmpty()) {
      groups.remove(stream.tenant());
      group.consumer.unregister();
      broker.notInterested(stream.tenant());
    }
    stream.closed();
  }

  /**
   * Called once a second: the heartbeat of one slot's streams (so each stream gets one every heartbeatSeconds), a real
   * event because comments fire nothing in the browser; and the end of streams whose token expired.
   */
  void tick(long now) {
    Set<SseStream> slot = heartbeatSlots.get((int) (ticks++ % heartbeatSeconds));
    if (!slot.isEmpty()) {
      enqueueAll(slot, frame(null, Envelope.ofServer(MessageType.HEARTBEAT,
          new JsonObject().put("intervalSeconds", heartbeatSeconds), now)), null, null);
    }
    closeExpired(now);
  }

  /** Ends the streams whose token has expired, telling them why first, so clients reconnect with a fresh token. */
  private void closeExpired(long now) {
    while (!byExpiry.isEmpty() && byExpiry.first().expiresAtMillis() <= now) {
      SseStream stream = byExpiry.pollFirst();
      stream.enqueue(frame(null, Envelope.ofServer(MessageType.ERROR, new JsonObject()
          .put("code", "TOKEN_EXPIRED").put("message", "the token has expired; reconnect with a fresh one"), now)));
      stream.end();
      remove(stream);
    }
  }

  /** Sends every stream a last frame (if any), then ends it: for shutdown. */
  void closeAll(Function<SseStream, Buffer> lastFrame) {
    for (SseStream stream : new ArrayList<>(all)) {
      if (lastFrame != null && stream.started()) {
        stream.enqueue(new WireFrame(lastFrame.apply(stream)));
      }
      stream.end();
      remove(stream);
    }
    if (broadcast != null) {
      broadcast.unregister();
    }
  }

  int size() {
    return all.size();
  }

  /** Sends a server-made event (no id) to every started stream; one that is catching up gets it after its replay. */
  void notice(Envelope envelope) {
    enqueueAll(all, frame(null, envelope), envelope, null);
  }

  private void deliverTenant(TenantGroup group, Envelope envelope) {
    if (resubscribed(envelope)) {
      catchUp(group); // from the last event before the gap: later live events are held, not skipped
      return;
    }
    advance(group, envelope);
    deliver(group, envelope);
  }

  private static boolean resubscribed(Envelope envelope) {
    return envelope.type() == MessageType.STATUS && MessageType.RESUBSCRIBED.equals(envelope.data().getString("state"));
  }

  /** An alert moves every group's position, so each group gets a frame of its own (one per tenant, not per stream). */
  private void deliverBroadcast(Envelope envelope) {
    if (resubscribed(envelope)) {
      catchUpAll(); // the alerts' channel: every group replays its alerts from before the gap
      return;
    }
    if (envelope.id() == null) { // a notice from the broker
      notice(envelope);
      String state = envelope.type() == MessageType.STATUS ? envelope.data().getString("state") : null;
      if ("DEGRADED".equals(state)) {
        degraded = envelope;
      } else if ("RESTORED".equals(state)) {
        degraded = null;
        catchUpAll();
      }
      return;
    }
    alertsHead = later(alertsHead, envelope.position());
    for (TenantGroup group : groups.values()) {
      deliver(group, envelope);
    }
  }

  private void advance(TenantGroup group, Envelope envelope) {
    if (!envelope.broadcast()) {
      group.head = later(group.head, envelope.position());
    }
  }

  /** Frames the event once for the group, at the group's position, and queues it on every started stream. */
  private void deliver(TenantGroup group, Envelope envelope) {
    if (group.streams.isEmpty()) {
      return;
    }
    WireFrame frame = frame(sseId(position(group), envelope), envelope);
    if (group.batch == null) {
      group.batch = new SharedBatch(group.streams.size());
      batched.add(group);
    }
    SharedBatch batch = group.batch;
    batch.add(frame);
    int queued = enqueueAll(group.streams, frame, envelope, batch);
    if (batch.bytes() >= SseStream.MAX_BATCH_BYTES) {
      flush(group);
    }
    stats.delivered(envelope.type().name(), queued);
    figures.delivered(group.tenant, queued,
        envelope.receivedNanos() == 0 ? -1 : System.nanoTime() - envelope.receivedNanos());
    metrics.delivered(envelope.timestamp(), System.currentTimeMillis());
  }

  /**
   * Queues the frame on each started stream (a resuming one holds the event instead), or, given the group's batch
   * that already has the frame, lets the streams in step take it from there; drops streams too slow.
   */
  private int enqueueAll(Set<SseStream> streams, WireFrame frame, Envelope held, SharedBatch batch) {
    List<SseStream> tooSlow = null;
    int queued = 0;
    for (SseStream stream : streams) {
      if (stream.holding()) {
        if (held != null) {
          stream.hold(held, maxHeld);
        }
        continue;
      }
      if (batch != null && stream.takes(batch)) {
        queued++;
        continue;
      }
      if (!stream.started() || (held != null && stream.replayed(held))) {
        continue;
      }
      boolean idle = !stream.hasPending();
      if (stream.enqueue(frame)) {
        queued++;
        if (idle && stream.hasPending()) {
          dirty.add(stream);
        }
      } else {
        tooSlow = tooSlow == null ? new ArrayList<>() : tooSlow;
        tooSlow.add(stream);
      }
    }
    scheduleFlush();
    drop(tooSlow);
    return queued;
  }

  /** Writes the group's batch to the streams that took it, and drops those too slow. */
  private void flush(TenantGroup group) {
    SharedBatch batch = group.batch;
    group.batch = null;
    List<SseStream> tooSlow = null;
    for (SseStream stream : batch.members()) {
      if (!stream.flush(batch)) {
        tooSlow = tooSlow == null ? new ArrayList<>() : tooSlow;
        tooSlow.add(stream);
      }
    }
    drop(tooSlow);
  }

  private void drop(List<SseStream> tooSlow) {
    if (tooSlow == null) {
      return;
    }
    stats.dropped(tooSlow.size());
    for (SseStream stream : tooSlow) {
      LOG.warn("Closing stream {} of tenant {}: it stopped reading and its buffer is full", stream.id(),
          stream.tenant());
      stats.slowConsumerClosed();
      figures.slowConsumerClosed(stream.tenant());
      stream.abort();
      remove(stream);
    }
  }

  private StreamPosition position(TenantGroup group) {
    return new StreamPosition(group.head, alertsHead);
  }

  /**
   * A content event's SSE id: the position after it, when history gives positions; else the event's own id (history
   * off), so that ids stay as they were.
   */
  private static String sseId(StreamPosition position, Envelope envelope) {
    return position.tenant() == null && position.alerts() == null ? envelope.id() : position.toId();
  }

  private static Position later(Position current, Position candidate) {
    return candidate != null && candidate.after(current) ? candidate : current;
  }

  private WireFrame frame(String sseId, Envelope envelope) {
    return new WireFrame(FrameEncoder.frame(sseId, envelope), collapsing.keyOf(envelope));
  }

  private void markDirty(SseStream stream) {
    dirty.add(stream);
    scheduleFlush();
  }

  private void scheduleFlush() {
    if ((!dirty.isEmpty() || !batched.isEmpty()) && !flushScheduled) {
      flushScheduled = true;
      context.runOnContext(flushTask);
    }
  }

  private void flush() {
    flushScheduled = false;
    for (TenantGroup group : batched) {
      if (group.batch != null) { // else a full batch was flushed already
        flush(group);
      }
    }
    batched.clear();
    for (SseStream stream : dirty) {
      stream.flush();
    }
    dirty.clear();
  }
}
