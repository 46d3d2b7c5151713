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

  /**
   * {@code id: <sseId>\ndata: <json>\n\n}; no id line for server-made events (null {@code sseId}), so they do not
   * move Last-Event-ID.
   */
  public static Buffer frame(String sseId, Envelope envelope) {
    return append(Buffer.buffer(envelope.json().length() + 160), sseId, envelope);
  }

  /** The first frame of a stream: the reconnect delay hint, then the event. */
  public static Buffer firstFrame(int retryMillis, Envelope connected) {
    return append(Buffer.buffer("retry: " + retryMillis + "\n"), null, connected);
  }

  /** A last frame that tells the client to reconnect after {@code retryMillis}, then the event. */
  public static Buffer lastFrame(int retryMillis, Envelope farewell) {
    return append(Buffer.buffer("retry: " + retryMillis + "\n"), null, farewell);
  }

  /** A frame of data only, for streams outside the event contract (the admin page's figures). */
  public static Buffer data(Buffer json) {
    return Buffer.buffer(json.length() + 8).appendBytes(DATA).appendBuffer(json).appendBytes(END);
  }

  private static Buffer append(Buffer frame, String sseId, Envelope envelope) {
    if (sseId != null) {
      if (!EventIds.isSafe(sseId)) {
        throw new IllegalArgumentException("an event id may not contain line breaks, NUL or spaces");
      }
      frame.appendBytes(ID).appendString(sseId, "US-ASCII").appendByte((byte) '\n');
    }
    return frame.appendBytes(DATA).appendBuffer(envelope.json()).appendBytes(END);
  }
}
