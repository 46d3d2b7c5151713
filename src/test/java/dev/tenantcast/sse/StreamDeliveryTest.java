package dev.tenantcast.sse;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream contract end to end: real Redis, real service, real HTTP clients, real tokens. */
@ExtendWith(VertxExtension.class)
class StreamDeliveryTest {
  private static final int HEARTBEAT_SECONDS = 1;
  private static final int MAX_PAYLOAD = 1024;
  private static ServiceFixture fixture;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("heartbeatSeconds", HEARTBEAT_SECONDS))
        .put("redis", new JsonObject().put("maxPayloadBytes", MAX_PAYLOAD)));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static SseClient open(String tenant) {
    return fixture.stream(tenant);
  }

  @Test
  void startsWithRetryHintThenConnected() {
    try (SseClient client = fixture.open(fixture.tokens.forTenant("acme"))) {
      assertEquals(200, client.status());
      assertTrue(client.header("Content-Type").startsWith("text/event-stream"));
      assertEquals("no-cache", client.header("Cache-Control"));
      assertEquals("no", client.header("X-Accel-Buffering"));
      SseEvent first = client.next();
      assertEquals(3000, first.retry());
      assertEquals("CONNECTED", first.type());
      assertNull(first.id(), "server events must not move the client's last event id");
      JsonObject data = first.payload();
      assertEquals("acme", data.getString("tenant"));
      assertNotNull(data.getString("connectionId"));
      assertEquals(fixture.service.stats().getString("instanceId"), data.getString("instanceId"));
      assertEquals(HEARTBEAT_SECONDS, data.getInteger("heartbeatSeconds"));
    }
  }

  @Test
  void deliversOnlyToTheTokensTenantInBothDirections() {
    // Five streams each, so that every HTTP verticle instance holds streams of both tenants.
    List<SseClient> acme = new ArrayList<>();
    List<SseClient> globex = new ArrayList<>();
    try {
      for (int i = 0; i < 5; i++) {
        acme.add(open("acme"));
      }
      for (int i = 0; i < 5; i++) {
        globex.add(open("globex"));
      }
      fixture.redis.publish("dashboard-update-globex", "{\"for\":\"globex\",\"n\":1}");
      fixture.redis.publish("dashboard-update-acme", "{\"for\":\"acme\",\"n\":1}");
      fixture.redis.publish("notification-acme", "{\"for\":\"acme\",\"n\":2}");
      fixture.redis.publish("notification-globex", "{\"for\":\"globex\",\"n\":2}");

      // Each stream's next events must be its own, in order: another tenant's would come in between.
      for (int n = 1; n <= 2; n++) {
        for (SseClient client : acme) {
          assertEquals(new JsonObject().put("for", "acme").put("n", n), client.nextContent().payload());
        }
        for (SseClient client : globex) {
          assertEquals(new JsonObject().put("for", "globex").put("n", n), client.nextContent().payload());
        }
      }
    } finally {
      acme.forEach(SseClient::close);
      globex.forEach(SseClient::close);
    }
  }

  @Test
  void connectionIdsAreUniqueAcrossTheEventLoopsOfAnInstance() {
    List<SseClient> streams = new ArrayList<>();
    Set<String> ids = new java.util.HashSet<>();
    String instance = fixture.service.stats().getString("instanceId");
    try {
      for (int i = 0; i < 40; i++) {
        SseClient client = fixture.open(fixture.tokens.forTenant("acme"));
        streams.add(client);
        String id = client.next().payload().getString("connectionId");
        assertTrue(id.startsWith(instance + "-"), id);
        ids.add(id);
      }
      assertEquals(40, ids.size(), "40 streams spread over every event loop, 40 ids: " + ids);
    } finally {
      streams.forEach(SseClient::close);
    }
  }

  @Test
  void eventsHaveTypeDataTimestampAndId() {
    try (SseClient acme = open("acme")) {
      long before = System.currentTimeMillis();
      fixture.redis.publish("dashboard-update-acme", "{\"cpu\":42}");
      SseEvent event = acme.nextContent();
      assertEquals("DASHBOARD_UPDATE", event.type());
      assertEquals(new JsonObject().put("cpu", 42), event.payload());
      assertTrue(event.json().getLong("timestamp") >= before);
      assertNotNull(event.id());
    }
  }

  @Test
  void systemAlertsReachEveryTenant() {
    try (SseClient acme = open("acme"); SseClient globex = open("globex"); SseClient initech = open("initech")) {
      fixture.redis.publish("system-alert", "{\"level\":\"critical\"}");
      for (SseClient client : List.of(acme, globex, initech)) {
        SseEvent alert = client.nextContent();
        assertEquals("SYSTEM_ALERT", alert.type());
        assertEquals("critical", alert.payload().getString("level"));
      }
    }
  }

  @Test
  void heartbeatsArriveOnSchedule() {
    try (SseClient acme = open("acme")) {
      SseEvent first = acme.next(Duration.ofSeconds(HEARTBEAT_SECONDS * 5L));
      SseEvent second = acme.next(Duration.ofSeconds(HEARTBEAT_SECONDS * 5L));
      assertEquals("HEARTBEAT", first.type());
      assertEquals("HEARTBEAT", second.type());
      assertNull(first.id());
      long gap = second.json().getLong("timestamp") - first.json().getLong("timestamp");
      assertTrue(gap >= HEARTBEAT_SECONDS * 500L, "heartbeats " + gap + " ms apart");
    }
  }

  @Test
  void lineBreaksInPayloadsCannotInjectFieldsOrEvents() {
    try (SseClient acme = open("acme")) {
      String hostile = new JsonObject()
          .put("a", "x\r\nid: forged\r\ndata: {\"type\":\"SYSTEM_ALERT\"}\r\n\r\n")
          .put("b", "lone\rcr: 1\revent: evil")
          .put("c", "nul\u0000and\nlf\n\nretry: 1")
          .encode();
      fixture.redis.publish("dashboard-update-acme", hostile);
      fixture.redis.publish("dashboard-update-acme", "{\"marker\":true}");
      SseEvent event = acme.nextContent();
      assertEquals(new JsonObject(hostile), event.payload(), "the payload arrives intact");
      assertEquals(Set.of("id", "data"), event.fields().keySet(), "no injected fields");
      assertEquals(1, event.fields().get("data").size(), "data is one line");
      assertTrue(acme.nextContent().payload().getBoolean("marker"), "no injected event in between");
    }
  }

  @Test
  void rejectedPayloadsAreCountedAndNotDelivered() {
    JsonObject before = fixture.service.stats().getJsonObject("messages").getJsonObject("rejectedByReason");
    try (SseClient acme = open("acme")) {
      fixture.redis.publish("dashboard-update-acme", "not json at all");
      fixture.redis.publish("dashboard-update-acme", "[1,2,3]");
      fixture.redis.publish("dashboard-update-acme", "\"a string\"");
      fixture.redis.publish("dashboard-update-acme", "{\"big\":\"" + "x".repeat(MAX_PAYLOAD) + "\"}");
      fixture.redis.publish("dashboard-update-acme.evil", "{\"bad\":\"tenant\"}");
      fixture.redis.publish("dashboard-update-" + "t".repeat(65), "{\"bad\":\"tenant\"}");
      fixture.redis.publish("dashboard-update-acme", "{\"@tenantcast\":{\"id\":\"a\\r\\nb\"},\"data\":{}}");
      fixture.redis.publish("dashboard-update-acme", "{\"ok\":true}");

      SseEvent event = acme.nextContent();
      assertEquals(new JsonObject().put("ok", true), event.payload(), "only the valid message is delivered");
      JsonObject after = fixture.service.awaitStats(
          s -> rejected(s, "NOT_A_JSON_OBJECT") - before.getLong("NOT_A_JSON_OBJECT") == 3,
          "three non-objects").getJsonObject("messages").getJsonObject("rejectedByReason");
      assertEquals(1, after.getLong("TOO_LARGE") - before.getLong("TOO_LARGE"));
      assertEquals(2, after.getLong("INVALID_TENANT") - before.getLong("INVALID_TENANT"));
      assertEquals(1, after.getLong("INVALID_ID") - before.getLong("INVALID_ID"));
    }
  }

  private static long rejected(JsonObject stats, String reason) {
    return stats.getJsonObject("messages").getJsonObject("rejectedByReason").getLong(reason);
  }

  @Test
  void acceptsTheTokenFromHeaderCookieOrQuery() {
    String token = fixture.tokens.forTenant("acme");
    List<SseClient> streams = new ArrayList<>();
    try {
      streams.add(fixture.open("/api/sse/dashboard", Http.headers("Authorization", "Bearer " + token)));
      streams.add(fixture.open("/api/sse/dashboard", Http.headers("Cookie", "other=1; tenantcast_token=" + token)));
      streams.add(fixture.open("/api/sse/dashboard?access_token=" + token, null));
      for (SseClient stream : streams) {
        assertEquals(200, stream.status());
        assertEquals("CONNECTED", stream.next().type());
      }
      fixture.redis.publish("notification-acme", "{\"to\":\"all three\"}");
      for (SseClient stream : streams) {
        assertEquals("all three", stream.nextContent().payload().getString("to"));
      }
    } finally {
      streams.forEach(SseClient::close);
    }
  }

  @Test
  void anAdminPicksTheTenantWithQuery() {
    try (SseClient admin = fixture.open("/api/sse/dashboard?tenant=globex&access_token=" + fixture.tokens.admin(),
        null)) {
      SseEvent connected = admin.next();
      assertEquals("globex", connected.payload().getString("tenant"));
      fixture.redis.publish("dashboard-update-globex", "{\"seen\":\"by admin\"}");
      assertEquals("by admin", admin.nextContent().payload().getString("seen"));
    }
  }

  @Test
  void clientDisconnectsReleaseEverything() {
    fixture.service.awaitStats(s -> s.getJsonObject("connections").getInteger("total") == 0,
        "no streams to begin with");
    List<SseClient> streams = new ArrayList<>();
    for (String tenant : List.of("acme", "acme", "globex", "initech", "initech")) {
      streams.add(open(tenant));
    }
    JsonObject open = fixture.service.stats().getJsonObject("connections");
    assertEquals(5, open.getInteger("total"));
    assertEquals(new JsonObject().put("acme", 2).put("globex", 1).put("initech", 2), open.getJsonObject("byTenant"));

    streams.forEach(SseClient::close);
    fixture.service.awaitStats(s -> s.getJsonObject("connections").getInteger("total") == 0
        && s.getJsonObject("connections").getJsonObject("byTenant").isEmpty(), "every stream released");

    // The tenant's routing was released too: a new stream of the tenant works as the first one did.
    try (SseClient again = open("acme")) {
      fixture.redis.publish("dashboard-update-acme", "{\"after\":\"reconnect\"}");
      assertEquals("reconnect", again.nextContent().payload().getString("after"));
    }
  }

  @Test
  void aStreamEndsWhenItsTokenExpires() throws InterruptedException {
    try (SseClient acme = fixture.open(fixture.tokens.expiringIn("acme", 2))) {
      assertEquals("CONNECTED", acme.next().type());
      SseEvent error = acme.nextContent();
      assertEquals("ERROR", error.type());
      assertEquals("TOKEN_EXPIRED", error.payload().getString("code"));
      assertTrue(acme.awaitEnd(Duration.ofSeconds(10)), "the server ends the stream");
    }
  }
}
