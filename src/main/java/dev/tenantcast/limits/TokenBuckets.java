package dev.tenantcast.limits;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate limits by key (a token, a tenant): each key has a bucket that fills at {@code perSecond} up to {@code burst} and
 * pays for each use. The map is keyed by client input, so it is bounded: a full bucket behaves like a missing one, so
 * full buckets are dropped when the map reaches {@code maxKeys}, and beyond that new keys are refused.
 */
public final class TokenBuckets {
  private final double perSecond;
  private final double burst;
  private final int maxKeys;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

  private static final class Bucket {
    double level;
    long updatedNanos;

    Bucket(double level, long updatedNanos) {
      this.level = level;
      this.updatedNanos = updatedNanos;
    }

    /** Refills for the time since the last use; called under the bucket's lock. */
    void refill(double perSecond, double burst, long nowNanos) {
      level = Math.min(burst, level + (nowNanos - updatedNanos) / 1e9 * perSecond);
      updatedNanos = nowNanos;
    }
  }

  /** What a request for {@code cost} got: allowed, or the seconds until it would be. */
  public record Decision(boolean allowed, long retryAfterSeconds) {
    static final Decision ALLOWED = new Decision(true, 0);
  }

  public TokenBuckets(double perSecond, double burst, int maxKeys) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.maxKeys = maxKeys;
  }

  /** Takes {@code cost} from the key's bucket if it holds that much. A cost above the burst is never allowed. */
  public Decision tryTake(String key, double cost, long nowNanos) {
    Bucket bucket = buckets.get(key);
    if (bucket == null) {
      if (buckets.size() >= maxKeys && !dropFull(nowNanos)) {
        return new Decision(false, 1);
      }
      bucket = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNanos));
    }
    synchronized (bucket) {
      bucket.refill(perSecond, burst, nowNanos);
      if (bucket.level >= cost) {
        bucket.level -= cost;
        return Decision.ALLOWED;
      }
      double missing = Math.min(cost, burst) - bucket.level;
      return new Decision(false, Math.max(1, (long) Math.ceil(missing / perSecond)));
    }
  }

  public int size() {
    return buckets.size();
  }

  /** Drops every bucket that has refilled to the brim; true if that made room. */
  private boolean dropFull(long nowNanos) {
    for (Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator(); it.hasNext(); ) {
      Bucket bucket = it.next().getValue();
      synchronized (bucket) {
        bucket.refill(perSecond, burst, nowNanos);
        if (bucket.level >= burst) {
          it.remove();
        }
      }
    }
    return buckets.size() < maxKeys;
  }
}
