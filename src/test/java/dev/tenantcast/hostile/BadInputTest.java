package dev.tenantcast.hostile;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.RawConnections;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each bad input an attacker tried, answered with a clear 4xx JSON error or a counted rejection: never a 500, a stack
 * trace per event loop, or a silent loss. After each, the service goes on delivering.
 */
@ExtendWith(VertxExtension.class)
class BadInputTest {
  private static ServiceFixture fixture;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static long rejected(String reason) {
    return fixture.service.stats().getJsonObject("messages").getJsonObject("rejectedByReason").getLong(reason);
  }

  /** Publishes the bad payloads, then a good one, which must be the next event the stream sees. */
  private static void assertRejectedAndDeliveryGoesOn(String reason, List<Buffer> payloads) {
    long before = rejected(reason);
    try (SseClient acme = fixture.stream("acme")) {
      for (Buffer payload : payloads) {
        fixture.redis.publish("dashboard-update-acme", payload);
      }
      fixture.redis.publish("dashboard-update-acme", "{\"good\":true}");
      assertEquals(new JsonObject().put("good", true), acme.nextContent().payload(), "none of the bad ones arrived");
    }
    fixture.service.awaitStats(s -> rejected(reason) == before + payloads.size(), payloads.size() + " counted as "
        + reason + ", each once");
  }

  @Test
  void aPayloadNestedAThousandDeepIsCountedOnceNotFailedOnEveryEventLoop() {
    String deep = "{\"a\":".repeat(999) + "{}" + "}".repeat(999);
    assertRejectedAndDeliveryGoesOn("TOO_DEEP", List.of(Buffer.buffer(deep)));
  }

  @Test
  void lenientJsonFromRedisIsRejected() {
    Buffer overlongSlash = Buffer.buffer("{\"path\":\"").appendBytes(new byte[] {(byte) 0xC0, (byte) 0xAF})
        .appendString("\"}");
    Buffer encodedSurrogate = Buffer.buffer("{\"s\":\"").appendBytes(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})
        .appendString("\"}");
    assertRejectedAndDeliveryGoesOn("NOT_A_JSON_OBJECT", List.of(
        Buffer.buffer("{\"a\":1 /* comment */}"), Buffer.buffer("{\"a\":1} // comment"), overlongSlash,
        encodedSurrogate, Buffer.buffer("{\"n\":1e400}"), Buffer.buffer("{\"n\":NaN}"), Buffer.buffer("{'a':1}"),
        Buffer.buffer("{\"a\":1}{\"b\":2}"), Buffer.buffer("{\"a\":1,\"a\":2}")));
  }

  @Test
  void publishBodiesFollowTheSameJsonRule() {
    String publisher = fixture.tokens.forTenant("acme", "publisher");
    String deep = "{\"type\":\"NOTIFICATION\",\"data\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(40) + "}";
    for (String body : List.of(deep, "{\"type\":\"NOTIFICATION\",\"data\":{\"n\":1e400}}",
        "{\"type\":\"NOTIFICATION\",\"data\":{}} // trailing")) {
      Http.Reply reply = fixture.http.postJson("/api/events", publisher, body);
      assertEquals(400, reply.status(), body.substring(0, Math.min(60, body.length())));
      assertEquals("bad_request", reply.json().getString("error"));
    }
  }

  @Test
  void tokensWithClaimsOfTheWrongTypeAreRefusedWith401() {
    long exp = System.currentTimeMillis() / 1000 + 600;
    Map<String, JsonObject> claims = new LinkedHashMap<>();
    claims.put("exp as a string", Tokens.claims("acme").put("exp", String.valueOf(exp)));
    claims.put("exp null", Tokens.claims("acme").putNull("exp"));
    claims.put("exp true", Tokens.claims("acme").put("exp", true));
    claims.put("exp an object", Tokens.claims("acme").put("exp", new JsonObject()));
    claims.put("nbf as a string", Tokens.claims("acme").put("exp", exp).put("nbf", "now"));
    claims.put("iat as a string", Tokens.claims("acme").put("exp", exp).put("iat", "now"));
    claims.put("tenant a number", new JsonObject().put("tenant", 7).put("exp", exp));
    claims.put("tenant an array", new JsonObject().put("tenant", new JsonArray().add("acme")).put("exp", exp));
    for (Map.Entry<String, JsonObject> token : claims.entrySet()) {
      Http.Reply reply = fixture.http.get("/api/sse/dashboard?access_token=" + fixture.tokens.sign(token.getValue()));
      assertEquals(401, reply.status(), token.getKey() + ": " + reply.json());
      assertEquals("unauthorized", reply.json().getString("error"), token.getKey());
    }
    // Odd types where a default will do are no reason to refuse: sub a number, roles a string.
    Http.Reply odd = fixture.http.get("/api/sse/stats?access_token=" + fixture.tokens.sign(new JsonObject()
        .put("tenant", "acme").put("sub", 42).put("roles", "admin").put("exp", exp)));
    assertEquals(403, odd.status(), "verified, but roles as a string grant nothing");
  }

  @Test
  void aTokenPastItsExpOpensNothingEvenWithinTheLeeway() {
    String justExpired = fixture.tokens.sign(Tokens.claims("acme").put("exp", System.currentTimeMillis() / 1000 - 2));
    Http.Reply reply = fixture.http.get("/api/sse/dashboard?access_token=" + justExpired);
    assertEquals(401, reply.status());
    assertTrue(reply.json().getString("message").contains("expired"), reply.json().getString("message"));
  }

  @Test
  void aTokenValidForLongerThanTheMaximumLifetimeIsRefused() {
    String forAYear = fixture.tokens.sign(Tokens.claims("acme")
        .put("exp", System.currentTimeMillis() / 1000 + 365L * 86400));
    Http.Reply reply = fixture.http.get("/api/sse/dashboard?access_token=" + forAYear);
    assertEquals(401, reply.status());
    assertTrue(reply.json().getString("message").contains("maxLifetimeSeconds"), reply.json().getString("message"));
  }

  @Test
  void requestsWithoutAValidHostAre400(Vertx vertx) {
    try (RawConnections raw = new RawConnections(vertx)) {
      List<String> requests = List.of("GET /health HTTP/1.1\r\n\r\n", "GET /health HTTP/1.1\r\nHost: [::1\r\n\r\n",
          "GET /api/sse/dashboard HTTP/1.1\r\nHost: \r\n\r\n");
      raw.open(fixture.service.port(), requests.size(), requests.size(),
          i -> Buffer.buffer(requests.get(i).getBytes(StandardCharsets.US_ASCII)));
      assertTrue(raw.awaitClosed(requests.size(), 5000));
      assertEquals(Map.of("HTTP/1.1 400 Bad Request", requests.size()), raw.answers());
    }
  }

  @Test
  void headOnTheProbesAnswersLikeGet(Vertx vertx) throws Exception {
    for (String probe : List.of("/health", "/ready")) {
      int status = vertx.createHttpClient().request(io.vertx.core.http.HttpMethod.HEAD, fixture.service.port(),
          "127.0.0.1", probe).compose(r -> r.send()).await(10, java.util.concurrent.TimeUnit.SECONDS).statusCode();
      assertEquals(200, status, probe);
    }
  }
}
