package dev.tenantcast.redis;

import dev.tenantcast.bus.TenantId;

/**
 * The Redis keys of the histories. Each tenant's keys share one hash tag ({@code {tenant:<id>}}), the system alerts'
 * another ({@code {broadcast}}), so that on Redis Cluster a history's stream, meta hash and idempotency keys sit in
 * one slot and the publish script stays atomic there.
 */
final class HistoryKeys {
  private HistoryKeys() {
  }

  /** The stream of the tenant's events, or of the system alerts for null. */
  static String stream(TenantId tenant) {
    return prefix(tenant) + ":history";
  }

  /** Its epoch, the count of its events, and the newest event's millisecond. */
  static String meta(TenantId tenant) {
    return prefix(tenant) + ":meta";
  }

  private static String prefix(TenantId tenant) {
    return tenant == null ? "tenantcast:{broadcast}" : "tenantcast:{tenant:" + tenant.value() + "}";
  }
}
