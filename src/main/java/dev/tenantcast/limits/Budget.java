package dev.tenantcast.limits;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared allowance of some resource (bytes of request bodies held in memory, open connections), taken before the
 * resource is used and given back after, so the total across all event loops never exceeds the limit.
 */
public final class Budget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  public Budget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code amount} if it fits; false leaves the budget unchanged. */
  public boolean tryTake(long amount) {
    long now;
    do {
      now = used.get();
      if (now + amount > limit) {
        return false;
      }
    } while (!used.compareAndSet(now, now + amount));
    return true;
  }

  public void give(long amount) {
    used.addAndGet(-amount);
  }

  public long used() {
    return used.get();
  }

  public long limit() {
    return limit;
  }
}
