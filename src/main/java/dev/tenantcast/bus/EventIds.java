package dev.tenantcast.bus;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Makes event ids unique across instances: {@code <epoch-ms>-<instance>-<sequence>}. Ids received from outside are
 * accepted only in a shape that can never inject SSE fields (no CR, LF, NUL or spaces).
 */
public final class EventIds {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  private final String instanceId;
  private final AtomicLong sequence = new AtomicLong();

  public EventIds(String instanceId) {
    this.instanceId = instanceId;
  }

  public String next(long timestamp) {
    return timestamp + "-" + instanceId + "-" + sequence.incrementAndGet();
  }

  public static boolean isSafe(String id) {
    return id != null && SAFE.matcher(id).matches();
  }
}
