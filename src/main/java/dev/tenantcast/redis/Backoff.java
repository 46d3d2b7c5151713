package dev.tenantcast.redis;

import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with jitter, so that many instances do not reconnect in lockstep. */
final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private int attempt;

  Backoff(long minMillis, long maxMillis) {
    this.minMillis = minMillis;
    this.maxMillis = maxMillis;
  }

  long next() {
    long ceiling = Math.min(maxMillis, minMillis << Math.min(attempt++, 30));
    return Math.max(minMillis, ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
  }

  void reset() {
    attempt = 0;
  }
}
