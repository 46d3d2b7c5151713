package dev.tenantcast.app;

import dev.tenantcast.bus.EventIds;
import dev.tenantcast.stats.ServiceStats;

/**
 * What the verticles of one service instance share: its id, its event-id sequence and its counters. Handed to each verticle's constructor, so
 * two service instances in one JVM (as in the tests) never share state.
 */
public record ServiceContext(String instanceId, EventIds ids, ServiceStats stats) {
  public static ServiceContext create(String instanceId) {
    return new ServiceContext(instanceId, new EventIds(instanceId), new ServiceStats(instanceId));
  }
}
