package dev.tenantcast.stats;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Latencies counted in fixed buckets, HdrHistogram-like but tiny: each bucket's upper bound is 2^(1/4) (19%) above
 * the one before, from 1 µs to 2^26 µs (67 s), plus one bucket for anything longer. 105 counters whatever is
 * recorded, so one per tracked tenant costs under 1 kB; a quantile is its bucket's upper bound (at most 19% high).
 * Safe to record from every event loop at once.
 */
public final class LatencyHistogram {
  private static final int PER_DOUBLING = 4;
  private static final int BUCKETS = 26 * PER_DOUBLING + 1;
  private static final double LOG2 = Math.log(2);

  /** What an interval's latencies come to: how many, and the 50th and 99th percentiles in milliseconds. */
  public record Summary(long count, double p50Millis, double p99Millis) {
  }

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

  public void record(long nanos) {
    counts.incrementAndGet(bucket(nanos));
  }

  static int bucket(long nanos) {
    double micros = nanos / 1000.0;
    if (micros <= 1) {
      return 0;
    }
    return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG2 * PER_DOUBLING));
  }

  /** The upper bound of a bucket, in milliseconds. */
  static double upperMillis(int bucket) {
    return Math.pow(2, (double) bucket / PER_DOUBLING) / 1000.0;
  }

  /** Takes the counts out (the histogram starts the next interval empty) and summarises them. */
  public Summary drain() {
    long[] taken = new long[BUCKETS];
    long total = 0;
    for (int i = 0; i < BUCKETS; i++) {
      taken[i] = counts.getAndSet(i, 0);
      total += taken[i];
    }
    return new Summary(total, quantile(taken, total, 0.5), quantile(taken, total, 0.99));
  }

  private static double quantile(long[] counts, long total, double q) {
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.round(upperMillis(i) * 1000) / 1000.0;
      }
    }
    return upperMillis(counts.length - 1);
  }
}
