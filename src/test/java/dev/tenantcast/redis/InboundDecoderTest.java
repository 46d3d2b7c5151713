package dev.tenantcast.redis;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.RejectReason;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InboundDecoderTest {
  private static final long NOW = 1_764_000_000_000L;
  private final InboundDecoder decoder = new InboundDecoder(new ChannelMap(Map.of(
      MessageType.DASHBOARD_UPDATE, "dashboard-update-{tenant}", MessageType.NOTIFICATION, "notification-{tenant}",
      MessageType.SYSTEM_ALERT, "system-alert")), new EventIds("i1"), 100);

  private InboundDecoder.Result decode(String pattern, String channel, String payload) {
    return decoder.decode(pattern, channel, Buffer.buffer(payload), NOW);
  }

  @Test
  void aPayloadBecomesAnEnvelopeOfItsChannelsTenantWithItsJsonEncodedOnce() {
    Envelope envelope = decode("dashboard-update-*", "dashboard-update-acme", "{\"cpu\":1}").envelope();
    assertEquals(MessageType.DASHBOARD_UPDATE, envelope.type());
    assertEquals("acme", envelope.tenant().value());
    assertEquals(new JsonObject().put("cpu", 1), envelope.data());
    assertEquals(NOW, envelope.timestamp());
    assertEquals(NOW + "-i1-1", envelope.id());
    assertEquals("{\"type\":\"DASHBOARD_UPDATE\",\"id\":\"" + NOW + "-i1-1\",\"data\":{\"cpu\":1},\"timestamp\":"
        + NOW + "}",
        envelope.json().toString());
  }

  @Test
  void aWrappedPayloadKeepsThePublishersIdAndTimestamp() {
    Envelope envelope = decode(null, "system-alert",
        "{\"@tenantcast\":{\"id\":\"e-7\",\"timestamp\":5},\"data\":{\"level\":\"info\"}}").envelope();
    assertEquals("e-7", envelope.id());
    assertEquals(5, envelope.timestamp());
    assertNull(envelope.tenant());
    assertEquals(MessageType.SYSTEM_ALERT, envelope.type());
  }

  @Test
  void eachBadMessageIsRejectedWithItsReason() {
    assertEquals(RejectReason.UNKNOWN_CHANNEL, decode(null, "other", "{}").rejected());
    assertEquals(RejectReason.INVALID_TENANT, decode("notification-*", "notification-a b", "{}").rejected());
    assertEquals(RejectReason.TOO_LARGE, decode(null, "system-alert", "{\"pad\":\"" + "x".repeat(100) + "\"}")
        .rejected());
    assertEquals(RejectReason.NOT_A_JSON_OBJECT, decode(null, "system-alert", "[1]").rejected());
    assertEquals(RejectReason.NOT_A_JSON_OBJECT, decode(null, "system-alert", "{\"a\":1}/**/").rejected());
    assertEquals(RejectReason.TOO_DEEP, decode(null, "system-alert", "{\"a\":" + "[".repeat(40) + "]".repeat(40)
        + "}").rejected());
    assertEquals(RejectReason.INVALID_ID, decode(null, "system-alert",
        "{\"@tenantcast\":{\"id\":\"a\\nb\"},\"data\":{}}").rejected());
    assertEquals(RejectReason.NOT_A_JSON_OBJECT, decode(null, "system-alert",
        "{\"@tenantcast\":{\"id\":\"ok\"},\"data\":5}").rejected(), "a wrapper without a data object");
    assertTrue(decode(null, "system-alert", "{}").envelope() != null);
  }
}
