package dev.tenantcast.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
  /** Keys whose value is one JSON object read from one variable (its keys are names, not settings). */
  static final Set<String> JSON_VALUED = Set.of("eventTypes");
  /** Variables read elsewhere (logback.xml, this class), not configuration keys. */
  static final Set<String> OTHERS = Set.of(CONFIG_FILE_VARIABLE, "TENANTCAST_LOG_LEVEL", "TENANTCAST_LOG_FORMAT");

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
    // A misspelt variable would otherwise be ignored, and the service would run with the default it meant to change.
    env.keySet().stream().filter(name -> name.startsWith(PREFIX))
        .filter(name -> !variables.containsKey(name) && !OTHERS.contains(name)).sorted().findFirst()
        .ifPresent(name -> {
          throw new ConfigException(name, "names no setting" + closest(name, variables.keySet())
              .map(known -> " (did you mean " + known + "?)").orElse("") + "; the variables are listed in README");
        });
    // Aliases are applied first so that the full name wins when both are set.
    variables.entrySet().stream()
        .sorted((a, b) -> Boolean.compare(!ALIASES.containsKey(a.getKey()), !ALIASES.containsKey(b.getKey())))
        .filter(e -> env.containsKey(e.getKey()))
        .forEach(e -> set(config, e.getKey(), e.getValue(), env.get(e.getKey())));
    return config;
  }

  /** The known variable nearest to a misspelt one (edit distance of at most 3), if any. */
  private static Optional<String> closest(String name, Set<String> known) {
    return known.stream().filter(k -> distance(name, k) <= 3).min(Comparator.comparingInt(k -> distance(name, k)));
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static void collect(JsonObject json, String path, Map<String, String> out) {
    for (String name : json.fieldNames()) {
      String key = path.isEmpty() ? name : path + "." + name;
      Object value = json.getValue(name);
      if (value instanceof JsonObject child && !JSON_VALUED.contains(key)) {
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
      if (current instanceof JsonObject) {
        return new JsonObject(raw);
      }
      if (current instanceof JsonArray) {
        // a JSON array, or for convenience a comma-separated list of strings
        return raw.startsWith("[") ? new JsonArray(raw) : new JsonArray(java.util.Arrays.stream(raw.split(","))
            .map(String::trim).filter(v -> !v.isEmpty()).map(v -> (Object) v).toList());
      }
    } catch (NumberFormatException | DecodeException | ClassCastException e) {
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
