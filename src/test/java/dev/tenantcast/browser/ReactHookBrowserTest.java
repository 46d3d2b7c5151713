package dev.tenantcast.browser;

import dev.tenantcast.testing.Chromium;
import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The npm package's React hook in real headless Chromium against the live service: a tiny React page
 * ({@code clients/js/test/browser/react-page.jsx}, bundled here by esbuild with React from the package's node_modules,
 * no CDN) shows the stream's state and the events published into Redis, and under StrictMode holds one stream.
 */
@ExtendWith(VertxExtension.class)
class ReactHookBrowserTest {
  private static final Path PACKAGE = Path.of("clients", "js");

  @TempDir
  Path profile;
  @TempDir
  Path bundle;

  /** Bundles the page with esbuild (installed by the build's {@code npm ci} in clients/js). */
  private byte[] buildPage() throws IOException, InterruptedException {
    assertTrue(Files.isDirectory(PACKAGE.resolve("node_modules/esbuild")) && Files.isDirectory(
        PACKAGE.resolve("node_modules/react")), "run `npm ci` in clients/js first (mvn runs it before the tests)");
    Path out = bundle.resolve("page.js");
    Process build = new ProcessBuilder("node", PACKAGE.resolve("test/browser/build-page.mjs").toString(),
        out.toString()).redirectErrorStream(true).start();
    String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(build.waitFor(60, TimeUnit.SECONDS), "esbuild did not finish");
    assertEquals(0, build.exitValue(), "esbuild failed: " + log);
    return Files.readAllBytes(out);
  }

  private static HttpServer servePage(Vertx vertx, int port, String html, byte[] script) throws Exception {
    return vertx.createHttpServer().requestHandler(request -> {
      if (request.path().equals("/page.js")) {
        request.response().putHeader("Content-Type", "text/javascript; charset=utf-8").end(Buffer.buffer(script));
      } else {
        request.response().putHeader("Content-Type", "text/html; charset=utf-8").end(html);
      }
    }).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @Test
  void aReactPageShowsPublishedEventsOverOneStream(Vertx vertx) throws Exception {
    byte[] script = buildPage();
    int pagePort = TestService.freePort();
    // Heartbeats rarely: "received" counts every event. A stream's heartbeat slot may still fire within its first
    // seconds (slots are dealt round robin, the timer runs from the start), so the page shows heartbeats apart.
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("allowedOrigins", new JsonArray().add("http://localhost:" + pagePort)).put("heartbeatSeconds", 3600)));
         Chromium chromium = new Chromium(profile)) {
      String service = "http://127.0.0.1:" + fixture.service.port();
      String html = """
          <!doctype html><meta charset="utf-8"><title>react</title>
          <div id="root"></div>
          <script>window.TENANTCAST = { url: '%s/api/sse/dashboard', token: '%s' };</script>
          <script type="module" src="/page.js"></script>
          """.formatted(service, fixture.tokens.forTenant("acme"));
      HttpServer pages = servePage(vertx, pagePort, html, script);
      try {
        chromium.browser.get("http://localhost:" + pagePort + "/");
        chromium.awaitText("state", "open");

        fixture.redis.publish("notification-acme", new JsonObject().put("text", "hello from redis").encode());
        fixture.redis.publish("dashboard-update-acme", new JsonObject().put("cpu", 42).encode());
        chromium.awaitText("notification", "hello from redis");
        chromium.awaitText("cpu", "42");
        // CONNECTED and the two events, besides any heartbeat
        chromium.wait.withMessage("received, heartbeats aside, never showed 3").until(page ->
            Integer.parseInt(chromium.byTestId("received").getText())
                - Integer.parseInt(chromium.byTestId("heartbeats").getText()) == 3);

        // StrictMode mounted the hook twice in this development build; the service holds one stream of the page.
        JsonObject stats = fixture.http.get("/api/sse/stats",
            Http.headers("Authorization", "Bearer " + fixture.tokens.admin())).json();
        assertEquals(1, stats.getJsonObject("connections").getInteger("total"), stats.encodePrettily());
      } finally {
        pages.close();
      }
    }
  }

  @Test
  void theServiceServesThePackagesClient(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = ServiceFixture.start(vertx)) {
      for (String file : new String[] {"tenantcast-client.js", "tenantcast-client.d.ts"}) {
        Buffer served = vertx.createHttpClient().request(HttpMethod.GET, fixture.service.port(), "127.0.0.1",
            "/" + file).compose(r -> r.send()).compose(r -> r.body()).await();
        assertArrayEquals(Files.readAllBytes(PACKAGE.resolve("src").resolve(file)), served.getBytes(), file);
      }
    }
  }
}
