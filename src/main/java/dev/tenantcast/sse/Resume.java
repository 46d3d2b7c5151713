package dev.tenantcast.sse;

import dev.tenantcast.bus.StreamPosition;

/**
 * What a new stream asked for: nothing (a first connect), or to resume after an SSE id (the browser's
 * {@code Last-Event-ID} or the client's {@code ?lastEventId=}), which may not name a position at all.
 */
public record Resume(String requestedId, StreamPosition since) {
  public static final Resume NONE = new Resume(null, null);

  public static Resume of(String lastEventId) {
    return lastEventId == null || lastEventId.isEmpty() ? NONE
        : new Resume(lastEventId, StreamPosition.parse(lastEventId));
  }

  public boolean requested() {
    return requestedId != null;
  }
}
