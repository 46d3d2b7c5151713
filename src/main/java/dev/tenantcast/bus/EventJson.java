package dev.tenantcast.bus;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The one rule for JSON that comes from outside (Redis payloads, publish bodies, other verticles' events): strict JSON
 * (no comments, no single quotes, no NaN, no duplicate names, nothing after the value), valid UTF-8 (no overlong or
 * surrogate forms), finite numbers, and at most {@link #MAX_DEPTH} levels of nesting. What passes can always be written
 * again: Vert.x's own parser accepts comments, and Jackson writes {@code 1e400} as "Infinity" and refuses to write
 * deeper than 1,000 levels, so a payload that passed it could still fail on every event loop.
 */
public final class EventJson {
  /** Nesting levels of a whole document (a payload or a body); its data sits one level below. */
  public static final int MAX_DEPTH = 32;

  /** Immutable once built, and thread-safe: Jackson's factories are meant to be shared. */
  private static final JsonFactory STRICT = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private EventJson() {
  }

  /**
   * Parses a document that must be a JSON object.
   *
   * @throws InvalidJsonException with a message fit to show to the sender
   */
  public static JsonObject parseObject(Buffer bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.getBytes())).toString();
    } catch (CharacterCodingException e) {
      throw new InvalidJsonException("not valid UTF-8");
    }
    try (JsonParser parser = STRICT.createParser(text)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        throw new InvalidJsonException(first == null ? "empty" : "not a JSON object");
      }
      JsonObject object = (JsonObject) value(parser, first);
      if (parser.nextToken() != null) {
        throw new InvalidJsonException("more than one JSON value");
      }
      return object;
    } catch (InvalidJsonException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new InvalidJsonException(e.getMessage() != null && e.getMessage().contains("nesting depth")
          ? "nested deeper than " + MAX_DEPTH + " levels" : "not valid JSON");
    }
  }

  /**
   * Checks an object built in code (another verticle's publish request) by the same rule: depth and finite numbers.
   *
   * @param level the nesting level of {@code object} in the document it will be written in (1 for the root)
   */
  public static void check(JsonObject object, int level) {
    if (level > MAX_DEPTH) {
      throw new InvalidJsonException("nested deeper than " + MAX_DEPTH + " levels");
    }
    for (Map.Entry<String, Object> entry : object) {
      checkValue(entry.getValue(), level);
    }
  }

  private static void checkValue(Object value, int parentLevel) {
    if (value instanceof JsonObject object) {
      check(object, parentLevel + 1);
    } else if (value instanceof JsonArray array) {
      if (parentLevel + 1 > MAX_DEPTH) {
        throw new InvalidJsonException("nested deeper than " + MAX_DEPTH + " levels");
      }
      array.forEach(element -> checkValue(element, parentLevel + 1));
    } else if ((value instanceof Double d && !Double.isFinite(d)) || (value instanceof Float f && !Float.isFinite(f))) {
      throw new InvalidJsonException("numbers must be finite");
    }
  }

  private static Object value(JsonParser parser, JsonToken token) throws IOException {
    return switch (token) {
      case START_OBJECT -> {
        JsonObject object = new JsonObject();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          object.put(name, value(parser, parser.nextToken()));
        }
        yield object;
      }
      case START_ARRAY -> {
        JsonArray array = new JsonArray();
        for (JsonToken next = parser.nextToken(); next != JsonToken.END_ARRAY; next = parser.nextToken()) {
          array.add(value(parser, next));
        }
        yield array;
      }
      case VALUE_STRING -> parser.getText();
      case VALUE_NUMBER_INT -> parser.getNumberValue();
      case VALUE_NUMBER_FLOAT -> finite(parser);
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NULL -> null;
      default -> throw new InvalidJsonException("not valid JSON");
    };
  }

  /** A double when it is one; 1e400 would become Infinity, which JSON cannot carry. */
  private static Object finite(JsonParser parser) throws IOException {
    double value = parser.getDoubleValue();
    if (!Double.isFinite(value)) {
      throw new InvalidJsonException("numbers must be finite");
    }
    return value;
  }

  /** JSON that breaks the rule; the message says which part, never echoes the input. */
  public static final class InvalidJsonException extends IllegalArgumentException {
    public InvalidJsonException(String message) {
      super(message);
    }

    /** Whether the JSON was too deep, as opposed to malformed. */
    public boolean tooDeep() {
      return getMessage().startsWith("nested deeper");
    }
  }
}
