package dev.tenantcast.app;

import dev.tenantcast.config.ConfigException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One file of {@code verticles/}: which verticle class to deploy, how many instances ({@code "eventLoops"} for one
 * per event loop) and which configuration sections it receives. Operators change instance counts or add verticles
 * here, without touching code.
 */
public record VerticleDescriptor(String name, String className, int instances, List<String> sections) {
  public static final String EVENT_LOOPS = "eventLoops";

  public VerticleDescriptor {
    sections = List.copyOf(sections);
  }

  /**
   * The service's event loops: one per core, not Vert.x's default of two. Nothing on them blocks, so a second loop
   * per core only shares its core, and each loop that holds a tenant's streams is woken for each of its events (in
   * scenario b, 3 eventfd wake-ups per message with 4 loops, 1 with 2). The CPU saved is small: scenario b, 3 runs
   * each alternated, 4.06 s median against 4.24 s, within the runs' spread. {@code -XX:ActiveProcessorCount} sets it.
   */
  public static int eventLoops() {
    return Runtime.getRuntime().availableProcessors();
  }

  public static VerticleDescriptor parse(String name, JsonObject json) {
    String key = "verticles/" + name;
    if (!(json.getValue("class") instanceof String className) || className.isBlank()) {
      throw new ConfigException(key + ": class", "must name a verticle class");
    }
    Object count = json.getValue("instances", 1);
    int instances;
    if (EVENT_LOOPS.equals(count)) {
      instances = eventLoops();
    } else if (count instanceof Number n && n.intValue() >= 1 && n.intValue() <= 1024) {
      instances = n.intValue();
    } else {
      throw new ConfigException(key + ": instances", "must be 1-1024 or \"" + EVENT_LOOPS + "\", got " + count);
    }
    List<String> sections = new ArrayList<>();
    Object config = json.getValue("config", new JsonArray());
    if (!(config instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      throw new ConfigException(key + ": config", "must be a list of configuration section names");
    }
    array.forEach(s -> sections.add((String) s));
    return new VerticleDescriptor(name, className, instances, sections);
  }

  public DeploymentOptions deploymentOptions(JsonObject config) {
    return new DeploymentOptions().setInstances(instances).setConfig(config);
  }

  /**
   * The descriptors of {@code verticles/} in the working directory, else those packaged in the jar, in file-name
   * order.
   */
  public static List<VerticleDescriptor> load(Path workingDirectory) {
    Path dir = workingDirectory.resolve("verticles");
    if (Files.isDirectory(dir)) {
      return loadFrom(dir);
    }
    try {
      URI uri = VerticleDescriptor.class.getResource("/verticles").toURI();
      if (!"jar".equals(uri.getScheme())) {
        return loadFrom(Path.of(uri));
      }
      try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
        return loadFrom(jar.getPath("/verticles"));
      }
    } catch (URISyntaxException | IOException | NullPointerException e) {
      throw new ConfigException("verticles/", "was found neither in the working directory nor in the jar");
    }
  }

  private static List<VerticleDescriptor> loadFrom(Path dir) {
    List<VerticleDescriptor> descriptors = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
        String name = file.getFileName().toString();
        try {
          descriptors.add(parse(name, new JsonObject(Files.readString(file))));
        } catch (DecodeException e) {
          throw new ConfigException("verticles/" + name, "is not a JSON object: " + e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new ConfigException("verticles/", "cannot be read: " + e.getMessage());
    }
    if (descriptors.isEmpty()) {
      throw new ConfigException("verticles/", "holds no descriptor");
    }
    return descriptors;
  }
}
