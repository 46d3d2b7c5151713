package dev.tenantcast.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns event-stream bytes into events the way the WHATWG EventSource algorithm does (CR, LF and CRLF all end a line;
 * a blank line dispatches), whatever the bytes' chunking.
 */
final class SseParser {
  private final Consumer<SseEvent> events;
  /** Bytes of an unfinished line: decoded only when complete, as a chunk may end inside a UTF-8 character. */
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private boolean afterCr;
  private final Map<String, List<String>> fields = new LinkedHashMap<>();

  SseParser(Consumer<SseEvent> events) {
    this.events = events;
  }

  void feed(byte b) {
    if (b == '\n' && afterCr) {
      afterCr = false; // the LF of a CRLF: the line ended at the CR
      return;
    }
    afterCr = b == '\r';
    if (b == '\r' || b == '\n') {
      line(pending.toString(StandardCharsets.UTF_8));
      pending.reset();
    } else {
      pending.write(b);
    }
  }

  private void line(String line) {
    if (line.isEmpty()) {
      if (fields.containsKey("data")) {
        List<String> ids = fields.get("id");
        List<String> retry = fields.get("retry");
        events.accept(new SseEvent(ids == null ? null : ids.get(ids.size() - 1), String.join("\n", fields.get("data")),
            retry == null ? null : Integer.valueOf(retry.get(0)), Map.copyOf(fields)));
      }
      fields.clear();
      return;
    }
    if (line.startsWith(":")) {
      return;
    }
    int colon = line.indexOf(':');
    String name = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    fields.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
  }
}
