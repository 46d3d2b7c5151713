package dev.tenantcast.auth;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may open which stream: every refusal with its status and JSON error, over real HTTP. */
@ExtendWith(VertxExtension.class)
class AuthenticationTest {

  private static ServiceFixture fixture;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static void assertRefused(int status, String code, String uri) {
    Http.Reply reply = fixture.http.get(uri);
    assertEquals(status, reply.status(), uri);
    assertTrue(reply.contentType().startsWith("application/json"));
    assertEquals(code, reply.json().getString("error"));
    assertTrue(reply.json().getString("message").length() > 5, "a human-readable message");
  }

  private static String stream(String token) {
    return "/api/sse/dashboard?access_token=" + token;
  }

  @Test
  void refusesAMissingToken() {
    assertRefused(401, "unauthorized", "/api/sse/dashboard");
  }

  @Test
  void refusesGarbledTokens() {
    assertRefused(401, "unauthorized", stream("not-a-jwt"));
    assertRefused(401, "unauthorized", stream("a.b.c"));
    String valid = fixture.tokens.forTenant("acme");
    assertRefused(401, "unauthorized", stream(valid.substring(0, valid.length() - 3) + "xyz"));
  }

  @Test
  void refusesAnExpiredToken() {
    assertRefused(401, "unauthorized", stream(fixture.tokens.expired("acme")));
  }

  @Test
  void refusesATokenWithoutExp() {
    assertRefused(401, "unauthorized", stream(fixture.tokens.withoutExp("acme")));
  }

  @Test
  void refusesATokenSignedWithAnotherKey() {
    assertRefused(401, "unauthorized", stream(fixture.tokens.signedWithWrongSecret("acme")));
  }

  @Test
  void refusesAnUnsignedAlgNoneToken() {
    assertRefused(401, "unauthorized", stream(Tokens.unsigned("acme")));
  }

  @Test
  void refusesAnInvalidTenantClaim() {
    assertRefused(401, "unauthorized", stream(fixture.tokens.forTenant("acme\r\nx")));
    assertRefused(401, "unauthorized", stream(fixture.tokens.forTenant("t".repeat(65))));
  }

  @Test
  void forbidsAnotherTenantUnlessAdmin() {
    assertRefused(403, "forbidden", stream(fixture.tokens.forTenant("acme")) + "&tenant=globex");
    assertRefused(403, "forbidden", stream(fixture.tokens.forTenant("acme", "publisher")) + "&tenant=globex");
    try (SseClient own = fixture.open(stream(fixture.tokens.forTenant("acme")) + "&tenant=acme", null)) {
      assertEquals(200, own.status(), "asking for one's own tenant is fine");
    }
  }

  @Test
  void anAdminWithoutTenantMustPickOne() {
    assertRefused(400, "bad_request", stream(fixture.tokens.admin()));
    assertRefused(400, "bad_request", stream(fixture.tokens.admin()) + "&tenant=bad%0Aid");
  }

  @Test
  void statsNeedAdmin() {
    assertEquals(401, fixture.http.get("/api/sse/stats").status());
    assertEquals(403, fixture.http.get("/api/sse/stats", Http.headers("Authorization",
        "Bearer " + fixture.tokens.forTenant("acme", "publisher"))).status());
    Http.Reply stats = fixture.http.get("/api/sse/stats",
        Http.headers("Authorization", "Bearer " + fixture.tokens.admin()));
    assertEquals(200, stats.status());
    assertEquals(fixture.service.stats().getString("instanceId"), stats.json().getString("instanceId"));
    assertTrue(stats.json().getJsonObject("broker").getBoolean("subscribed"));
  }

  @Test
  void healthAndReadinessNeedNoToken() {
    assertEquals(200, fixture.http.get("/health").status());
    Http.Reply ready = fixture.http.get("/ready");
    assertEquals(200, ready.status());
    assertEquals("UP", ready.json().getString("status"));
  }

  @Test
  void unknownPathsGetAJsonNotFound() {
    assertRefused(404, "not_found", "/nope");
  }
}
