package dev.tenantcast.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the configuration: the defaults in conf/config.json (the working directory's copy, else the one packaged in
 * the jar), then the file named by TENANTCAST_CONFIG if any, then environment variables. Every key has one variable:
 * {@code http.port} is TENANTCAST_HTTP_PORT, {@code jwt.publicKey} TENANTCAST_JWT_PUBLIC_KEY; a few short aliases
 * that the product contract names are listed in {@link #ALIASES}.
 */
public final class ConfigLoader {
  public static final String PREFIX = "TENANTCAST_";
  public static final String CONFIG_FILE_VARIABLE = "TENANTCAST_CONFIG";
  static final Map<String, String> ALIASES = Map.of(
      "TENANTCAST_HEARTBEAT_SECONDS", "http.heartbeatSeconds",
      "TENANTCAST_TENANT_CLAIM", "jwt.tenantClaim");

  private ConfigLoader() {
  }

  public static JsonObject load(Path workingDirectory, Map<String, String> env) {
    JsonObject config = defaults(workingDirectory);
    String extra = env.get(CONFIG_FILE_VARIABLE);
    if (extra != null && !extra.isBlank()) {
      config.mergeIn(readFile(Path.of(extra), CONFIG_FILE_VARIABLE), true);
    }
    return applyEnvironment(config, env);
  }

  /** The default configuration: conf/config.json of the working directory, else the copy inside the jar. */
  public static JsonObject defaults(Path workingDirectory) {
    Path file = workingDirectory.resolve("conf/config.json");
    if (Files.isRegularFile(file)) {
      return readFile(file, file.toString());
    }
    try (InputStream in = ConfigLoader.class.getResourceAsStream("/conf/config.json")) {
      if (in == null) {
        throw new ConfigException("conf/config.json", "was found neither in the working directory nor in the jar");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException("conf/config.json", "cannot be read: " + e.getMessage());
    }
  }

  /** Environment variable name → dotted key, for every leaf key of the given configuration. */
  public static Map<String, String> variables(JsonObject config) {
    Map<String, String> variables = new LinkedHashMap<>();
    collect(config, "", variables);
    ALIASES.forEach(variables::put);
    return variables;
  }

  static JsonObject applyEnvironment(JsonObject config, Map<String, String> env) {
    Map<String, String> variables = variables(config);
    // Aliases are applied first so that the full name wins when both are set.
    variables.entrySet().stream()
        .sorted((a, b) -> Boolean.compare(!ALIASES.containsKey(a.getKey()), !ALIASES.containsKey(b.getKey())))
        .filter(e -> env.containsKey(e.getKey()))
        .forEach(e -> set(config, e.getKey(), e.getValue(), env.get(e.getKey())));
    return config;
  }

  private static void collect(JsonObject json, String path, Map<String, String> out) {
    for (String name : json.fieldNames()) {
      String key = path.isEmpty() ? name : path + "." + name;
      Object value = json.getValue(name);
      if (value instanceof JsonObject child) {
        collect(child, key, out);
      } else {
        out.put(PREFIX + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase(), key);
      }
    }
  }

  private static void set(JsonObject config, String variable, String key, String raw) {
    String[] parts = key.split("\\.");
    JsonObject parent = config;
    for (int i = 0; i < parts.length - 1; i++) {
      parent = parent.getJsonObject(parts[i]);
    }
    String name = parts[parts.length - 1];
    Object current = parent.getValue(name);
    parent.put(name, convert(variable, current, raw.trim()));
  }

  private static Object convert(String variable, Object current, String raw) {
    try {
      if (current instanceof Number) {
        return raw.matches("-?\\d+") ? (Object) Long.parseLong(raw) : (Object) Double.parseDouble(raw);
      }
      if (current instanceof Boolean) {
        if (!raw.equalsIgnoreCase("true") && !raw.equalsIgnoreCase("false")) {
          throw new ConfigException(variable, "must be true or false, got " + raw);
        }
        return Boolean.parseBoolean(raw);
      }
      if (current instanceof JsonArray) {
        // a JSON array, or for convenience a comma-separated list of strings
        return raw.startsWith("[") ? new JsonArray(raw) : new JsonArray(java.util.Arrays.stream(raw.split(","))
            .map(String::trim).filter(v -> !v.isEmpty()).map(v -> (Object) v).toList());
      }
    } catch (NumberFormatException | DecodeException e) {
      throw new ConfigException(variable, "cannot be read as " + current.getClass().getSimpleName() + ": " + raw);
    }
    return raw;
  }

  private static JsonObject readFile(Path file, String name) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new ConfigException(name, "names a file that cannot be read: " + file);
    } catch (DecodeException | ClassCastException e) {
      throw new ConfigException(name, "is not a JSON object: " + e.getMessage());
    }
  }
}
