package dev.tenantcast.stats;

import dev.tenantcast.bus.RejectReason;
import dev.tenantcast.limits.Refusal;
import io.vertx.core.json.JsonObject;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one service instance, shared by its verticles (each verticle instance runs on its own event loop,
 * hence the concurrent types). Read by the stats endpoint and, through {@link ServiceMetrics}, by /metrics.
 */
public final class ServiceStats {
  private final String instanceId;
  private final long startedAt = System.currentTimeMillis();
  private final LongAdder received = new LongAdder();
  private final LongAdder delivered = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder slowConsumersClosed = new LongAdder();
  private final LongAdder collapsed = new LongAdder();
  private final LongAdder collapsedBytes = new LongAdder();
  private final LongAdder published = new LongAdder();
  private final LongAdder publishFailures = new LongAdder();
  private final Map<RejectReason, LongAdder> rejected = adders(RejectReason.class);
  private final Map<Refusal, LongAdder> refused = adders(Refusal.class);
  /** Type name → received, delivered: one pair per configured content type, so bounded by the configuration. */
  private final Map<String, LongAdder[]> byType;

  /** Counts by type for the built-in content types only. */
  public ServiceStats(String instanceId) {
    this(instanceId, List.of("DASHBOARD_UPDATE", "NOTIFICATION", "SYSTEM_ALERT"));
  }

  /** @param types the content types to count by (every declared one); others are counted in the totals only */
  public ServiceStats(String instanceId, List<String> types) {
    this.instanceId = instanceId;
    Map<String, LongAdder[]> counters = new LinkedHashMap<>();
    types.forEach(type -> counters.put(type, new LongAdder[] {new LongAdder(), new LongAdder()}));
    this.byType = Collections.unmodifiableMap(counters);
  }

  public String instanceId() {
    return instanceId;
  }

  public void received(String type) {
    received.increment();
    LongAdder[] counters = byType.get(type);
    if (counters != null) {
      counters[0].increment();
    }
  }

  /** An event of this type queued on this many streams. */
  public void delivered(String type, int streams) {
    delivered.add(streams);
    LongAdder[] counters = byType.get(type);
    if (counters != null) {
      counters[1].add(streams);
    }
  }

  /** The content types counted by type, in their configured order. */
  public List<String> types() {
    return List.copyOf(byType.keySet());
  }

  public long receivedCount(String type) {
    LongAdder[] counters = byType.get(type);
    return counters == null ? 0 : counters[0].sum();
  }

  public long deliveredCount(String type) {
    LongAdder[] counters = byType.get(type);
    return counters == null ? 0 : counters[1].sum();
  }

  public void dropped(int frames) {
    dropped.add(frames);
  }

  public void slowConsumerClosed() {
    slowConsumersClosed.increment();
  }

  /** A frame queued for a stream that fell behind was replaced by a newer state of the same key before it was sent. */
  public void collapsed(int bytes) {
    collapsed.increment();
    collapsedBytes.add(bytes);
  }

  public void rejected(RejectReason reason) {
    rejected.get(reason).increment();
  }

  public void refused(Refusal refusal) {
    refused.get(refusal).increment();
  }

  public void published() {
    published.increment();
  }

  public void publishFailed() {
    publishFailures.increment();
  }

  /** A plain counter by its name in {@link #toJson()}, for the metrics. */
  double counter(String name) {
    return switch (name) {
      case "received" -> received.sum();
      case "delivered" -> delivered.sum();
      case "dropped" -> dropped.sum();
      case "slowConsumersClosed" -> slowConsumersClosed.sum();
      case "collapsed" -> collapsed.sum();
      case "collapsedBytes" -> collapsedBytes.sum();
      case "published" -> published.sum();
      case "publishFailures" -> publishFailures.sum();
      default -> throw new IllegalArgumentException(name);
    };
  }

  public long rejectedCount(RejectReason reason) {
    return rejected.get(reason).sum();
  }

  public long refusedCount(Refusal refusal) {
    return refused.get(refusal).sum();
  }

  public JsonObject toJson() {
    JsonObject rejectedByReason = new JsonObject();
    long rejectedTotal = 0;
    for (Map.Entry<RejectReason, LongAdder> e : rejected.entrySet()) {
      long count = e.getValue().sum();
      rejectedTotal += count;
      rejectedByReason.put(e.getKey().name(), count);
    }
    JsonObject refusedByLimit = new JsonObject();
    refused.forEach((refusal, count) -> refusedByLimit.put(refusal.name(), count.sum()));
    JsonObject types = new JsonObject();
    byType.forEach((type, counters) -> types.put(type, new JsonObject().put("received", counters[0].sum())
        .put("delivered", counters[1].sum())));
    return new JsonObject()
        .put("instanceId", instanceId)
        .put("uptimeSeconds", (System.currentTimeMillis() - startedAt) / 1000)
        .put("messages", new JsonObject()
            .put("received", received.sum())
            .put("delivered", delivered.sum())
            .put("rejected", rejectedTotal)
            .put("rejectedByReason", rejectedByReason)
            .put("dropped", dropped.sum())
            .put("slowConsumersClosed", slowConsumersClosed.sum())
            .put("collapsed", collapsed.sum())
            .put("collapsedBytes", collapsedBytes.sum())
            .put("published", published.sum())
            .put("publishFailures", publishFailures.sum())
            .put("byType", types))
        .put("refusedByLimit", refusedByLimit);
  }

  private static <E extends Enum<E>> Map<E, LongAdder> adders(Class<E> type) {
    Map<E, LongAdder> map = new EnumMap<>(type);
    for (E value : type.getEnumConstants()) {
      map.put(value, new LongAdder());
    }
    return map;
  }
}
