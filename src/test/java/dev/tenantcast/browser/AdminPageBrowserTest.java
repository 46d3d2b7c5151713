package dev.tenantcast.browser;

import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.testing.Chromium;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admin page (/admin.html) in real headless Chromium, on one of two real instances sharing a real Redis: it shows
 * both instances, each instance's open streams, and its charts move with real events published into Redis
 * (deliveries per second, p50/p99 latency), with a rejected message and a stream refused by a limit, and with a slow
 * consumer closed. Saves a screenshot to target/admin-page.png, and to TENANTCAST_ADMIN_SCREENSHOT when set
 * (docs/admin-page.png).
 */
@ExtendWith(VertxExtension.class)
class AdminPageBrowserTest {
  @TempDir
  Path profile;

  private static JsonObject config(String instanceId) {
    return new JsonObject().put("instanceId", instanceId)
        .put("http", new JsonObject().put("maxStreamsPerTenant", 3).put("streamBufferBytes", 64 * 1024))
        .put("jwt", new JsonObject().put("secret", JwtConfig.DEVELOPMENT_SECRET))
        .put("demo", new JsonObject().put("enabled", true))
        .put("admin", new JsonObject().put("intervalMillis", 500));
  }

  @Test
  void showsEveryInstanceAndItsChartsMoveWithRealEvents(Vertx vertx) throws Exception {
    List<SseClient> streams = new ArrayList<>();
    try (TestRedis redis = TestRedis.start(); TestService alpha = TestService.start(redis.url(), config("alpha"));
         TestService beta = TestService.start(redis.url(), config("beta")); Chromium chromium = new Chromium(profile)) {
      Tokens tokens = new Tokens(vertx, JwtConfig.DEVELOPMENT_SECRET);
      try {
        for (int i = 0; i < 3; i++) {
          streams.add(open(vertx, alpha, tokens.forTenant("acme")));
        }
        for (int i = 0; i < 2; i++) {
          streams.add(open(vertx, beta, tokens.forTenant("globex")));
        }
        chromium.browser.get("http://127.0.0.1:" + alpha.port() + "/admin.html");
        chromium.awaitText("admin-state", "open");
        chromium.awaitText("instance-count", "2 instances");
        awaitValue(chromium, "alpha", "streams", "3");
        awaitValue(chromium, "beta", "streams", "2");

        // Real events into Redis: both instances deliver them (each to its own tenant's streams).
        List<String> updates = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
          updates.add(new JsonObject().put("cpu", n % 100).encode());
        }
        redis.publishAll("dashboard-update-acme", updates);
        redis.publishAll("notification-globex", updates);
        chromium.wait.withMessage("alpha's deliveries chart never rose")
            .until(b -> max(series(chromium, "alpha", "deliveries", 0)) > 0);
        chromium.wait.withMessage("beta's deliveries chart never rose")
            .until(b -> max(series(chromium, "beta", "deliveries", 0)) > 0);
        chromium.wait.until(b -> max(series(chromium, "alpha", "latency", 1)) > 0);
        chromium.wait.until(b -> max(tenantSpark(chromium, "alpha", "acme")) > 0);
        chromium.wait.until(b -> max(tenantSpark(chromium, "beta", "globex")) > 0);
        assertTrue(max(series(chromium, "alpha", "latency", 1)) >= max(series(chromium, "alpha", "latency", 0)),
            "p99 is at least p50");

        // A message that is not JSON is rejected by both instances; a fourth stream of acme is refused on alpha.
        redis.publish("dashboard-update-acme", "not json");
        HttpClient http = vertx.createHttpClient();
        int refused = http.request(HttpMethod.GET, alpha.port(), "127.0.0.1",
                "/api/sse/dashboard?access_token=" + tokens.forTenant("acme"))
            .compose(request -> request.send()).map(HttpClientResponse::statusCode).await(10, TimeUnit.SECONDS);
        assertEquals(429, refused);
        chromium.wait.until(b -> max(series(chromium, "alpha", "trouble", 0)) >= 1);
        chromium.wait.until(b -> max(series(chromium, "beta", "trouble", 0)) >= 1);
        chromium.wait.until(b -> tenantCell(chromium, "alpha", "acme", "tenant-rejections").equals("1"));

        // A client of initech stops reading while big events flow: alpha closes it as a slow consumer.
        HttpClientResponse slow = http.request(HttpMethod.GET, alpha.port(), "127.0.0.1",
                "/api/sse/dashboard?access_token=" + tokens.forTenant("initech"))
            .compose(request -> request.send()).onSuccess(HttpClientResponse::pause).await(10, TimeUnit.SECONDS);
        assertEquals(200, slow.statusCode());
        String pad = "x".repeat(4000);
        List<String> big = new ArrayList<>();
        for (int n = 0; n < 500; n++) {
          big.add(new JsonObject().put("n", n).put("pad", pad).encode());
        }
        for (int round = 0; round < 40 && alpha.stats().getJsonObject("messages").getLong("slowConsumersClosed") == 0;
             round++) {
          redis.publishAll("notification-initech", big); // notifications: never collapsed, so it is cut
        }
        alpha.awaitStats(s -> s.getJsonObject("messages").getLong("slowConsumersClosed") == 1, "the slow close");
        chromium.wait.until(b -> max(series(chromium, "alpha", "trouble", 1)) >= 1);
        chromium.wait.until(b -> tenantCell(chromium, "alpha", "initech", "tenant-slow-closes").equals("1"));

        redis.publishAll("dashboard-update-acme", updates);
        chromium.wait.until(b -> series(chromium, "alpha", "deliveries", 0).stream().filter(v -> v > 0).count() >= 2);
        System.out.println("Admin page figures: alpha deliveries/s " + series(chromium, "alpha", "deliveries", 0)
            + ", p50 ms " + series(chromium, "alpha", "latency", 0) + ", p99 ms "
            + series(chromium, "alpha", "latency", 1) + "; beta deliveries/s "
            + series(chromium, "beta", "deliveries", 0));
        ((JavascriptExecutor) chromium.browser).executeScript("window.scrollTo(0, 0)");
        Path shot = ((TakesScreenshot) chromium.browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target/admin-page.png"), StandardCopyOption.REPLACE_EXISTING);
        String target = System.getenv("TENANTCAST_ADMIN_SCREENSHOT");
        if (target != null) {
          Files.copy(shot, Path.of(target), StandardCopyOption.REPLACE_EXISTING);
        }
        http.close();
      } finally {
        streams.forEach(SseClient::close);
      }
    }
  }

  private static SseClient open(Vertx vertx, TestService instance, String token) {
    SseClient stream = SseClient.open(vertx, instance.port(), token);
    assertEquals("CONNECTED", stream.next().type());
    return stream;
  }

  /**
   * An attribute or the text of the first element that matches, read in one step in the page: the page replaces its
   * tables at each snapshot, so an element found in one call may be gone by the next.
   */
  private static String read(Chromium chromium, String selector, String attribute) {
    Object value = ((JavascriptExecutor) chromium.browser).executeScript("const e = document.querySelector("
        + "arguments[0]); return e === null ? '' : (arguments[1] === null ? e.textContent : "
        + "e.getAttribute(arguments[1]) ?? '');", selector, attribute);
    return String.valueOf(value);
  }

  private static String inInstance(String id, String selector) {
    return "[data-testid='instance'][data-instance='" + id + "'] " + selector;
  }

  private static void awaitValue(Chromium chromium, String id, String chart, String text) {
    chromium.wait.withMessage(() -> id + "'s " + chart + " never showed " + text)
        .until(b -> read(chromium, inInstance(id, "[data-testid='value-" + chart + "']"), null).equals(text));
  }

  /** The values a chart's line draws, oldest first. */
  private static List<Double> series(Chromium chromium, String id, String chart, int line) {
    return values(read(chromium, inInstance(id, "[data-testid='chart-" + chart + "'] polyline:nth-of-type("
        + (line + 1) + ")"), "data-values"));
  }

  private static List<Double> tenantSpark(Chromium chromium, String id, String tenant) {
    return values(read(chromium, inInstance(id, "[data-tenant='" + tenant + "'] polyline"), "data-values"));
  }

  private static String tenantCell(Chromium chromium, String id, String tenant, String cell) {
    return read(chromium, inInstance(id, "[data-tenant='" + tenant + "'] [data-testid='" + cell + "']"), null);
  }

  private static List<Double> values(String attribute) {
    if (attribute == null || attribute.isBlank()) {
      return List.of();
    }
    return Arrays.stream(attribute.split(",")).map(Double::parseDouble).toList();
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
  }
}
