package dev.tenantcast.redis;

import dev.tenantcast.bus.EventJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RedisPayloadTest {
  @Test
  void whatThePublisherWrapsParsesBackToItsIdTimestampAndData() {
    JsonObject data = new JsonObject().put("cpu", 42);
    RedisPayload.Parsed parsed = RedisPayload.parse(RedisPayload.wrap("e-1", 7, data));
    assertEquals("e-1", parsed.id());
    assertEquals(7, parsed.timestamp());
    assertEquals(data, parsed.data());
  }

  @Test
  void aPlainObjectIsTheDataItself() {
    RedisPayload.Parsed parsed = RedisPayload.parse(Buffer.buffer("{\"cpu\":1}"));
    assertEquals(new JsonObject().put("cpu", 1), parsed.data());
    assertNull(parsed.id());
    assertEquals(0, parsed.timestamp());
  }

  @Test
  void aMalformedWrapperOrJsonIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> RedisPayload.parse(Buffer.buffer(
        "{\"@tenantcast\":{},\"data\":{}}")));
    assertThrows(IllegalArgumentException.class, () -> RedisPayload.parse(Buffer.buffer(
        "{\"@tenantcast\":{\"id\":\"x\"}}")));
    assertThrows(EventJson.InvalidJsonException.class, () -> RedisPayload.parse(Buffer.buffer("not json")));
  }
}
