package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
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

/**
 * The streams of one HTTP verticle instance, grouped by tenant. Each tenant with streams here has one event-bus
 * consumer (not one per stream); a message is encoded to wire bytes once and the same bytes are written to each of
 * the tenant's streams. Confined to the instance's event loop, so it needs no locks.
 */
final class TenantFanout {
  private static final Logger LOG = LoggerFactory.getLogger(TenantFanout.class);

  /** The streams of one tenant on this instance, the consumer that feeds them, and when messages flow. */
  private static final class TenantGroup {
    final Set<SseStream> streams = new LinkedHashSet<>();
    MessageConsumer<Envelope> consumer;
    Future<?> ready;
  }

  private final Context context;
  private final BrokerClient broker;
  private final ServiceStats stats;
  private final ServiceMetrics metrics;
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
  private long ticks;
  private int nextSlot;
  /** Streams with queued frames, flushed once at the end of the current event-loop pass. */
  private final List<SseStream> dirty = new ArrayList<>();
  private final Handler<Void> flushTask = v -> flush();
  private boolean flushScheduled;
  private MessageConsumer<Envelope> broadcast;

  /** Create on the event loop of the HTTP verticle instance that will own it. */
  TenantFanout(Vertx vertx, BrokerClient broker, ServiceStats stats, ServiceMetrics metrics, int heartbeatSeconds) {
    this.context = vertx.getOrCreateContext();
    this.broker = broker;
    this.stats = stats;
    this.metrics = metrics;
    this.heartbeatSeconds = heartbeatSeconds;
    for (int i = 0; i < heartbeatSeconds; i++) {
      heartbeatSlots.add(new LinkedHashSet<>());
    }
  }

  Future<Void> start() {
    broadcast = broker.consumeBroadcast(envelope -> deliver(all, envelope));
    return broadcast.completion();
  }

  /**
   * Adds a stream and starts it with {@code firstFrame} as soon as its tenant's messages are routed here, so that
   * everything published after the first frame reaches it.
   */
  void add(SseStream stream, Buffer firstFrame) {
    TenantGroup group = groups.get(stream.tenant());
    if (group == null) {
      TenantGroup created = new TenantGroup();
      created.consumer = broker.consume(stream.tenant(), envelope -> deliver(created.streams, envelope));
      // A broker that subscribes per tenant subscribes now, and answers once the tenant's events flow.
      created.ready = Future.all(created.consumer.completion(), broker.interested(stream.tenant()));
      groups.put(stream.tenant(), created);
      group = created;
    }
    group.streams.add(stream);
    all.add(stream);
    byExpiry.add(stream);
    stream.heartbeatSlot(nextSlot);
    heartbeatSlots.get(nextSlot).add(stream);
    nextSlot = (nextSlot + 1) % heartbeatSeconds;
    group.ready.onComplete(ar -> {
      if (all.contains(stream)) {
        stream.start(firstFrame);
      }
    });
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
    deliver(heartbeatSlots.get((int) (ticks++ % heartbeatSeconds)), Envelope.ofServer(MessageType.HEARTBEAT,
        new JsonObject().put("intervalSeconds", heartbeatSeconds), now));
    closeExpired(now);
  }

  /** Ends the streams whose token has expired, telling them why first, so clients reconnect with a fresh token. */
  private void closeExpired(long now) {
    while (!byExpiry.isEmpty() && byExpiry.first().expiresAtMillis() <= now) {
      SseStream stream = byExpiry.pollFirst();
      stream.enqueue(new WireFrame(FrameEncoder.frame(Envelope.ofServer(MessageType.ERROR, new JsonObject()
          .put("code", "TOKEN_EXPIRED").put("message", "the token has expired; reconnect with a fresh one"), now))));
      stream.end();
      remove(stream);
    }
  }

  /** Ends every stream, for shutdown. */
  void closeAll() {
    for (SseStream stream : new ArrayList<>(all)) {
      stream.end();
      remove(stream);
    }
    if (broadcast != null) {
      broadcast.unregister();
    }
  }

  /** Encodes once, queues the same bytes on every started stream, and schedules one flush for the pass. */
  private void deliver(Set<SseStream> streams, Envelope envelope) {
    if (streams.isEmpty()) {
      return;
    }
    WireFrame frame = new WireFrame(FrameEncoder.frame(envelope));
    List<SseStream> tooSlow = null;
    int queued = 0;
    for (SseStream stream : streams) {
      if (!stream.started()) {
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
    if (envelope.id() != null) { // content, not heartbeats
      stats.delivered(queued);
      metrics.delivered(envelope.timestamp(), System.currentTimeMillis());
    }
    if (dirty.size() > 0 && !flushScheduled) {
      flushScheduled = true;
      context.runOnContext(flushTask);
    }
    if (tooSlow != null) {
      stats.dropped(tooSlow.size());
      for (SseStream stream : tooSlow) {
        LOG.warn("Closing stream {} of tenant {}: it stopped reading and its buffer is full", stream.id(),
            stream.tenant());
        stats.slowConsumerClosed();
        stream.abort();
        remove(stream);
      }
    }
  }

  private void flush() {
    flushScheduled = false;
    for (SseStream stream : dirty) {
      stream.flush();
    }
    dirty.clear();
  }
}
