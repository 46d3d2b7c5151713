package dev.tenantcast.app;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.Podman;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The container image as an operator runs it (README, Container image): loaded from the tar that the build made,
 * started with TENANTCAST_* variables against a real Redis, ready, streaming a published event, not as root. Needs
 * podman (the "image" Maven profile builds the tar where podman is installed); skipped without it.
 */
class ContainerImageIT {
  private static final Path IMAGE_TAR = Path.of("target", "jib-image.tar");
  private static final Path IMAGE_ID = Path.of("target", "jib-image.id");
  private static final Path CLASSES = Path.of("target", "classes", "dev", "tenantcast", "Main.class");
  private static final Duration PODMAN = Duration.ofMinutes(2);
  /** image.uid in pom.xml */
  private static final String UID = "10001";

  private final Podman podman = new Podman();

  @Test
  void theImageRunsAsAnUnprivilegedUserAndStreamsAPublishedEvent() throws Exception {
    assumeTrue(Podman.installed(), "podman is not installed, so the container image is neither built nor tested "
        + "here (on Debian: apt-get install podman; .ci/run does)");
    assertTrue(Files.isRegularFile(IMAGE_TAR) && Files.isRegularFile(IMAGE_ID), "podman is installed but "
        + IMAGE_TAR + " is missing: the \"image\" profile builds it (mvn -Pimage package)");
    assertTrue(Files.getLastModifiedTime(IMAGE_TAR).compareTo(Files.getLastModifiedTime(CLASSES)) >= 0,
        IMAGE_TAR + " is older than the classes: it was built by an earlier run (mvn -Pimage package)");
    String image = Files.readString(IMAGE_ID).strip();
    podman.ok(PODMAN, "load", "-i", IMAGE_TAR.toString());
    String name = "tenantcast-it-" + ProcessHandle.current().pid();
    int port = TestService.freePort();
    Vertx vertx = Vertx.vertx();
    try (TestRedis redis = TestRedis.start()) {
      // the container shares the host's network (its loopback is the test's): no port mapping, no bridge needed
      List<String> env = List.of(
          "TENANTCAST_HTTP_HOST=127.0.0.1",
          "TENANTCAST_HTTP_PORT=" + port,
          "TENANTCAST_REDIS_URL=" + redis.url(),
          "TENANTCAST_REDIS_EMBEDDED=never",
          "TENANTCAST_JWT_SECRET=" + Tokens.SECRET);
      long started = System.nanoTime();
      podman.ok(PODMAN, run(List.of("-d", "--name", name), env, image, List.of()));
      awaitReady(port, name, Duration.ofSeconds(90));
      System.out.printf("container ready %d ms after podman run%n", (System.nanoTime() - started) / 1_000_000);

      String pid = podman.ok(PODMAN, "inspect", "--format", "{{.State.Pid}}", name);
      String uids = Files.readAllLines(Path.of("/proc", pid, "status")).stream()
          .filter(line -> line.startsWith("Uid:")).findFirst().orElseThrow();
      assertEquals(List.of(UID, UID, UID, UID), List.of(uids.substring(4).strip().split("\\s+")),
          "real, effective, saved and file-system uid of the service's process: " + uids);

      // the token command of the same image, as README's quick start mints a token
      String tokenOut = podman.ok(PODMAN, run(List.of("--rm"), env, image,
          List.of("token", "--tenant", "acme", "--ttl", "10m")));
      String streamToken = tokenOut.lines().reduce((first, last) -> last).orElseThrow();
      try (SseClient stream = SseClient.open(vertx, port, streamToken);
           Http http = new Http(vertx, port)) {
        assertEquals(200, stream.status());
        assertEquals("CONNECTED", stream.nextContent().type());
        Http.Reply published = http.postJson("/api/events", new Tokens(vertx).forTenant("acme", "publisher"),
            "{\"tenant\":\"acme\",\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"cpu\":42}}");
        assertEquals(202, published.status(), String.valueOf(published.json()));
        SseEvent update = stream.expect(e -> "DASHBOARD_UPDATE".equals(e.type()), "the published update");
        assertEquals(42, update.payload().getInteger("cpu"));
        redis.publish("notification-acme", "{\"text\":\"Deploy finished\"}");
        SseEvent notification = stream.expect(e -> "NOTIFICATION".equals(e.type()), "the Redis notification");
        assertEquals("Deploy finished", notification.payload().getString("text"));
      }
      String logs = logs(name);
      assertTrue(logs.contains("Network transport: native epoll"), "Netty's native library loads: " + logs);
      assertNotEquals(-1, logs.indexOf("HTTP listening on 127.0.0.1:" + port), logs);

      // java is the container's process 1: podman stop's SIGTERM must still reach the service's drain
      podman.ok(PODMAN, "stop", "--time", "30", name);
      assertEquals("0", podman.ok(PODMAN, "inspect", "--format", "{{.State.ExitCode}}", name), logs(name));
    } finally {
      vertx.close();
      podman.run(PODMAN, "rm", "-f", name);
      podman.run(PODMAN, "rmi", "-f", image);
    }
  }

  private static String[] run(List<String> options, List<String> env, String image, List<String> args) {
    List<String> command = new ArrayList<>(List.of("run", "--network=host"));
    command.addAll(Podman.runOptions());
    command.addAll(options);
    env.forEach(variable -> command.addAll(List.of("-e", variable)));
    command.add(image);
    command.addAll(args);
    return command.toArray(String[]::new);
  }

  private void awaitReady(int port, String name, Duration within) throws InterruptedException {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + within.toNanos();
    int status = -1;
    while (System.nanoTime() < deadline) {
      try {
        status = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status == 200) {
          return;
        }
      } catch (IOException notYet) {
        status = -1;
      }
      String state = podman.ok(PODMAN, "inspect", "--format", "{{.State.Status}}", name);
      if (!"running".equals(state)) {
        throw new AssertionError("the container is " + state + ":\n" + logs(name));
      }
      Thread.sleep(200);
    }
    throw new AssertionError("/ready answered " + status + ", not 200, within " + within + ":\n" + logs(name));
  }

  private String logs(String name) {
    Podman.Result logs = podman.run(PODMAN, "logs", name);
    return logs.out() + logs.err();
  }
}
