package dev.tenantcast.auth;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who may open which stream: every refusal with its status and JSON error, over real HTTP. */
class AuthenticationTest {
  private static TestRedis redis;
  private static TestService service;
  private static Vertx clients;
  private static Tokens tokens;
  private static Http http;

  @BeforeAll
  static void start() {
    redis = TestRedis.start();
    service = TestService.start(redis.url());
    clients = Vertx.vertx();
    tokens = new Tokens(clients);
    http = new Http(clients, service.port());
  }

  @AfterAll
  static void stop() {
    http.close();
    clients.close();
    service.close();
    redis.close();
  }

  private static void assertRefused(int status, String code, String uri) {
    Http.Reply reply = http.get(uri);
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
    String valid = tokens.forTenant("acme");
    assertRefused(401, "unauthorized", stream(valid.substring(0, valid.length() - 3) + "xyz"));
  }

  @Test
  void refusesAnExpiredToken() {
    assertRefused(401, "unauthorized", stream(tokens.expired("acme")));
  }

  @Test
  void refusesATokenWithoutExp() {
    assertRefused(401, "unauthorized", stream(tokens.withoutExp("acme")));
  }

  @Test
  void refusesATokenSignedWithAnotherKey() {
    assertRefused(401, "unauthorized", stream(tokens.signedWithWrongSecret("acme")));
  }

  @Test
  void refusesAnUnsignedAlgNoneToken() {
    assertRefused(401, "unauthorized", stream(Tokens.unsigned("acme")));
  }

  @Test
  void refusesAnInvalidTenantClaim() {
    assertRefused(401, "unauthorized", stream(tokens.forTenant("acme\r\nx")));
    assertRefused(401, "unauthorized", stream(tokens.forTenant("t".repeat(65))));
  }

  @Test
  void forbidsAnotherTenantUnlessAdmin() {
    assertRefused(403, "forbidden", stream(tokens.forTenant("acme")) + "&tenant=globex");
    assertRefused(403, "forbidden", stream(tokens.forTenant("acme", "publisher")) + "&tenant=globex");
    try (SseClient own = SseClient.open(clients, service.port(),
        stream(tokens.forTenant("acme")) + "&tenant=acme", null)) {
      assertEquals(200, own.status(), "asking for one's own tenant is fine");
    }
  }

  @Test
  void anAdminWithoutTenantMustPickOne() {
    assertRefused(400, "bad_request", stream(tokens.admin()));
    assertRefused(400, "bad_request", stream(tokens.admin()) + "&tenant=bad%0Aid");
  }

  @Test
  void statsNeedAdmin() {
    assertEquals(401, http.get("/api/sse/stats").status());
    assertEquals(403, http.get("/api/sse/stats", Http.headers("Authorization",
        "Bearer " + tokens.forTenant("acme", "publisher"))).status());
    Http.Reply stats = http.get("/api/sse/stats", Http.headers("Authorization", "Bearer " + tokens.admin()));
    assertEquals(200, stats.status());
    assertEquals(service.stats().getString("instanceId"), stats.json().getString("instanceId"));
    assertTrue(stats.json().getJsonObject("redis").getBoolean("subscribed"));
  }

  @Test
  void healthAndReadinessNeedNoToken() {
    assertEquals(200, http.get("/health").status());
    Http.Reply ready = http.get("/ready");
    assertEquals(200, ready.status());
    assertEquals("UP", ready.json().getString("status"));
  }

  @Test
  void unknownPathsGetAJsonNotFound() {
    assertRefused(404, "not_found", "/nope");
  }
}
