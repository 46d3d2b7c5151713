package dev.tenantcast.browser;

import dev.tenantcast.config.JwtConfig;
import dev.tenantcast.testing.Chromium;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo dashboard in real headless Chromium (Debian's chromium and chromium-driver), against the real service and a
 * real Redis: it connects, shows its tenant's events and never another's, draws each numeric tile's recent values as
 * a sparkline, and shows the reconnect when the server restarts, receiving again afterwards. Set
 * TENANTCAST_SCREENSHOT=path to save a screenshot of the live page (docs/demo-dashboard.png).
 */
class DemoDashboardBrowserTest {
  @TempDir
  Path profile;
  private TestRedis redis;
  private TestService service;
  private int port;
  private Chromium chromium;
  private WebDriver browser;
  private WebDriverWait wait;

  @BeforeEach
  void start() {
    redis = TestRedis.start();
    port = TestService.freePort();
    service = startService();
    chromium = new Chromium(profile);
    browser = chromium.browser;
    wait = chromium.wait;
  }

  /** With the declared types of conf/event-types.example.json (ORDER_SHIPPED, MAINTENANCE) beside the built-in ones. */
  private TestService startService() {
    JsonObject declared;
    try {
      declared = new JsonObject(Files.readString(Path.of("conf/event-types.example.json")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return TestService.start(redis.url(), declared
        .put("http", new JsonObject().put("port", port).put("heartbeatSeconds", 2))
        .put("jwt", new JsonObject().put("secret", JwtConfig.DEVELOPMENT_SECRET))
        .put("demo", new JsonObject().put("enabled", true)));
  }

  @AfterEach
  void stop() {
    if (chromium != null) {
      chromium.close();
    }
    if (service != null) {
      service.close();
    }
    redis.close();
  }

  private WebElement byTestId(String id) {
    return chromium.byTestId(id);
  }

  private void awaitText(String testId, String text) {
    chromium.awaitText(testId, text);
  }

  private List<WebElement> tiles() {
    return browser.findElements(By.cssSelector("[data-testid='tile']"));
  }

  private String tileValue(String key) {
    return tiles().stream().filter(t -> key.equals(t.getDomAttribute("data-key"))).findFirst()
        .map(t -> t.findElement(By.cssSelector("[data-testid='tile-value']")).getDomAttribute("data-value"))
        .orElse(null);
  }

  private WebElement tile(String key) {
    return tiles().stream().filter(t -> key.equals(t.getDomAttribute("data-key"))).findFirst().orElseThrow();
  }

  /** The y of each point of a tile's sparkline, oldest first; empty while it has fewer than two values. */
  private List<Double> sparkYs(String key) {
    String points = tile(key).findElement(By.cssSelector("[data-testid='spark'] polyline")).getDomAttribute("points");
    if (points == null || points.isBlank()) {
      return List.of();
    }
    return Arrays.stream(points.trim().split("\\s+")).map(p -> Double.parseDouble(p.split(",")[1])).toList();
  }

  private void openDashboardOf(String tenant) {
    browser.get("http://127.0.0.1:" + port + "/#" + tenant);
    awaitText("state", "open");
    assertEquals(tenant, new Select(byTestId("tenant-select")).getFirstSelectedOption().getDomAttribute("value"));
    wait.until(b -> !byTestId("stat-connection-id").getText().equals("—"));
  }

  @Test
  void showsItsTenantsEventsAndNeverAnothers() throws Exception {
    openDashboardOf("acme");
    redis.publish("dashboard-update-globex", "{\"leaked\": 1}");
    redis.publish("notification-globex", "{\"title\": \"for globex only\"}");
    redis.publish("dashboard-update-acme", "{\"cpu\": 35}");
    redis.publish("dashboard-update-acme", "{\"cpu\": 51}");
    redis.publish("dashboard-update-acme", "{\"cpu\": 42, \"memory\": \"3.1 GB\"}");
    redis.publish("notification-acme", "{\"title\": \"Deploy finished\"}");
    redis.publish("system-alert", "{\"message\": \"Maintenance at 22:00\"}");

    wait.until(b -> "42".equals(tileValue("cpu")));
    assertEquals("3.1 GB", tileValue("memory"));
    wait.until(b -> byTestId("notifications").getText().contains("Deploy finished"));
    wait.until(b -> byTestId("alert-banner").isDisplayed()
        && byTestId("alert-text").getText().contains("Maintenance at 22:00"));
    // globex's events were published first: had any reached this page, they would be on it by now.
    assertEquals(null, tileValue("leaked"));
    assertTrue(!byTestId("notifications").getText().contains("for globex only"));

    // The publish form goes through POST /api/events and comes back over the stream.
    new Select(byTestId("publish-type")).selectByValue("DASHBOARD_UPDATE");
    byTestId("publish-data").clear();
    byTestId("publish-data").sendKeys("{\"queue\": 7}");
    byTestId("publish-button").click();
    wait.until(b -> "7".equals(tileValue("queue")));
    wait.until(b -> "ok".equals(byTestId("publish-result").getDomAttribute("data-status")));
    String screenshot = System.getenv("TENANTCAST_SCREENSHOT");
    if (screenshot != null) {
      ((org.openqa.selenium.JavascriptExecutor) browser).executeScript("window.scrollTo(0, 0)");
      Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(), Path.of(screenshot),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Test
  void offersTheServersDeclaredTypesAndShowsTheirEvents() {
    openDashboardOf("acme");
    Select type = new Select(byTestId("publish-type"));
    wait.until(b -> type.getOptions().size() == 5);
    assertEquals(List.of("DASHBOARD_UPDATE", "NOTIFICATION", "SYSTEM_ALERT (all tenants, admin)", "ORDER_SHIPPED",
        "MAINTENANCE (all tenants, admin)"), type.getOptions().stream().map(WebElement::getText).toList());

    type.selectByValue("ORDER_SHIPPED");
    byTestId("publish-data").clear();
    byTestId("publish-data").sendKeys("{\"title\": \"Order 1042 shipped\"}");
    byTestId("publish-button").click();
    wait.until(b -> byTestId("notifications").getText().contains("ORDER_SHIPPED · Order 1042 shipped"));
    redis.publish("order-shipped-globex", "{\"title\": \"globex's order\"}");
    redis.publish("maintenance", "{\"text\": \"Database upgrade at 22:00\"}");
    wait.until(b -> byTestId("notifications").getText().contains("Database upgrade at 22:00"));
    assertTrue(!byTestId("notifications").getText().contains("globex's order"), "published before the maintenance");
    assertEquals(1, browser.findElements(By.cssSelector("[data-testid='notification'][data-type='MAINTENANCE']"))
        .size());
    wait.until(b -> browser.findElements(By.cssSelector("[data-testid='stat-type'][data-type='ORDER_SHIPPED'] td"))
        .get(1).getText().equals("1"));
  }

  @Test
  void aNumericTilesSparklineMovesWithEachEvent() {
    openDashboardOf("acme");
    redis.publish("dashboard-update-acme", "{\"load\": 10}");
    redis.publish("dashboard-update-acme", "{\"load\": 30}");
    redis.publish("dashboard-update-acme", "{\"load\": 20}");
    wait.until(b -> "20".equals(tileValue("load")));
    List<Double> ys = sparkYs("load");
    assertEquals(3, ys.size(), ys.toString());
    assertTrue(ys.get(1) < ys.get(2) && ys.get(2) < ys.get(0), "a higher value is drawn higher: " + ys);
    assertEquals("last 3 values of load: 10..30",
        tile("load").findElement(By.cssSelector("[data-testid='spark']")).getDomAttribute("aria-label"));

    redis.publish("dashboard-update-acme", "{\"load\": 40}");
    wait.until(b -> sparkYs("load").size() == 4);
    List<Double> moved = sparkYs("load");
    assertTrue(moved.get(3) < moved.get(1), "the new highest is the new top: " + moved);
  }

  @Test
  void aFailedResumeStartsTheSparklinesOver() {
    openDashboardOf("acme");
    redis.publishResumable("acme", "dashboard-update-acme", "{\"load\": 1}");
    redis.publishResumable("acme", "dashboard-update-acme", "{\"load\": 2}");
    wait.until(b -> sparkYs("load").size() == 2);

    service.close();
    service = null;
    awaitText("state", "reconnecting");
    redis.restart(); // empty: the page's last event id is from a history that no longer exists
    service = startService();
    awaitText("stat-resume", "could not resume: refreshed");
    wait.until(b -> tiles().isEmpty());

    redis.publish("dashboard-update-acme", "{\"load\": 5}");
    wait.until(b -> "5".equals(tileValue("load")));
    assertEquals(List.of(), sparkYs("load"), "one value since the refresh: no line yet");
    redis.publish("dashboard-update-acme", "{\"load\": 7}");
    wait.until(b -> sparkYs("load").size() == 2);
  }

  @Test
  void switchingTenantShowsOnlyTheNewTenantsEvents() {
    openDashboardOf("acme");
    redis.publish("dashboard-update-acme", "{\"acmeOnly\": 1}");
    wait.until(b -> "1".equals(tileValue("acmeOnly")));
    new Select(byTestId("tenant-select")).selectByValue("globex");
    wait.until(b -> tiles().isEmpty());
    awaitText("state", "open");
    redis.publish("dashboard-update-acme", "{\"acmeOnly\": 2}");
    redis.publish("dashboard-update-globex", "{\"globexOnly\": 3}");
    wait.until(b -> "3".equals(tileValue("globexOnly")));
    assertEquals(null, tileValue("acmeOnly"));
  }

  @Test
  void showsTheReconnectWhenTheServerRestartsAndGetsWhatWasPublishedMeanwhile() {
    openDashboardOf("acme");
    String firstConnection = byTestId("stat-connection-id").getText();

    redis.publishResumable("acme", "dashboard-update-acme", "{\"beforeRestart\": 1}");
    wait.until(b -> "1".equals(tileValue("beforeRestart")));

    service.close();
    service = null;
    awaitText("state", "reconnecting");
    // Published while no instance was up: the page must still get them, replayed from history on its reconnect.
    redis.publishResumable("acme", "dashboard-update-acme", "{\"whileDown\": 2}");
    redis.publishResumable("acme", "notification-acme", "{\"title\": \"Published while the server was down\"}");

    service = startService();
    awaitText("state", "open");
    wait.until(b -> !byTestId("stat-reconnects").getText().equals("0"));
    wait.until(b -> !byTestId("stat-connection-id").getText().equals(firstConnection));
    wait.until(b -> "2".equals(tileValue("whileDown")));
    wait.until(b -> byTestId("notifications").getText().contains("Published while the server was down"));
    awaitText("stat-resume", "resumed, 2 missed events replayed");

    redis.publish("dashboard-update-acme", "{\"afterRestart\": 1}");
    wait.until(b -> "1".equals(tileValue("afterRestart")));
  }
}
