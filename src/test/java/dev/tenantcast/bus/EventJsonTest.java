package dev.tenantcast.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventJsonTest {
  private static JsonObject parse(String text) {
    return EventJson.parseObject(Buffer.buffer(text));
  }

  private static String nested(int levels) {
    return "{\"a\":".repeat(levels - 1) + "{}" + "}".repeat(levels - 1);
  }

  @Test
  void parsesWhatVertxWritesToTheSameObject() {
    JsonObject value = new JsonObject().put("s", "a\r\n\u0000\u2028é😀").put("i", 1).put("l", 12_345_678_901L)
        .put("d", 1.5).put("t", true).putNull("n").put("arr", new JsonArray().add(1).add("x"))
        .put("o", new JsonObject().put("k", "v"));
    assertEquals(value, parse(value.encode()));
  }

  @Test
  void acceptsExactlyTheMaximumDepth() {
    assertEquals(EventJson.MAX_DEPTH, depth(parse(nested(EventJson.MAX_DEPTH))));
    EventJson.InvalidJsonException e = assertThrows(EventJson.InvalidJsonException.class,
        () -> parse(nested(EventJson.MAX_DEPTH + 1)));
    assertTrue(e.tooDeep());
  }

  @Test
  void refusesWhatLenientParsersLetThrough() {
    for (Buffer bad : List.of(Buffer.buffer("{\"a\":1 /* c */}"), Buffer.buffer("{\"a\":1} // c"),
        Buffer.buffer("{'a':1}"), Buffer.buffer("{\"a\":NaN}"), Buffer.buffer("{\"a\":1e400}"),
        Buffer.buffer("{\"a\":-1e400}"), Buffer.buffer("{\"a\":1,\"a\":2}"), Buffer.buffer("{\"a\":1}{}"),
        Buffer.buffer("{\"a\":1,}"), Buffer.buffer("[]"), Buffer.buffer(""), Buffer.buffer("\"text\""),
        Buffer.buffer("{\"a\":\"").appendBytes(new byte[] {(byte) 0xC0, (byte) 0xAF}).appendString("\"}"),
        Buffer.buffer("{\"a\":\"").appendBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})
            .appendString("\"}"),
        Buffer.buffer("{\"a\":\"").appendBytes(new byte[] {(byte) 0xFF}).appendString("\"}"))) {
      EventJson.InvalidJsonException e = assertThrows(EventJson.InvalidJsonException.class,
          () -> EventJson.parseObject(bad), bad.toString());
      assertTrue(!e.getMessage().contains(bad.toString()) || bad.length() < 3, "never echoes the input");
    }
  }

  @Test
  void checksObjectsBuiltInCodeByTheSameRule() {
    EventJson.check(new JsonObject().put("a", new JsonArray().add(new JsonObject().put("b", 1.0))), 1);
    assertThrows(EventJson.InvalidJsonException.class,
        () -> EventJson.check(new JsonObject().put("d", Double.POSITIVE_INFINITY), 1));
    assertThrows(EventJson.InvalidJsonException.class,
        () -> EventJson.check(new JsonObject().put("a", new JsonArray().add(Float.NaN)), 1));
    JsonObject deep = parse(nested(EventJson.MAX_DEPTH));
    EventJson.check(deep, 1);
    assertThrows(EventJson.InvalidJsonException.class, () -> EventJson.check(deep, 2));
  }

  private static int depth(Object value) {
    if (value instanceof JsonObject object) {
      return 1 + object.stream().mapToInt(e -> depth(e.getValue())).max().orElse(0);
    }
    if (value instanceof JsonArray array) {
      return 1 + array.stream().mapToInt(EventJsonTest::depth).max().orElse(0);
    }
    return 0;
  }
}
