package dev.tenantcast.app;

import dev.tenantcast.bus.EventIds;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the verticles of one service instance share: its id, its event-id sequence, its counters and meters. Handed to
 * each verticle's constructor, so two service instances in one JVM (as in the tests) never share state.
 */
public record ServiceContext(String instanceId, EventIds ids, ServiceStats stats, ServiceMetrics metrics) {
  public static ServiceContext create(String instanceId, MeterRegistry registry) {
    ServiceStats stats = new ServiceStats(instanceId);
    return new ServiceContext(instanceId, new EventIds(instanceId), stats, new ServiceMetrics(registry, stats));
  }
}
