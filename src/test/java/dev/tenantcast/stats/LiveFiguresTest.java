package dev.tenantcast.stats;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin page's figures: bounded per-tenant counting, the busiest tenants first, percentiles within a bucket. */
class LiveFiguresTest {
  @Test
  void percentilesAreTheUpperBoundOfTheirBucketAtMost19PercentHigh() {
    LatencyHistogram histogram = new LatencyHistogram();
    for (int i = 1; i <= 100; i++) {
      histogram.record(i * 1_000_000L); // 1..100 ms
    }
    LatencyHistogram.Summary summary = histogram.drain();
    assertEquals(100, summary.count());
    assertTrue(summary.p50Millis() >= 50 && summary.p50Millis() <= 50 * 1.19, String.valueOf(summary));
    assertTrue(summary.p99Millis() >= 99 && summary.p99Millis() <= 99 * 1.19, String.valueOf(summary));
    assertEquals(new LatencyHistogram.Summary(0, 0, 0), histogram.drain(), "drained: the next interval starts empty");
    histogram.record(Long.MAX_VALUE);
    assertEquals(1, histogram.drain().count(), "anything longer than the last bucket still counts");
  }

  @Test
  void namesTheBusiestTenantsAndCountsNoMoreTenantsThanConfigured() {
    ServiceStats stats = new ServiceStats("i1");
    LiveFigures figures = new LiveFigures("i1", stats, () -> 7, () -> Map.of("idle", 5, "acme", 2), 3, 2);
    for (int t = 0; t < 10; t++) {
      figures.delivered(new TenantId("t" + t), 1, 1_000_000);
    }
    figures.delivered(new TenantId("t1"), 50, 2_000_000);
    figures.slowConsumerClosed(new TenantId("t1"));
    figures.rejected(new TenantId("t2"));
    figures.delivered(new TenantId("t2"), 1, -1); // replayed: counted, no latency
    stats.delivered("DASHBOARD_UPDATE", 60);
    JsonObject snapshot = figures.snapshot(1000);
    assertEquals("i1", snapshot.getString("instanceId"));
    assertEquals(7, snapshot.getInteger("streams"));
    assertTrue(snapshot.getDouble("deliveriesPerSecond") > 0);
    assertTrue(snapshot.getDouble("p99Millis") >= 2 && snapshot.getDouble("p50Millis") >= 1, snapshot.encode());
    JsonArray tenants = snapshot.getJsonArray("tenants");
    assertEquals(2, tenants.size(), "topTenants");
    assertEquals("t1", tenants.getJsonObject(0).getString("tenant"), "the most deliveries first");
    assertEquals(1, tenants.getJsonObject(0).getLong("slowConsumerCloses"));
    assertEquals("t2", tenants.getJsonObject(1).getString("tenant"), "then the next most deliveries");
    assertEquals(1, tenants.getJsonObject(1).getLong("rejections"));
    // only 3 tenants (t0, t1, t2) were counted; the next interval names the tenants with most streams
    JsonArray next = figures.snapshot(2000).getJsonArray("tenants");
    assertEquals("idle", next.getJsonObject(0).getString("tenant"));
    assertEquals(5, next.getJsonObject(0).getInteger("streams"));
    assertEquals(0.0, next.getJsonObject(0).getDouble("deliveriesPerSecond"));
  }
}
