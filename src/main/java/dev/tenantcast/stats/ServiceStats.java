package dev.tenantcast.stats;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonObject;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one service instance, shared by its verticles (each verticle instance runs on its own event loop,
 * hence the concurrent types). It also enforces the connection limits, because they span all HTTP verticle instances.
 * The per-tenant map holds only tenants with open streams, so it is bounded by the stream limit.
 */
public final class ServiceStats {
  /** The outcome of asking for a new stream. */
  public enum Admission { ADMITTED, SERVICE_FULL, TENANT_FULL }

  private final String instanceId;
  private final long startedAt = System.currentTimeMillis();
  private final LongAdder received = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder slowConsumersClosed = new LongAdder();
  private final LongAdder published = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final LongAdder redisReconnects = new LongAdder();
  private final Map<RejectReason, LongAdder> rejected = new EnumMap<>(RejectReason.class);
  private final AtomicInteger openStreams = new AtomicInteger();
  private final ConcurrentHashMap<String, AtomicInteger> streamsByTenant = new ConcurrentHashMap<>();
  private volatile boolean redisSubscribed;
  private volatile boolean redisPublisherConnected;

  public ServiceStats(String instanceId) {
    this.instanceId = instanceId;
    for (RejectReason reason : RejectReason.values()) {
      rejected.put(reason, new LongAdder());
    }
  }

  public String instanceId() {
    return instanceId;
  }

  public Admission admitStream(TenantId tenant, int maxStreams, int maxStreamsPerTenant) {
    if (openStreams.incrementAndGet() > maxStreams) {
      openStreams.decrementAndGet();
      return Admission.SERVICE_FULL;
    }
    AtomicInteger forTenant = streamsByTenant.computeIfAbsent(tenant.value(), t -> new AtomicInteger());
    if (forTenant.incrementAndGet() > maxStreamsPerTenant) {
      streamClosed(tenant);
      return Admission.TENANT_FULL;
    }
    return Admission.ADMITTED;
  }

  public void streamClosed(TenantId tenant) {
    openStreams.decrementAndGet();
    streamsByTenant.computeIfPresent(tenant.value(), (t, count) -> count.decrementAndGet() <= 0 ? null : count);
  }

  public int openStreams() {
    return openStreams.get();
  }

  public void received() {
    received.increment();
  }

  public void delivered(int streams) {
    delivered.add(streams);
  }

  public void dropped(int frames) {
    dropped.add(frames);
  }

  public void slowConsumerClosed() {
    slowConsumersClosed.increment();
  }

  public void rejected(RejectReason reason) {
    rejected.get(reason).increment();
  }

  /** A plain counter by its name in {@link #toJson()}, for the metrics. */
  double counter(String name) {
    return switch (name) {
      case "received" -> received.sum();
      case "delivered" -> delivered.sum();
      case "dropped" -> dropped.sum();
      case "slowConsumersClosed" -> slowConsumersClosed.sum();
      case "published" -> published.sum();
      case "publishFailures" -> publishFailures.sum();
      case "redisReconnects" -> redisReconnects.sum();
      default -> throw new IllegalArgumentException(name);
    };
  }

  public long rejectedCount(RejectReason reason) {
    return rejected.get(reason).sum();
  }

  public void published() {
    published.increment();
  }

  public void publishFailed() {
    publishFailures.increment();
  }

  public void redisReconnected() {
    redisReconnects.increment();
  }

  public void redisSubscribed(boolean subscribed) {
    redisSubscribed = subscribed;
  }

  public boolean redisSubscribed() {
    return redisSubscribed;
  }

  public void redisPublisherConnected(boolean connected) {
    redisPublisherConnected = connected;
  }

  public JsonObject toJson() {
    JsonObject byTenant = new JsonObject();
    streamsByTenant.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> byTenant.put(e.getKey(), e.getValue().get()));
    JsonObject rejectedByReason = new JsonObject();
    long rejectedTotal = 0;
    for (Map.Entry<RejectReason, LongAdder> e : rejected.entrySet()) {
      long count = e.getValue().sum();
      rejectedTotal += count;
      rejectedByReason.put(e.getKey().name(), count);
    }
    return new JsonObject()
        .put("instanceId", instanceId)
        .put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000)
        .put("connections", new JsonObject().put("total", openStreams.get()).put("byTenant", byTenant))
        .put("messages", new JsonObject()
            .put("received", received.sum())
            .put("delivered", delivered.sum())
            .put("rejected", rejectedTotal)
            .put("rejectedByReason", rejectedByReason)
            .put("dropped", dropped.sum())
            .put("slowConsumersClosed", slowConsumersClosed.sum())
            .put("published", published.sum())
            .put("publishFailures", publishFailures.sum()))
        .put("redis", new JsonObject()
            .put("subscribed", redisSubscribed)
            .put("publisherConnected", redisPublisherConnected)
            .put("reconnects", redisReconnects.sum()));
  }
}
