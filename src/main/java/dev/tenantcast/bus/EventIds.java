package dev.tenantcast.bus;

import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Makes ids unique across instances: event ids {@code <epoch-ms>-<instance>-<sequence>} and connection ids
 * {@code <instance>-<sequence>}, from one sequence each per service instance (not per event loop). Ids received from
 * outside are accepted only in a shape that can never inject SSE fields (no CR, LF, NUL or spaces).
 */
public final class EventIds {
  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");

  private final String instanceId;
  private final AtomicLong events = new AtomicLong();
  private final AtomicLong connections = new AtomicLong();

  public EventIds(String instanceId) {
    this.instanceId = instanceId;
  }

  public String next(long timestamp) {
    return timestamp + "-" + instanceId + "-" + events.incrementAndGet();
  }

  public String nextConnection() {
    return instanceId + "-" + connections.incrementAndGet();
  }

  public static boolean isSafe(String id) {
    return id != null && SAFE.matcher(id).matches();
  }
}
