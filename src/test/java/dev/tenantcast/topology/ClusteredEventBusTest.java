package dev.tenantcast.topology;

import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The clustered event bus: two Tenantcast instances and another service in a JVM of its own (the runnable example,
 * examples/ClusteredPublisher.java) joined by Hazelcast over loopback TCP. What the other service publishes to
 * {@code tenantcast.publish} reaches the tenant's dashboards on both instances exactly once: it is published once to
 * Redis, and each instance delivers its own streams (tenant addresses are not cluster-wide).
 */
@ExtendWith(VertxExtension.class)
class ClusteredEventBusTest {
  private static final int EVENTS = 20;

  @Test
  void aVerticleInAnotherJvmPublishesAndEveryDashboardGetsEachEventOnce(Vertx vertx) throws Exception {
    List<Integer> ports = List.of(TestService.freePort(), TestService.freePort(), TestService.freePort());
    JsonArray members = new JsonArray(ports.stream().map(p -> (Object) ("127.0.0.1:" + p)).toList());
    try (TestRedis redis = TestRedis.start();
         TestService a = TestService.start(redis.url(), clustered(ports.get(0), members));
         TestService b = TestService.start(redis.url(), clustered(ports.get(1), members))) {
      Tokens tokens = new Tokens(vertx);
      try (SseClient onA = SseClient.open(vertx, a.port(), tokens.forTenant("acme"));
           SseClient onB = SseClient.open(vertx, b.port(), tokens.forTenant("acme"))) {
        assertEquals("CONNECTED", onA.next().type());
        assertEquals("CONNECTED", onB.next().type());

        String output = runExample(String.join(",", members.stream().map(String::valueOf).toList()), ports.get(2));
        System.out.printf("[cluster-bus] the other JVM published:%n%s%n", String.join("\n",
            output.lines().filter(l -> l.startsWith("published") || l.startsWith("not yet")).toList()));
        assertEquals(EVENTS, output.lines().filter(l -> l.startsWith("published n=")).count(), output);

        for (SseClient stream : List.of(onA, onB)) {
          for (int n = 1; n <= EVENTS; n++) {
            SseEvent event = stream.nextContent();
            assertEquals("DASHBOARD_UPDATE", event.type());
            assertEquals(n, event.payload().getInteger("n"), "each event once, in order");
          }
          SseEvent more = stream.poll(Duration.ofMillis(500));
          assertTrue(more == null || !"DASHBOARD_UPDATE".equals(more.type()),
              "nothing delivered twice: " + (more == null ? null : more.data()));
        }
        assertEquals(EVENTS, redis.command(Request.cmd(Command.XLEN).arg("tenantcast:{tenant:acme}:history"))
            .toInteger(), "each event published once to Redis, whichever instance took it");
      }
    }
  }

  private static JsonObject clustered(int port, JsonArray members) {
    return new JsonObject().put("eventBus", new JsonObject().put("clustered", true).put("port", port)
        .put("members", members));
  }

  /** Runs the example as a user would, in a JVM of its own, and returns what it printed. */
  private static String runExample(String members, int port) throws IOException, InterruptedException {
    Path log = Files.createTempFile(Path.of("target"), "clustered-publisher-", ".log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "examples/ClusteredPublisher.java", members,
        String.valueOf(port), "acme", String.valueOf(EVENTS))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the example finished");
      String output = Files.readString(log);
      assertEquals(0, process.exitValue(), output);
      return output;
    } finally {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
