package dev.tenantcast.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Typed, validating access to one section of the configuration; every failure names the full key. */
final class ConfigReader {
  private final JsonObject json;
  private final String path;

  ConfigReader(JsonObject json, String path) {
    if (json == null) {
      throw new ConfigException(path, "is missing");
    }
    this.json = json;
    this.path = path;
  }

  String key(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  /** Typos in a config file should fail loudly, not be silently ignored. */
  void allowOnly(Set<String> names) {
    for (String name : json.fieldNames()) {
      if (!names.contains(name)) {
        throw new ConfigException(key(name), "is not a known setting (known: " + String.join(", ", names) + ")");
      }
    }
  }

  String string(String name) {
    String value = optionalString(name);
    if (value == null || value.isBlank()) {
      throw new ConfigException(key(name), "must be a non-empty string");
    }
    return value;
  }

  String optionalString(String name) {
    Object value = json.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s)) {
      throw new ConfigException(key(name), "must be a string, got " + value);
    }
    return s.isBlank() ? null : s;
  }

  /** One of an enum's constants, written in lower case: {@code "interest"} for {@code INTEREST}. */
  <E extends Enum<E>> E choice(String name, Class<E> type) {
    String value = string(name);
    try {
      return Enum.valueOf(type, value.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key(name), "must be one of " + java.util.Arrays.stream(type.getEnumConstants())
          .map(c -> c.name().toLowerCase(java.util.Locale.ROOT)).toList() + ", got " + value);
    }
  }

  int integer(String name, int min, int max) {
    Object value = json.getValue(name);
    long number;
    if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      number = n.longValue();
    } else if (value instanceof String s && s.matches("-?\\d{1,10}")) {
      number = Long.parseLong(s);
    } else {
      throw new ConfigException(key(name), "must be a whole number, got " + value);
    }
    if (number < min || number > max) {
      throw new ConfigException(key(name), "must be between " + min + " and " + max + ", got " + number);
    }
    return (int) number;
  }

  boolean bool(String name) {
    Object value = json.getValue(name);
    if (value instanceof Boolean b) {
      return b;
    }
    if ("true".equals(value) || "false".equals(value)) {
      return Boolean.parseBoolean((String) value);
    }
    throw new ConfigException(key(name), "must be true or false, got " + value);
  }

  /** A list of strings that each match {@code pattern} (described as {@code what} in the error). */
  List<String> stringList(String name, String what, String pattern) {
    Object value = json.getValue(name);
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(key(name), "must be a list (JSON array) of strings, got " + value);
    }
    List<String> list = new ArrayList<>();
    for (Object element : array) {
      if (!(element instanceof String s) || !s.matches(pattern)) {
        throw new ConfigException(key(name), "must hold only " + what + ", got " + element);
      }
      list.add(s);
    }
    return list;
  }

  ConfigReader section(String name) {
    Object value = json.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(key(name), "must be an object");
    }
    return new ConfigReader((JsonObject) value, key(name));
  }

  Set<String> names() {
    return json.fieldNames();
  }
}
