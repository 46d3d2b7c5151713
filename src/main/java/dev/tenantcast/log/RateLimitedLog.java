package dev.tenantcast.log;

import org.slf4j.Logger;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Logs a recurring warning at most once per interval per key, saying how many were suppressed, so that a flood of
 * bad messages cannot flood the log. Keys come from a fixed set (reasons, limits), never from input.
 */
public final class RateLimitedLog {
  private final Logger log;
  private final long intervalMillis;
  private final ConcurrentHashMap<String, long[]> state = new ConcurrentHashMap<>();

  public RateLimitedLog(Logger log, long intervalMillis) {
    this.log = log;
    this.intervalMillis = intervalMillis;
  }

  public void warn(String key, String message, Object... args) {
    long now = System.currentTimeMillis();
    // {time of the last line written (0: none yet), lines suppressed since}
    long[] entry = state.computeIfAbsent(key, k -> new long[] {0, 0});
    long suppressed;
    synchronized (entry) {
      if (entry[0] != 0 && now - entry[0] < intervalMillis) {
        entry[1]++;
        return;
      }
      suppressed = entry[1];
      entry[0] = now;
      entry[1] = 0;
    }
    if (suppressed > 0) {
      log.warn(message + " ({} similar suppressed)", append(args, suppressed));
    } else {
      log.warn(message, args);
    }
  }

  private static Object[] append(Object[] args, Object last) {
    Object[] all = java.util.Arrays.copyOf(args, args.length + 1);
    all[args.length] = last;
    return all;
  }
}
