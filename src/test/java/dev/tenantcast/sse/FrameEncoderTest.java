package dev.tenantcast.sse;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameEncoderTest {
  private static Envelope event(String id, JsonObject data) {
    return Envelope.of(id, null, MessageType.DASHBOARD_UPDATE, new TenantId("acme"), data, 1764000000000L);
  }

  @Test
  void writesIdThenOneDataLineThenABlankLine() {
    String frame = FrameEncoder.frame("e-1", event("e-1", new JsonObject().put("cpu", 42))).toString();
    assertEquals("id: e-1\ndata: {\"type\":\"DASHBOARD_UPDATE\",\"id\":\"e-1\",\"data\":{\"cpu\":42},"
        + "\"timestamp\":1764000000000}\n\n",
        frame);
  }

  @Test
  void encodesLineBreaksAndNulInsideDataSoNoneReachTheWire() {
    String frame = FrameEncoder.frame("e-1", event("e-1", new JsonObject()
        .put("text", "a\r\nb\rc\nd\u0000e").put("k\nkey", "v"))).toString();
    String body = frame.substring(0, frame.length() - 2);
    assertFalse(body.substring(body.indexOf('\n') + 1).contains("\n"), "one data line");
    assertFalse(frame.contains("\r"));
    assertFalse(frame.contains("\u0000"));
  }

  @Test
  void rejectsIdsContainingCarriageReturn() {
    assertThrows(IllegalArgumentException.class, () -> FrameEncoder.frame("a\rb", event("a\rb", new JsonObject())));
  }

  @Test
  void rejectsIdsContainingLineFeedOrNul() {
    assertThrows(IllegalArgumentException.class, () -> FrameEncoder.frame("a\nb", event("a\nb", new JsonObject())));
    assertThrows(IllegalArgumentException.class,
        () -> FrameEncoder.frame("a\u0000b", event("a\u0000b", new JsonObject())));
    assertThrows(IllegalArgumentException.class, () -> FrameEncoder.frame("", event("", new JsonObject())));
  }

  @Test
  void serverEventsCarryNoIdSoResumeIsUndisturbed() {
    String frame = FrameEncoder.frame(null, Envelope.ofServer(MessageType.HEARTBEAT, new JsonObject(), 1L)).toString();
    assertTrue(frame.startsWith("data: "));
  }

  @Test
  void theFirstFrameStartsWithTheRetryHint() {
    String frame = FrameEncoder.firstFrame(2500, Envelope.ofServer(MessageType.CONNECTED, new JsonObject(), 1L))
        .toString();
    assertTrue(frame.startsWith("retry: 2500\ndata: {\"type\":\"CONNECTED\""), frame);
  }
}
