package dev.tenantcast.hostile;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A browser sends the {@code tenantcast_token} cookie with any request to the service, also one that another site's
 * page makes it send: a publish authenticated by the cookie alone must be JSON (which a form or a no-CORS fetch cannot
 * send) and come from this site or an allowed origin. CORS lets the allowed origins, and only them, use the API.
 */
@ExtendWith(VertxExtension.class)
class CrossSiteTest {
  private static final String ALLOWED = "http://dash.example.com";
  private static final String EVIL = "http://evil.example";
  private static ServiceFixture fixture;
  private static Vertx client;

  @BeforeAll
  static void start(Vertx vertx) {
    client = vertx;
    fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("allowedOrigins", new io.vertx.core.json.JsonArray().add(ALLOWED))));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static final String EVENT = new JsonObject().put("type", "NOTIFICATION")
      .put("data", new JsonObject().put("text", "hi")).encode();

  private static HttpClientResponse send(HttpMethod method, String uri, MultiMap headers, String body) {
    try {
      return client.createHttpClient().request(new RequestOptions().setMethod(method).setHost("127.0.0.1")
              .setPort(fixture.service.port()).setURI(uri).setHeaders(headers))
          .compose(request -> body == null ? request.send() : request.send(Buffer.buffer(body)))
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static int publishWithCookie(String contentType, String origin) {
    MultiMap headers = Http.headers("Cookie", "tenantcast_token=" + fixture.tokens.forTenant("acme", "publisher"));
    if (contentType != null) {
      headers.add("Content-Type", contentType);
    }
    if (origin != null) {
      headers.add("Origin", origin);
    }
    return send(HttpMethod.POST, "/api/events", headers, EVENT).statusCode();
  }

  @Test
  void aCookiePublishFromAFormOrPlainTextIsRefused() {
    assertEquals(415, publishWithCookie("text/plain", EVIL));
    assertEquals(415, publishWithCookie("application/x-www-form-urlencoded", EVIL));
    assertEquals(415, publishWithCookie("multipart/form-data; boundary=x", null));
    assertEquals(415, publishWithCookie(null, null));
  }

  @Test
  void aCookiePublishFromAnotherSiteIsRefused() {
    assertEquals(403, publishWithCookie("application/json", EVIL));
    assertEquals(403, publishWithCookie("application/json", "null"));
  }

  @Test
  void aCookiePublishFromThisSiteOrAnAllowedOriginIsAccepted() {
    assertEquals(202, publishWithCookie("application/json", ALLOWED));
    assertEquals(202, publishWithCookie("application/json", "http://127.0.0.1:" + fixture.service.port()));
    assertEquals(202, publishWithCookie("application/json; charset=utf-8", null), "no Origin: not a browser page");
  }

  @Test
  void aBearerTokenCannotBeSentByAnotherSiteSoItsOriginDoesNotMatter() {
    HttpClientResponse response = send(HttpMethod.POST, "/api/events", Http.headers("Authorization",
        "Bearer " + fixture.tokens.forTenant("acme", "publisher"), "Content-Type", "application/json",
        "Origin", EVIL), EVENT);
    assertEquals(202, response.statusCode());
    assertNull(response.getHeader("Access-Control-Allow-Origin"), "but the other site cannot read the answer");
  }

  @Test
  void corsAllowsTheAllowedOriginsWithCredentialsAndNoOthers() {
    HttpClientResponse preflight = send(HttpMethod.OPTIONS, "/api/events", Http.headers("Origin", ALLOWED,
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"),
        null);
    assertEquals(ALLOWED, preflight.getHeader("Access-Control-Allow-Origin"));
    assertEquals("true", preflight.getHeader("Access-Control-Allow-Credentials"));
    HttpClientResponse evil = send(HttpMethod.OPTIONS, "/api/events", Http.headers("Origin", EVIL,
        "Access-Control-Request-Method", "POST"), null);
    assertNull(evil.getHeader("Access-Control-Allow-Origin"));
    HttpClientResponse module = send(HttpMethod.GET, "/tenantcast-client.js", Http.headers("Origin", ALLOWED), null);
    assertEquals(200, module.statusCode());
    assertEquals(ALLOWED, module.getHeader("Access-Control-Allow-Origin"), "the client module loads cross-origin");
  }
}
