package dev.tenantcast.http;

import dev.tenantcast.bus.Addresses;
import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** POST /api/events and the publish bus address: authorization, validation, and many publishes at once. */
@ExtendWith(VertxExtension.class)
class PublishApiTest {
  private static final int MAX_BODY = 4096;

  private static ServiceFixture fixture;

  @BeforeAll
  static void start(Vertx vertx) {
    // The fair-share limits are tested in FairLimitsTest; here they must not get in the way of 2,000 publishes.
    fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject().put("maxBodyBytes", MAX_BODY)
        .put("publishesPerSecondPerToken", 100_000).put("publishesPerSecondPerTenant", 100_000)
        .put("publishBytesPerSecondPerTenant", 100_000_000)));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static String event(String tenant, String type, JsonObject data) {
    JsonObject body = new JsonObject().put("type", type).put("data", data);
    if (tenant != null) {
      body.put("tenant", tenant);
    }
    return body.encode();
  }

  @Test
  void aPublishedEventReachesTheTenantsStreamsWithTheAnsweredId() {
    try (SseClient acme = fixture.open(fixture.tokens.forTenant("acme"))) {
      assertEquals("CONNECTED", acme.next().type());
      Http.Reply reply = fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
          event("acme", "NOTIFICATION", new JsonObject().put("text", "deploy finished")));
      assertEquals(202, reply.status());
      String id = reply.json().getString("id");
      assertNotNull(id);

      SseEvent event = acme.nextContent();
      assertEquals(id, event.json().getString("id"), "the JSON carries the id POST answered");
      assertNotNull(event.id(), "and the SSE id is the stream's position");
      assertEquals("NOTIFICATION", event.type());
      assertEquals("deploy finished", event.payload().getString("text"));
    }
  }

  @Test
  void anAdminPublishesSystemAlertsToEveryone() {
    try (SseClient acme = fixture.open(fixture.tokens.forTenant("acme"));
         SseClient globex = fixture.open(fixture.tokens.forTenant("globex"))) {
      acme.next();
      globex.next();
      assertEquals(202, fixture.http.postJson("/api/events", fixture.tokens.admin(),
          event(null, "SYSTEM_ALERT", new JsonObject().put("level", "warn"))).status());
      assertEquals("SYSTEM_ALERT", acme.nextContent().type());
      assertEquals("SYSTEM_ALERT", globex.nextContent().type());
    }
  }

  @Test
  void refusesCallersWithoutTheRight() {
    JsonObject data = new JsonObject().put("x", 1);
    assertEquals(401, fixture.http.postJson("/api/events", null, event("acme", "NOTIFICATION", data)).status());
    assertEquals(401, fixture.http.postJson("/api/events", fixture.tokens.expired("acme"),
        event("acme", "NOTIFICATION", data))
        .status());
    Http.Reply viewer = fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme"),
        event("acme", "NOTIFICATION", data));
    assertEquals(403, viewer.status());
    assertEquals("forbidden", viewer.json().getString("error"));
    assertEquals(403, fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
        event("globex", "NOTIFICATION", data)).status());
    assertEquals(403, fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
        event(null, "SYSTEM_ALERT", data)).status());
    assertEquals(202, fixture.http.postJson("/api/events", fixture.tokens.admin(),
        event("globex", "NOTIFICATION", data)).status());
  }

  @Test
  void refusesMalformedEvents() {
    String publisher = fixture.tokens.forTenant("acme", "publisher");
    for (String body : List.of("not json", "[1]", "{}", event("acme", "HEARTBEAT", new JsonObject()),
        event("acme", "CONNECTED", new JsonObject()), "{\"tenant\":\"acme\",\"type\":\"NOTIFICATION\",\"data\":5}",
        event("bad tenant!", "NOTIFICATION", new JsonObject()), "{\"type\":\"NOTIFICATION\",\"data\":{} /* c */}",
        "{\"type\":\"NOTIFICATION\",\"data\":{\"n\":1e400}}")) {
      Http.Reply reply = fixture.http.postJson("/api/events", publisher, body);
      assertEquals(400, reply.status(), body);
      assertEquals("bad_request", reply.json().getString("error"));
    }
  }

  @Test
  void theTenantDefaultsToTheTokens() {
    try (SseClient acme = fixture.open(fixture.tokens.forTenant("acme"));
         SseClient globex = fixture.open(fixture.tokens.forTenant("globex"))) {
      assertEquals("CONNECTED", acme.next().type());
      assertEquals("CONNECTED", globex.next().type());
      Http.Reply reply = fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
          event(null, "NOTIFICATION", new JsonObject().put("text", "no tenant named")));
      assertEquals(202, reply.status());
      assertEquals(reply.json().getString("id"), acme.nextContent().json().getString("id"));
      SseEvent other = globex.poll(Duration.ofMillis(300));
      assertTrue(other == null || "HEARTBEAT".equals(other.type()), "no other tenant gets it: " + other);
    }
    Http.Reply admin = fixture.http.postJson("/api/events", fixture.tokens.admin(),
        event(null, "NOTIFICATION", new JsonObject()));
    assertEquals(400, admin.status(), "an admin's token names no tenant, so the event must");
  }

  @Test
  void refusesOversizedBodies() {
    Http.Reply reply = fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
        event("acme", "NOTIFICATION", new JsonObject().put("blob", "x".repeat(MAX_BODY))));
    assertEquals(413, reply.status());
    assertEquals("payload_too_large", reply.json().getString("error"));
  }

  @Test
  void twoThousandConcurrentPublishesOverTheBusAllSucceedAndArrive() throws Exception {
    int count = 2000;
    try (SseClient acme = fixture.open(fixture.tokens.forTenant("bulk"))) {
      acme.next();
      // Other verticles publish by sending to the documented address on the service's bus.
      Vertx serviceVertx = fixture.service.vertx();
      List<Future<?>> replies = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        JsonObject request = new JsonObject().put("tenant", "bulk").put("type", "DASHBOARD_UPDATE")
            .put("data", new JsonObject().put("n", i));
        replies.add(serviceVertx.eventBus().request(Addresses.PUBLISH, request));
      }
      Future.all(replies).await(30, TimeUnit.SECONDS);
      Set<Integer> seen = new HashSet<>();
      while (seen.size() < count) {
        seen.add(acme.nextContent().payload().getInteger("n"));
      }
      assertEquals(count, seen.size());
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void twoThousandConcurrentPostsAllSucceed(VertxTestContext test) {
    int count = 2000;
    String publisher = fixture.tokens.forTenant("acme", "publisher");
    Checkpoint accepted = test.checkpoint(count);
    for (int i = 0; i < count; i++) {
      fixture.http.postAsync("/api/events", publisher, event("acme", "DASHBOARD_UPDATE", new JsonObject().put("n", i)))
          .onComplete(test.succeeding(response -> test.verify(() -> {
            assertEquals(202, response.statusCode(), response.bodyAsString());
            accepted.flag();
          })));
    }
  }

  @Test
  void answers503WhileRedisCannotTakeEvents(Vertx vertx) {
    try (ServiceFixture isolated = ServiceFixture.start(vertx)) {
      isolated.redis.kill();
      isolated.service.awaitStats(s -> !s.getJsonObject("broker").getBoolean("publisherConnected"), "publisher down");
      Http.Reply reply = isolated.http.postJson("/api/events", isolated.tokens.forTenant("acme", "publisher"),
          event("acme", "NOTIFICATION", new JsonObject()));
      assertEquals(503, reply.status());
      assertEquals("redis_unavailable", reply.json().getString("error"));
      assertNotNull(reply.retryAfter());
    }
  }
}
