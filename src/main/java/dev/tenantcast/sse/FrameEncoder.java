package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Writes events in the text/event-stream format. Nothing a publisher sends can add SSE fields: the data is the
 * envelope's one line of JSON (JSON encoding escapes every CR, LF and NUL), and an id that could break a line is
 * refused. Events carry no {@code event:} line, so a plain {@code EventSource.onmessage} sees them all; the type is
 * inside the JSON.
 */
public final class FrameEncoder {
  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);

  private FrameEncoder() {
  }

  /** {@code id: <id>\ndata: <json>\n\n}; no id line for server-made events, so they do not move Last-Event-ID. */
  public static Buffer frame(Envelope envelope) {
    return append(Buffer.buffer(envelope.json().length() + 160), envelope);
  }

  /** The first frame of a stream: the reconnect delay hint, then the event. */
  public static Buffer firstFrame(int retryMillis, Envelope connected) {
    return append(Buffer.buffer("retry: " + retryMillis + "\n"), connected);
  }

  private static Buffer append(Buffer frame, Envelope envelope) {
    if (envelope.id() != null) {
      if (!EventIds.isSafe(envelope.id())) {
        throw new IllegalArgumentException("an event id may not contain line breaks, NUL or spaces");
      }
      frame.appendBytes(ID).appendString(envelope.id(), "US-ASCII").appendByte((byte) '\n');
    }
    return frame.appendBytes(DATA).appendBuffer(envelope.json()).appendBytes(END);
  }
}
