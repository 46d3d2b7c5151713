package dev.tenantcast.stats;

import dev.tenantcast.bus.RejectReason;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.limits.Refusal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * This instance's figures for the admin page, one snapshot per interval: open streams, deliveries per second, p50 and
 * p99 delivery latency (from the broker's receipt of an event to its frame queued on a tenant's streams of an event
 * loop), rejections and slow-consumer closes, for the instance and for its busiest tenants. Per-tenant counters live
 * for one interval and for at most {@code maxTenants} tenants (others count in the instance's figures only); a
 * snapshot names the {@code topTenants} busiest. Recorded from every event loop; snapshots taken by one timer.
 */
public final class LiveFigures {
  private static final class TenantCounters {
    final LongAdder deliveries = new LongAdder();
    final LongAdder slowCloses = new LongAdder();
    final LongAdder rejections = new LongAdder();
    final LatencyHistogram latency = new LatencyHistogram();
  }

  private final String instanceId;
  private final ServiceStats stats;
  private final IntSupplier openStreams;
  private final Supplier<Map<String, Integer>> streamsByTenant;
  private final int maxTenants;
  private final int topTenants;
  private final LatencyHistogram latency = new LatencyHistogram();
  /** This interval's counters by tenant; swapped for an empty map at each snapshot. */
  private final AtomicReference<Map<String, TenantCounters>> tenants =
      new AtomicReference<>(new ConcurrentHashMap<>());
  private long lastNanos = System.nanoTime();
  private long lastDelivered;
  private long lastRejected;
  private long lastSlowCloses;

  /**
   * @param maxTenants tenants counted per interval, at most
   * @param topTenants tenants named in a snapshot, the busiest first
   */
  public LiveFigures(String instanceId, ServiceStats stats, IntSupplier openStreams,
                     Supplier<Map<String, Integer>> streamsByTenant, int maxTenants, int topTenants) {
    this.instanceId = instanceId;
    this.stats = stats;
    this.openStreams = openStreams;
    this.streamsByTenant = streamsByTenant;
    this.maxTenants = maxTenants;
    this.topTenants = topTenants;
  }

  /**
   * One event framed and queued on {@code streams} streams of the tenant on one event loop.
   *
   * @param latencyNanos since the broker received it, or -1 when unknown (replayed from history)
   */
  public void delivered(TenantId tenant, int streams, long latencyNanos) {
    TenantCounters counters = counters(tenant);
    if (latencyNanos >= 0) {
      latency.record(latencyNanos);
    }
    if (counters != null) {
      counters.deliveries.add(streams);
      if (latencyNanos >= 0) {
        counters.latency.record(latencyNanos);
      }
    }
  }

  public void slowConsumerClosed(TenantId tenant) {
    TenantCounters counters = counters(tenant);
    if (counters != null) {
      counters.slowCloses.increment();
    }
  }

  /** A stream or a publish of the tenant refused by a limit. */
  public void rejected(TenantId tenant) {
    TenantCounters counters = counters(tenant);
    if (counters != null) {
      counters.rejections.increment();
    }
  }

  private TenantCounters counters(TenantId tenant) {
    if (tenant == null) {
      return null;
    }
    Map<String, TenantCounters> map = tenants.get();
    TenantCounters counters = map.get(tenant.value());
    if (counters == null && map.size() < maxTenants) {
      counters = map.computeIfAbsent(tenant.value(), t -> new TenantCounters());
    }
    return counters;
  }

  /**
   * The figures since the last snapshot, and starts the next interval. A delivery recorded while the interval turns
   * may count in either: a live view, not an account.
   */
  public synchronized JsonObject snapshot(long nowMillis) {
    long now = System.nanoTime();
    double seconds = Math.max(0.001, (now - lastNanos) / 1e9);
    lastNanos = now;
    Map<String, TenantCounters> interval = tenants.getAndSet(new ConcurrentHashMap<>());
    long delivered = (long) stats.counter("delivered");
    long rejected = rejectedAndRefused();
    long slowCloses = (long) stats.counter("slowConsumersClosed");
    LatencyHistogram.Summary summary = latency.drain();
    JsonObject json = new JsonObject()
        .put("instanceId", instanceId)
        .put("at", nowMillis)
        .put("intervalMillis", Math.round(seconds * 1000))
        .put("streams", openStreams.getAsInt())
        .put("deliveriesPerSecond", perSecond(delivered - lastDelivered, seconds))
        .put("p50Millis", summary.p50Millis())
        .put("p99Millis", summary.p99Millis())
        .put("rejections", rejected - lastRejected)
        .put("slowConsumerCloses", slowCloses - lastSlowCloses)
        .put("tenants", tenantsJson(interval, seconds));
    lastDelivered = delivered;
    lastRejected = rejected;
    lastSlowCloses = slowCloses;
    return json;
  }

  private long rejectedAndRefused() {
    long total = 0;
    for (RejectReason reason : RejectReason.values()) {
      total += stats.rejectedCount(reason);
    }
    for (Refusal refusal : Refusal.values()) {
      total += stats.refusedCount(refusal);
    }
    return total;
  }

  /** The busiest tenants: by deliveries in the interval, then by open streams. */
  private JsonArray tenantsJson(Map<String, TenantCounters> interval, double seconds) {
    Map<String, Integer> streams = streamsByTenant.get();
    Set<String> names = new HashSet<>(interval.keySet());
    names.addAll(streams.keySet());
    List<String> top = new ArrayList<>(names);
    Comparator<String> busiest = Comparator.comparingLong((String t) -> deliveries(interval.get(t))).reversed()
        .thenComparing(Comparator.comparingInt((String t) -> streams.getOrDefault(t, 0)).reversed())
        .thenComparing(Comparator.naturalOrder());
    top.sort(busiest);
    JsonArray json = new JsonArray();
    for (String tenant : top.subList(0, Math.min(topTenants, top.size()))) {
      TenantCounters counters = interval.get(tenant);
      LatencyHistogram.Summary summary = counters == null ? new LatencyHistogram.Summary(0, 0, 0)
          : counters.latency.drain();
      json.add(new JsonObject()
          .put("tenant", tenant)
          .put("streams", streams.getOrDefault(tenant, 0))
          .put("deliveriesPerSecond", perSecond(deliveries(counters), seconds))
          .put("p50Millis", summary.p50Millis())
          .put("p99Millis", summary.p99Millis())
          .put("rejections", counters == null ? 0 : counters.rejections.sum())
          .put("slowConsumerCloses", counters == null ? 0 : counters.slowCloses.sum()));
    }
    return json;
  }

  private static long deliveries(TenantCounters counters) {
    return counters == null ? 0 : counters.deliveries.sum();
  }

  private static double perSecond(long count, double seconds) {
    return Math.round(count / seconds * 10) / 10.0;
  }
}
