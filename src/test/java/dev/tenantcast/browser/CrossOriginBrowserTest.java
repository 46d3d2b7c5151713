package dev.tenantcast.browser;

import dev.tenantcast.testing.Chromium;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.JavascriptExecutor;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A dashboard served from another origin, in real headless Chromium: from an origin of {@code http.allowedOrigins} it
 * loads the client module, streams, and publishes (a preflighted fetch with a bearer token) across origins; from any
 * other origin the browser itself keeps the stream and the answers from the page.
 */
@ExtendWith(VertxExtension.class)
class CrossOriginBrowserTest {
  @TempDir
  Path profile;

  /** A page on {@code localhost:pagePort}, while the service is on {@code 127.0.0.1}: another origin. */
  private static String page(int servicePort, String streamToken, String publishToken) {
    String service = "http://127.0.0.1:" + servicePort;
    return """
        <!doctype html><meta charset="utf-8"><title>elsewhere</title>
        <p>state <span data-testid="state">loading</span></p>
        <p>got <span data-testid="got">nothing</span></p>
        <p>publish <span data-testid="publish">not yet</span></p>
        <script type="module">
          import { createTenantcastClient } from '%1$s/tenantcast-client.js';
          const client = createTenantcastClient({ url: '%1$s/api/sse/dashboard', token: () => '%2$s' });
          client.on('state', (state) => { document.querySelector('[data-testid=state]').textContent = state; });
          client.on('NOTIFICATION', (data) => {
            document.querySelector('[data-testid=got]').textContent = data.text;
          });
          client.connect();
          window.publish = async () => {
            const out = document.querySelector('[data-testid=publish]');
            try {
              const answer = await fetch('%1$s/api/events', { method: 'POST',
                headers: { 'Authorization': 'Bearer %3$s', 'Content-Type': 'application/json' },
                body: JSON.stringify({ type: 'NOTIFICATION', data: { text: 'from another origin' } }) });
              out.textContent = String(answer.status);
            } catch (e) {
              out.textContent = 'blocked';
            }
          };
        </script>
        """.formatted(service, streamToken, publishToken);
  }

  private static HttpServer servePage(Vertx vertx, int port, String html) throws Exception {
    return vertx.createHttpServer().requestHandler(request -> request.response()
            .putHeader("Content-Type", "text/html; charset=utf-8").end(html))
        .listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @Test
  void aDashboardOnAnAllowedOriginStreamsAndPublishes(Vertx vertx) throws Exception {
    int pagePort = TestService.freePort();
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("allowedOrigins", new JsonArray().add("http://localhost:" + pagePort))));
         Chromium chromium = new Chromium(profile)) {
      HttpServer pages = servePage(vertx, pagePort, page(fixture.service.port(), fixture.tokens.forTenant("acme"),
          fixture.tokens.forTenant("acme", "publisher")));
      try {
        chromium.browser.get("http://localhost:" + pagePort + "/");
        chromium.awaitText("state", "open");
        ((JavascriptExecutor) chromium.browser).executeScript("window.publish()");
        chromium.awaitText("publish", "202");
        chromium.awaitText("got", "from another origin");
      } finally {
        pages.close();
      }
    }
  }

  @Test
  void aPageOnAnyOtherOriginGetsNothing(Vertx vertx) throws Exception {
    int pagePort = TestService.freePort();
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("allowedOrigins", new JsonArray().add("http://localhost:1"))));
         Chromium chromium = new Chromium(profile)) {
      HttpServer pages = servePage(vertx, pagePort, page(fixture.service.port(), fixture.tokens.forTenant("acme"),
          fixture.tokens.forTenant("acme", "publisher")));
      try {
        chromium.browser.get("http://localhost:" + pagePort + "/");
        JavascriptExecutor page = (JavascriptExecutor) chromium.browser;
        // The browser refuses the module (no CORS answer for this origin), so the page never gets a client...
        assertEquals("blocked", page.executeAsyncScript("""
            const done = arguments[arguments.length - 1];
            import('http://127.0.0.1:%d/tenantcast-client.js').then(() => done('loaded'), () => done('blocked'));
            """.formatted(fixture.service.port())));
        assertEquals("loading", chromium.byTestId("state").getText());
        // ...and a request of its own reaches the service (a browser cannot stop that), but its answer stays hidden.
        assertEquals("blocked", page.executeAsyncScript("""
            const done = arguments[arguments.length - 1];
            fetch('http://127.0.0.1:%d/api/sse/stats').then(r => done(String(r.status)), () => done('blocked'));
            """.formatted(fixture.service.port())));
      } finally {
        pages.close();
      }
    }
  }
}
