package dev.tenantcast.app;

import dev.tenantcast.testing.ServiceProcess;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A new instance runs its warm-up (its own streams, resumes and published events over loopback) before {@code /ready}
 * says yes, and serves its first real client like any other afterwards.
 */
class WarmUpTest {
  private static final Pattern SUMMARY = Pattern.compile(
      "Warm-up: (\\d+) streams opened \\((\\d+) resumed\\), (\\d+) events published, (\\d+) more to the broker,"
          + " (\\d+) failed");
  private static final Pattern TRIMMED = Pattern.compile(
      "the C heap's free memory returned: Trim native heap: RSS\\+Swap: \\d+[KMG]->\\d+[KMG] \\(-?\\d+K\\)");

  @Test
  void aNewInstanceIsNotReadyUntilItsWarmUpHasRunAndThenServesAsUsual() throws Exception {
    try (TestRedis redis = TestRedis.start();
         ServiceProcess service = ServiceProcess.launch(redis.url(), TestService.freePort(), List.of(), Map.of(
             // more streams than it can open in the time: the warm-up ends at its deadline
             "TENANTCAST_HTTP_WARM_UP_STREAMS", "1000000", "TENANTCAST_HTTP_WARM_UP_SECONDS", "4"))) {
      HttpClient http = HttpClient.newHttpClient();
      URI ready = URI.create("http://127.0.0.1:" + service.port() + "/ready");
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      boolean sawWarmingUp = false;
      int status = -1;
      while (status != 200 && System.nanoTime() < deadline) {
        try {
          HttpResponse<String> answer = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2))
              .build(), HttpResponse.BodyHandlers.ofString());
          status = answer.statusCode();
          if (status == 503 && "WARMING_UP".equals(new JsonObject(answer.body()).getJsonObject("checks")
              .getString("http"))) {
            sawWarmingUp = true;
          }
        } catch (java.io.IOException notListeningYet) {
          status = -1;
        }
        if (status != 200) {
          assertFalse(service.awaitOutput("Tenantcast did not start", Duration.ofMillis(50)), service.output());
        }
      }
      assertEquals(200, status, service.output());
      assertTrue(sawWarmingUp, "/ready said WARMING_UP while the warm-up ran: " + service.output());
      assertTrue(service.awaitOutput("is up on port", Duration.ofSeconds(30)), service.output());

      Matcher summary = SUMMARY.matcher(service.output());
      assertTrue(summary.find(), service.output());
      int opened = Integer.parseInt(summary.group(1));
      int resumed = Integer.parseInt(summary.group(2));
      int published = Integer.parseInt(summary.group(3));
      System.out.printf("warm-up in 4 s: %d streams opened, %d resumed, %d events published%n", opened, resumed,
          published);
      assertTrue(opened > 0 && resumed > 0 && published > 0, summary.group());
      // the burst that runs the per-event code often enough for the JIT's optimizing compiler came first
      assertTrue(Integer.parseInt(summary.group(4)) > 0, summary.group());
      assertEquals("0", summary.group(5), "nothing failed: " + summary.group());
      assertFalse(service.output().contains(" WARN "), "the warm-up warns about nothing: " + service.output());

      // The first real client after it gets its own tenant's events, and the warm-up's tenants are gone.
      Vertx vertx = Vertx.vertx();
      try (SseClient client = SseClient.open(vertx, service.port(), new Tokens(vertx).forTenant("acme"))) {
        assertEquals("CONNECTED", client.nextContent().type());
        redis.publish("dashboard-update-acme", "{\"n\":1}");
        SseEvent event = client.nextContent();
        assertEquals("DASHBOARD_UPDATE", event.type(), event.data());
        assertEquals(1, event.json().getJsonObject("data").getInteger("n"), event.data());
        JsonObject stats = new JsonObject(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + service.port() + "/api/sse/stats")).header("Authorization", "Bearer " + new Tokens(vertx).admin())
            .build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(new JsonObject().put("acme", 1), stats.getJsonObject("connections").getJsonObject("byTenant"),
            stats.encode());
      } finally {
        vertx.close();
      }

      // Once, some seconds after the warm-up, what its compiling left free in the C heap goes back to the system.
      assertTrue(service.awaitOutput("the C heap's free memory returned", Duration.ofSeconds(30)), service.output());
      Matcher trimmed = TRIMMED.matcher(service.output());
      assertTrue(trimmed.find(), "the JVM's own answer, not 'not done': " + service.output());
      System.out.println("after the warm-up: " + trimmed.group());
    }
  }

  /** The command that trains an AOT cache: the same warm-up as a start, then a clean stop, exit code 0. */
  @Test
  void theWarmUpCommandRunsTheWarmUpAndExitsZero() throws Exception {
    try (TestRedis redis = TestRedis.start();
         ServiceProcess service = ServiceProcess.launch(redis.url(), TestService.freePort(), List.of(), Map.of(
             "TENANTCAST_HTTP_WARM_UP_STREAMS", "300"), List.of("warm-up"))) {
      assertEquals(0, service.awaitExit(Duration.ofSeconds(60)), service.output());
      Matcher summary = SUMMARY.matcher(service.output());
      assertTrue(summary.find(), service.output());
      System.out.println("warm-up command: " + summary.group());
      assertEquals("300", summary.group(1), summary.group());
      assertEquals("20000", summary.group(4), "the whole burst: " + summary.group());
      assertEquals("0", summary.group(5), "nothing failed: " + summary.group());
      assertTrue(service.output().contains("Stopped"), service.output());
    }
    try (TestRedis redis = TestRedis.start();
         ServiceProcess service = ServiceProcess.launch(redis.url(), TestService.freePort(), List.of(), Map.of(),
             List.of("warm-up"))) {
      // ServiceProcess turns the warm-up off (0 streams): the command refuses to run without one
      assertEquals(2, service.awaitExit(Duration.ofSeconds(60)), service.output());
      assertTrue(service.output().contains("http.warmUpStreams' must not be 0"), service.output());
    }
  }
}
