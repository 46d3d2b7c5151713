package dev.tenantcast.bus;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes ids unique across instances: event ids {@code <epoch-ms>-<instance>-<sequence>} and connection ids
 * {@code <instance>-<sequence>}, from one sequence each per service instance (not per event loop). Ids received from
 * outside are accepted only in a shape that can never inject SSE fields (no CR, LF, NUL or spaces).
 */
public final class EventIds {
  private static final int MAX_LENGTH = 128;

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

  /**
   * {@code [A-Za-z0-9_.:-]{1,128}}, checked without a regular expression: every frame with an id is checked, and a
   * resuming stream frames its replay itself.
   */
  public static boolean isSafe(String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
          || c == '.' || c == ':' || c == '-';
      if (!safe) {
        return false;
      }
    }
    return true;
  }
}
