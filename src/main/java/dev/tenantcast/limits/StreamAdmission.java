package dev.tenantcast.limits;

import dev.tenantcast.bus.TenantId;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits event streams within three limits that span all HTTP verticle instances: streams of the instance, of one
 * tenant, and of one user (the token's {@code sub}) within a tenant, so that one user cannot take all of a tenant's
 * slots. The maps hold only tenants and users with open streams, so they are bounded by the stream limit.
 */
public final class StreamAdmission {
  /** The outcome of asking for a stream. */
  public enum Outcome { ADMITTED, SERVICE_FULL, TENANT_FULL, USER_FULL }

  private final int maxStreams;
  private final int maxPerTenant;
  private final int maxPerUser;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<TenantId, AtomicInteger> byTenant = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UserKey, AtomicInteger> byUser = new ConcurrentHashMap<>();

  private record UserKey(TenantId tenant, String user) {
  }

  public StreamAdmission(int maxStreams, int maxPerTenant, int maxPerUser) {
    this.maxStreams = maxStreams;
    this.maxPerTenant = maxPerTenant;
    this.maxPerUser = maxPerUser;
  }

  /** @param user the token's subject; tokens without one share one slot set per tenant */
  public Outcome admit(TenantId tenant, String user) {
    if (open.incrementAndGet() > maxStreams) {
      open.decrementAndGet();
      return Outcome.SERVICE_FULL;
    }
    if (!take(byTenant, tenant, maxPerTenant)) {
      open.decrementAndGet();
      return Outcome.TENANT_FULL;
    }
    if (!take(byUser, new UserKey(tenant, user == null ? "" : user), maxPerUser)) {
      give(byTenant, tenant);
      open.decrementAndGet();
      return Outcome.USER_FULL;
    }
    return Outcome.ADMITTED;
  }

  /** Releases what {@link #admit} took; call once per admitted stream. */
  public void release(TenantId tenant, String user) {
    give(byUser, new UserKey(tenant, user == null ? "" : user));
    give(byTenant, tenant);
    open.decrementAndGet();
  }

  public int open() {
    return open.get();
  }

  public int maxStreams() {
    return maxStreams;
  }

  public int maxPerTenant() {
    return maxPerTenant;
  }

  public int maxPerUser() {
    return maxPerUser;
  }

  /** Open streams by tenant, sorted by tenant id. */
  public Map<String, Integer> byTenant() {
    Map<String, Integer> counts = new TreeMap<>();
    byTenant.forEach((tenant, count) -> counts.put(tenant.value(), count.get()));
    return counts;
  }

  private static <K> boolean take(ConcurrentHashMap<K, AtomicInteger> counts, K key, int max) {
    boolean[] taken = new boolean[1];
    counts.compute(key, (k, count) -> {
      AtomicInteger current = count == null ? new AtomicInteger() : count;
      taken[0] = current.get() < max;
      if (taken[0]) {
        current.incrementAndGet();
      }
      return current.get() == 0 ? null : current;
    });
    return taken[0];
  }

  private static <K> void give(ConcurrentHashMap<K, AtomicInteger> counts, K key) {
    counts.computeIfPresent(key, (k, count) -> count.decrementAndGet() <= 0 ? null : count);
  }
}
