package dev.tenantcast.http;

import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** GET /metrics parses as Prometheus text, and its counters move when events flow. */
@ExtendWith(VertxExtension.class)
class MetricsTest {
  /** A sample line of the text format: name, optional labels, a value (comments and blank lines aside). */
  private static final Pattern SAMPLE = Pattern.compile(
      "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*})? "
          + "(-?[0-9.eE+-]+|NaN|[+-]Inf)( -?[0-9]+)?$");
  private static ServiceFixture fixture;
  private static TestRedis redis;
  private static TestService service;
  private static WebClient web;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
    redis = fixture.redis;
    service = fixture.service;
    web = WebClient.create(vertx);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static Map<String, Double> scrape() throws Exception {
    var response = web.get(service.port(), "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS);
    assertEquals(200, response.statusCode());
    assertTrue(response.getHeader("Content-Type").startsWith("text/plain"), response.getHeader("Content-Type"));
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.bodyAsString().split("\n")) {
      if (line.isEmpty() || line.startsWith("#")) {
        assertTrue(line.isEmpty() || line.startsWith("# HELP ") || line.startsWith("# TYPE "), line);
        continue;
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        fail("not a Prometheus sample line: " + line);
      }
      samples.put(sample.group(1) + (sample.group(2) == null ? "" : sample.group(2)),
          Double.parseDouble(sample.group(3).replace("Inf", "Infinity")));
    }
    return samples;
  }

  @Test
  void countersMoveWhenEventsFlow() throws Exception {
    Map<String, Double> before = scrape();
    assertEquals(1.0, before.get("tenantcast_broker_subscribed"));
    try (SseClient acme = fixture.stream("acme"); SseClient globex = fixture.stream("globex")) {
      assertEquals(2.0, scrape().get("tenantcast_streams_open"));
      for (int i = 0; i < 3; i++) {
        redis.publish("dashboard-update-acme", "{\"i\":" + i + "}");
      }
      redis.publish("system-alert", "{\"level\":\"info\"}");
      redis.publish("notification-acme", "not json");
      for (int i = 0; i < 3; i++) {
        acme.nextContent();
      }
      acme.nextContent();
      globex.nextContent();
      service.awaitStats(s -> s.getJsonObject("messages").getLong("rejected") >= 1, "the rejection counted");

      Map<String, Double> after = scrape();
      assertEquals(4.0, after.get("tenantcast_messages_received_total")
          - before.getOrDefault("tenantcast_messages_received_total", 0.0));
      assertEquals(5.0, after.get("tenantcast_deliveries_total")
          - before.getOrDefault("tenantcast_deliveries_total", 0.0), "3 to acme, the alert to both");
      assertEquals(1.0, after.get("tenantcast_messages_rejected_total{reason=\"not_a_json_object\"}")
          - before.get("tenantcast_messages_rejected_total{reason=\"not_a_json_object\"}"));
      double latencyCount = after.get("tenantcast_delivery_latency_seconds_count");
      assertTrue(latencyCount >= 4, "latency recorded: " + latencyCount);
      assertTrue(after.containsKey("tenantcast_delivery_latency_seconds_bucket{le=\"0.005\"}"));
      assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("vertx_http_server")), "Vert.x's own meters");
      assertTrue(after.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory")), "JVM meters");
      assertFalse(after.keySet().stream().anyMatch(k -> k.contains("acme") || k.contains("globex")),
          "no per-tenant labels");
    }
  }

  @Test
  void theSampleGrafanaDashboardQueriesMetersThatExist() throws Exception {
    Map<String, Double> samples = scrape();
    String dashboard = java.nio.file.Files.readString(java.nio.file.Path.of("docs/grafana-dashboard.json"));
    Matcher names = Pattern.compile("(tenantcast_[a-z_]+|jvm_[a-z_]+)").matcher(dashboard);
    int checked = 0;
    while (names.find()) {
      String name = names.group(1);
      assertTrue(samples.keySet().stream().anyMatch(k -> k.equals(name) || k.startsWith(name + "{")),
          "the dashboard queries " + name + ", which /metrics does not have");
      checked++;
    }
    assertTrue(checked >= 10, "found " + checked + " queries");
  }
}
