package dev.tenantcast.examples;

import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The producer examples of every stack (examples/, README's "Publishing from your stack") run as a user would run
 * them, each as a process of its own, against a live service on a real redis-server: what each publishes reaches a
 * stream of that tenant with the id it printed, and, when it went through the publish script, is in the tenant's
 * history (resumable).
 */
@ExtendWith(VertxExtension.class)
class ProducerExamplesTest {
  private static final Path NODE_EXAMPLE = Path.of("examples", "node");
  private static final Pattern EVENT_ID = Pattern.compile("[0-9a-f]+\\.[0-9]+-[0-9]+");

  private static ServiceFixture fixture;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void redisCliPublishesAResumableEvent() throws Exception {
    arrivesResumable("redis-cli", "ex-cli", List.of("sh", "examples/redis-cli/publish.sh"));
  }

  @Test
  void pythonPublishesAResumableEvent() throws Exception {
    arrivesResumable("python", "ex-python", List.of(python(), "examples/python/publish.py"));
  }

  @Test
  void nodePublishesAResumableEvent() throws Exception {
    if (!Files.isDirectory(NODE_EXAMPLE.resolve("node_modules").resolve("ioredis"))) {
      // as a user would: npm ci installs exactly what package-lock.json names
      String output = run(List.of("npm", "ci", "--no-audit", "--no-fund"), NODE_EXAMPLE.toFile(), 300);
      assertTrue(Files.isDirectory(NODE_EXAMPLE.resolve("node_modules").resolve("ioredis")), output);
    }
    arrivesResumable("node", "ex-node", List.of("node", "examples/node/publish.mjs"));
  }

  @Test
  void aJavaServicePublishesAResumableEventWithTheVertxRedisClient() throws Exception {
    arrivesResumable("java-redis", "ex-java", java("examples/java/RedisPublisher.java"));
  }

  @Test
  void aJavaServicePublishesLiveOnlyWithAPlainPublish() throws Exception {
    String tenant = "ex-java-live";
    String text = "live " + UUID.randomUUID();
    try (SseClient stream = fixture.stream(tenant)) {
      List<String> command = new ArrayList<>(java("examples/java/RedisPublisher.java"));
      command.addAll(List.of(fixture.redis.url(), tenant, text, "live"));
      String output = run(command, new File("."), 120);
      assertTrue(output.contains("published live to 1 subscriber(s)"), output);
      SseEvent event = stream.nextContent(Duration.ofSeconds(20));
      assertEquals("NOTIFICATION", event.type());
      assertEquals(text, event.payload().getString("text"));
      assertEquals(0, historyLength(tenant), "a plain PUBLISH is live only");
    }
  }

  @Test
  void aVerticleOnTheClusteredEventBusPublishesAResumableEvent(Vertx vertx) throws Exception {
    int[] free = TestService.twoFreePorts();
    int servicePort = free[0];
    int examplePort = free[1];
    JsonArray members = new JsonArray().add("127.0.0.1:" + servicePort).add("127.0.0.1:" + examplePort);
    try (TestService clustered = TestService.start(fixture.redis.url(), new JsonObject().put("eventBus",
        new JsonObject().put("clustered", true).put("port", servicePort).put("members", members)))) {
      String tenant = "ex-verticle";
      String text = "from a verticle " + UUID.randomUUID();
      try (SseClient stream = fixture.stream(clustered, tenant)) {
        List<String> command = new ArrayList<>(java("examples/java/PublisherVerticle.java"));
        command.addAll(List.of(members.getString(0) + "," + members.getString(1), String.valueOf(examplePort), tenant,
            text));
        String output = run(command, new File("."), 180);
        assertArrived(stream, "java-verticle", tenant, text, printedId(output));
      }
    }
  }

  /** Runs the example with the redis URL, a tenant and a text; its event must reach that tenant's stream. */
  private static void arrivesResumable(String from, String tenant, List<String> example) throws Exception {
    String text = "hello from " + from + " " + UUID.randomUUID();
    try (SseClient stream = fixture.stream(tenant)) {
      List<String> command = new ArrayList<>(example);
      command.addAll(List.of(fixture.redis.url(), tenant, text));
      String output = run(command, new File("."), 120);
      assertArrived(stream, from, tenant, text, printedId(output));
    }
  }

  private static void assertArrived(SseClient stream, String from, String tenant, String text, String printedId) {
    SseEvent event = stream.nextContent(Duration.ofSeconds(20));
    assertEquals("NOTIFICATION", event.type(), event.data());
    assertEquals(text, event.payload().getString("text"));
    assertEquals(from, event.payload().getString("from"));
    assertEquals(printedId, event.json().getString("id"), "the example printed the event's id");
    assertTrue(event.id() != null && !event.id().isEmpty(), "the event has a stream position");
    assertEquals(1, historyLength(tenant), "the event is in the tenant's history, so a reconnect replays it");
  }

  private static long historyLength(String tenant) {
    return fixture.redis.command(Request.cmd(Command.XLEN).arg("tenantcast:{tenant:" + tenant + "}:history"))
        .toLong();
  }

  private static List<String> java(String source) {
    // the test's class path holds what tenantcast.jar holds: the service's classes, Vert.x, and the publish script
    return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), source);
  }

  /** A Python 3 that has redis-py: the one on the PATH, else Debian's (where apt-get install python3-redis puts it). */
  private static String python() throws Exception {
    for (String candidate : List.of("python3", "/usr/bin/python3")) {
      try {
        Process probe = new ProcessBuilder(candidate, "-c", "import redis").redirectErrorStream(true).start();
        if (probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0) {
          return candidate;
        }
        probe.destroyForcibly();
      } catch (IOException notThere) {
        // the next one
      }
    }
    return fail("no python3 with redis-py: apt-get install -y python3-redis (or pip install redis)");
  }

  /** Runs a command to its end and returns what it printed; it must exit 0. */
  private static String run(List<String> command, File directory, int timeoutSeconds) throws Exception {
    Path log = Files.createTempFile(Path.of("target"), "example-", ".log");
    Process process = new ProcessBuilder(command).directory(directory).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    try {
      boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
      String output = Files.readString(log);
      assertTrue(exited, String.join(" ", command) + " did not finish within " + timeoutSeconds + " s:\n" + output);
      assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
      return output;
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The last line that is an event id (a JVM example also logs). */
  private static String printedId(String output) {
    List<String> ids = output.lines().map(String::strip).filter(line -> EVENT_ID.matcher(line).matches()).toList();
    return ids.isEmpty() ? "(no event id printed)\n" + output : ids.get(ids.size() - 1);
  }
}
