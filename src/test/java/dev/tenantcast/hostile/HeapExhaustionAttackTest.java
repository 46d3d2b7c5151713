package dev.tenantcast.hostile;

import dev.tenantcast.testing.RawConnections;
import dev.tenantcast.testing.ServiceProcess;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attack: 4,000 connections each promise a 128 kB publish body and send all but the last 72 bytes. Before, the body
 * was buffered before the token was checked: 500 MB of heap, OutOfMemoryError, a dead instance. The service runs in
 * its own JVM with a 128 MB heap (it would need four times that to buffer the bodies); its used heap must stay under
 * the stated bound of 96 MB, it must keep answering /health, keep its open stream delivering, hold at most
 * {@code http.maxBufferedBodyBytes} of bodies, and be back to nothing held once the attack ends.
 */
@ExtendWith(VertxExtension.class)
class HeapExhaustionAttackTest {
  private static final int CONNECTIONS = 4000;
  private static final int DECLARED = 131_072;
  private static final int SENT = 131_000;
  private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx128m");
  /**
   * The timeout of the liveness probe that deploy/kubernetes ships: what must hold for the attack not to get the
   * instance restarted. (It was 2 s here; one CI run's probe, on 2 cores pushing half a gigabyte through loopback, took
   * 2.0 s, where 8 other runs' worst took 0.3-1.4 s.)
   */
  private static final Duration LIVENESS_TIMEOUT = Duration.ofSeconds(3);
  /** Used heap, garbage included, sampled every 100 ms (live data is far less: about 30 MB at rest). */
  private static final long HEAP_BOUND = 96L * 1024 * 1024;
  private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\"[^}]*} (\\S+)$",
      Pattern.MULTILINE);

  private static Buffer partialPublish(String token) {
    String head = "POST /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
        + "Content-Length: " + DECLARED + "\r\n\r\n";
    return Buffer.buffer(head).appendBytes(new byte[SENT]);
  }

  @Test
  void unauthenticatedPartialBodiesAreRefusedUnread(Vertx vertx) throws Exception {
    try (TestRedis redis = TestRedis.start();
         ServiceProcess service = ServiceProcess.start(redis.url(), JVM, Map.of())) {
      Result result = attack(vertx, redis, service, i -> partialPublish(null));
      assertEquals(Map.of("HTTP/1.1 401 Unauthorized", CONNECTIONS), result.answers, "every one refused with 401");
      result.assertServed();
    }
  }

  @Test
  void authenticatedPartialBodiesHoldAtMostTheBodyBudget(Vertx vertx) throws Exception {
    Tokens tokens = new Tokens(vertx);
    try (TestRedis redis = TestRedis.start();
         ServiceProcess service = ServiceProcess.start(redis.url(), JVM, Map.of(
             "TENANTCAST_HTTP_BODY_TIMEOUT_MILLIS", "3000",
             "TENANTCAST_HTTP_PUBLISHES_PER_SECOND_PER_TENANT", "1000000",
             "TENANTCAST_HTTP_PUBLISH_BYTES_PER_SECOND_PER_TENANT", "1000000000"))) {
      // One token per connection, as many publishers would have: the per-token rate does not stop them.
      List<String> publishers = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        publishers.add(tokens.sign(Tokens.claims("acme", "publisher").put("sub", "publisher-" + i)
            .put("exp", System.currentTimeMillis() / 1000 + 600)));
      }
      Result result = attack(vertx, redis, service, i -> partialPublish(publishers.get(i)));
      int admitted = result.answers.getOrDefault("HTTP/1.1 408 Request Timeout", 0);
      int refused = result.answers.getOrDefault("HTTP/1.1 503 Service Unavailable", 0);
      assertEquals(CONNECTIONS, admitted + refused, "each answered 408 (admitted, body never completed) or 503: "
          + result.answers);
      assertTrue(result.bodyBytesPeak <= 16 * 1024 * 1024, "body bytes held peaked at " + result.bodyBytesPeak
          + ", beyond the 16 MiB of http.maxBufferedBodyBytes");
      result.assertServed();
      JsonObject stats = stats(service, tokens);
      assertEquals(0, stats.getJsonObject("connections").getLong("bodyBytesInMemory"), "nothing held afterwards");
      assertEquals(refused, stats.getJsonObject("refusedByLimit").getLong("BODY_MEMORY"));
      assertEquals(admitted, stats.getJsonObject("refusedByLimit").getLong("BODY_TIMEOUT"));
    }
  }

  /** What the service did under the attack. */
  private record Result(Map<String, Integer> answers, int healthProbes, int healthFailures, long healthWorstMillis,
                        long heapPeakBytes, long bodyBytesPeak, boolean streamDelivered, String output) {
    void assertServed() {
      assertEquals(0, healthFailures, "every /health probe answered 200 within the liveness probe's "
          + LIVENESS_TIMEOUT.toSeconds() + " s");
      assertTrue(streamDelivered, "the open stream received the event published during the attack");
      assertTrue(heapPeakBytes < HEAP_BOUND, "used heap peaked at " + heapPeakBytes / 1_000_000 + " MB, above the "
          + HEAP_BOUND / 1_000_000 + " MB bound");
      assertFalse(output.contains("OutOfMemoryError"), "no OutOfMemoryError");
    }
  }

  private static Result attack(Vertx vertx, TestRedis redis, ServiceProcess service,
                               java.util.function.IntFunction<Buffer> request) throws Exception {
    Tokens tokens = new Tokens(vertx);
    ScheduledExecutorService probes = Executors.newScheduledThreadPool(2);
    AtomicLong heapPeak = new AtomicLong();
    AtomicLong bodyPeak = new AtomicLong();
    String admin = tokens.admin();
    AtomicLong worst = new AtomicLong();
    List<Integer> statuses = java.util.Collections.synchronizedList(new ArrayList<>());
    try (SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant("acme"))) {
      assertEquals("CONNECTED", stream.next().type());
      probes.scheduleWithFixedDelay(() -> {
        long start = System.nanoTime();
        statuses.add(service.get("/health", LIVENESS_TIMEOUT));
        worst.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
      }, 0, 200, TimeUnit.MILLISECONDS);
      probes.scheduleWithFixedDelay(() -> {
        heapPeak.accumulateAndGet(heapUsed(service), Math::max);
        bodyPeak.accumulateAndGet(bodyBytesHeld(service, admin), Math::max);
      }, 0, 100, TimeUnit.MILLISECONDS);
      long started = System.nanoTime();
      // The attackers on a Vert.x of their own, so that their writes do not hold up the stream's client.
      Vertx attackerVertx = Vertx.vertx();
      try (RawConnections attackers = new RawConnections(attackerVertx)) {
        attackers.open(service.port(), CONNECTIONS / 2, 250, request::apply);
        long publishedAt = System.nanoTime();
        redis.publish("dashboard-update-acme", "{\"during\":\"attack\"}");
        attackers.open(service.port(), CONNECTIONS / 2, 250, i -> request.apply(CONNECTIONS / 2 + i));
        // Correctness, not speed: two cores push half a gigabyte through loopback meanwhile.
        boolean delivered = "attack".equals(stream.nextContent(Duration.ofSeconds(60)).payload().getString("during"));
        long deliveredMillis = (System.nanoTime() - publishedAt) / 1_000_000;
        assertEquals(CONNECTIONS, attackers.connected(), attackers.failedToConnect() + " connections not accepted");
        assertTrue(attackers.awaitClosed(CONNECTIONS, 60_000), "the server closed every attacking connection: "
            + attackers.closedByServer() + " of " + CONNECTIONS);
        Map<String, Integer> answers = attackers.answers();
        probes.shutdown();
        probes.awaitTermination(5, TimeUnit.SECONDS);
        int failures = (int) statuses.stream().filter(s -> s != 200).count();
        System.out.printf("[attack] %d connections, %d bytes promised and %d sent each, %.1f MB in all, in %.1f s; "
                + "answers %s; all closed by the server after %.1f s; /health %d probes, %d failed, worst %d ms; "
                + "heap peak %.1f MB of 128 MB; body bytes held peak %.1f MB; stream delivered during the attack: "
                + "%s (%d ms after the publish, while connections kept coming)%n",
            CONNECTIONS, DECLARED, SENT, CONNECTIONS * (double) SENT / 1e6, (System.nanoTime() - started) / 1e9,
            answers, attackers.secondsUntilLastClosed(), statuses.size(), failures, worst.get(),
            heapPeak.get() / 1e6, bodyPeak.get() / 1e6, delivered, deliveredMillis);
        return new Result(answers, statuses.size(), failures, worst.get(), heapPeak.get(), bodyPeak.get(), delivered,
            service.output());
      } finally {
        attackerVertx.close();
      }
    } finally {
      probes.shutdownNow();
    }
  }

  private static long heapUsed(ServiceProcess service) {
    try {
      String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + service.port() + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      long sum = 0;
      Matcher m = HEAP.matcher(metrics);
      while (m.find()) {
        sum += (long) Double.parseDouble(m.group(1));
      }
      return sum;
    } catch (Exception e) {
      return 0;
    }
  }

  private static long bodyBytesHeld(ServiceProcess service, String admin) {
    try {
      return stats(service, admin).getJsonObject("connections").getLong("bodyBytesInMemory");
    } catch (Exception e) {
      return 0;
    }
  }

  private static JsonObject stats(ServiceProcess service, Tokens tokens) throws Exception {
    return stats(service, tokens.admin());
  }

  private static JsonObject stats(ServiceProcess service, String admin) throws Exception {
    return new JsonObject(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + service.port() + "/api/sse/stats")).timeout(Duration.ofSeconds(2))
        .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body());
  }
}
