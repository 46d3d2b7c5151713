package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
import io.vertx.core.buffer.Buffer;

/**
 * Writes events in the text/event-stream format. Nothing a publisher sends can add SSE fields: the data is one line of
 * JSON (JSON encoding escapes every CR, LF and NUL), and an id that could break a line is refused. Events carry no
 * {@code event:} line, so a plain {@code EventSource.onmessage} sees them all; the type is inside the JSON.
 */
public final class FrameEncoder {
  private FrameEncoder() {
  }

  /** {@code id: <id>\ndata: <json>\n\n}; no id line for server-made events, so they do not move Last-Event-ID. */
  public static Buffer frame(Envelope envelope) {
    return Buffer.buffer(text(envelope));
  }

  /** The first frame of a stream: the reconnect delay hint, then the event. */
  public static Buffer firstFrame(int retryMillis, Envelope connected) {
    return Buffer.buffer("retry: " + retryMillis + "\n" + text(connected));
  }

  private static String text(Envelope envelope) {
    String json = envelope.toJson().encode();
    if (envelope.id() == null) {
      return "data: " + json + "\n\n";
    }
    if (!EventIds.isSafe(envelope.id())) {
      throw new IllegalArgumentException("an event id may not contain line breaks, NUL or spaces");
    }
    return "id: " + envelope.id() + "\ndata: " + json + "\n\n";
  }
}
