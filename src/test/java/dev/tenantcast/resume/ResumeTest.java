package dev.tenantcast.resume;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dashboard that comes back, on the same or another instance, gets exactly what it missed, in order, then live
 * events; or it is told plainly that it cannot, and goes on live. Two instances on one real Redis.
 */
@ExtendWith(VertxExtension.class)
class ResumeTest {
  private static ServiceFixture fixture;
  private static TestService other;

  @BeforeAll
  static void start(Vertx vertx) {
    JsonObject config = new JsonObject().put("http", new JsonObject().put("publishesPerSecondPerToken", 100_000)
        .put("publishesPerSecondPerTenant", 100_000).put("publishBytesPerSecondPerTenant", 100_000_000));
    fixture = ServiceFixture.start(vertx, config);
    other = fixture.startAnother(config);
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  /** Publishes numbered events through the API; returns the ids it answered. */
  static List<String> publish(Http http, String publisher, String tenant, int from, int to) {
    List<String> ids = new ArrayList<>();
    for (int n = from; n <= to; n++) {
      Http.Reply reply = http.postJson("/api/events", publisher, new JsonObject().put("tenant", tenant)
          .put("type", n % 2 == 0 ? "DASHBOARD_UPDATE" : "NOTIFICATION").put("data", new JsonObject().put("n", n))
          .encode());
      assertEquals(202, reply.status(), String.valueOf(reply.json()));
      ids.add(reply.json().getString("id"));
    }
    return ids;
  }

  /** Reads the numbered events from {@code from} to {@code to}, in order; returns the last one's SSE id. */
  static String expect(SseClient stream, int from, int to) {
    String id = null;
    for (int n = from; n <= to; n++) {
      SseEvent event = stream.nextContent();
      assertEquals(n, event.payload().getInteger("n"), "event " + n + " in order: " + event.data());
      id = event.id();
    }
    return id;
  }

  private static SseClient resume(TestService instance, String tenant, String lastEventId) {
    return SseClient.open(fixture.clients, instance.port(), "/api/sse/dashboard?access_token="
        + fixture.tokens.forTenant(tenant), Http.headers("Last-Event-ID", lastEventId));
  }

  private static JsonObject connected(SseClient stream) {
    SseEvent first = stream.next();
    assertEquals("CONNECTED", first.type());
    return first.payload().getJsonObject("resume");
  }

  @Test
  void aStreamResumesOnTheSameAndOnAnotherInstanceWithExactlyWhatItMissed() {
    String publisher = fixture.tokens.forTenant("acme", "publisher");
    String last;
    try (SseClient first = fixture.stream("acme")) {
      publish(fixture.http, publisher, "acme", 1, 5);
      last = expect(first, 1, 5);
    }
    // a watcher sees 6-10 arrive first: the instance holds them when the stream comes back, so all five are a replay
    // (had 10 still been on its way, it would come live, held through the resume: none lost, but 4 replayed)
    try (SseClient watcher = fixture.stream("acme")) {
      publish(fixture.http, publisher, "acme", 6, 10);
      expect(watcher, 6, 10);
    }
    try (SseClient again = resume(fixture.service, "acme", last)) {
      assertEquals(new JsonObject().put("requested", true).put("resumed", true).put("replayed", 5), connected(again));
      last = expect(again, 6, 10);
      publish(fixture.http, publisher, "acme", 11, 11);
      last = expect(again, 11, 11);
    }
    try (SseClient watcher = fixture.stream(other, "acme")) {
      publish(fixture.http(other), publisher, "acme", 12, 20);
      expect(watcher, 12, 20);
    }
    try (SseClient elsewhere = resume(other, "acme", last)) {
      assertEquals(9, connected(elsewhere).getInteger("replayed"), "on another instance");
      expect(elsewhere, 12, 20);
      publish(fixture.http, publisher, "acme", 21, 21);
      expect(elsewhere, 21, 21);
    }
  }

  @Test
  void theQueryParameterResumesLikeTheHeader() {
    String publisher = fixture.tokens.forTenant("query", "publisher");
    String last;
    try (SseClient first = fixture.stream("query")) {
      publish(fixture.http, publisher, "query", 1, 2);
      last = expect(first, 1, 2);
    }
    // a watcher sees 3-4 arrive first, so that both are a replay (see the test above)
    try (SseClient watcher = fixture.stream("query")) {
      publish(fixture.http, publisher, "query", 3, 4);
      expect(watcher, 3, 4);
    }
    try (SseClient again = SseClient.open(fixture.clients, fixture.service.port(), "/api/sse/dashboard?access_token="
        + fixture.tokens.forTenant("query") + "&lastEventId=" + last, null)) {
      assertEquals(2, connected(again).getInteger("replayed"));
      expect(again, 3, 4);
    }
  }

  @Test
  void alertsAreResumedBesideTheTenantsEvents() {
    String admin = fixture.tokens.admin();
    String last;
    try (SseClient first = fixture.stream("alerted")) {
      publish(fixture.http, fixture.tokens.forTenant("alerted", "publisher"), "alerted", 1, 1);
      last = expect(first, 1, 1);
    }
    Http.Reply alert = fixture.http.postJson("/api/events", admin, new JsonObject().put("type", "SYSTEM_ALERT")
        .put("data", new JsonObject().put("level", "warn")).encode());
    assertEquals(202, alert.status());
    publish(fixture.http, fixture.tokens.forTenant("alerted", "publisher"), "alerted", 2, 2);
    try (SseClient again = resume(other, "alerted", last)) {
      assertEquals(2, connected(again).getInteger("replayed"));
      SseEvent replayedAlert = again.nextContent();
      assertEquals("SYSTEM_ALERT", replayedAlert.type());
      assertEquals(alert.json().getString("id"), replayedAlert.json().getString("id"), "the id POST answered");
      expect(again, 2, 2);
    }
  }

  @Test
  void anIdOlderThanTheHistoryIsToldAndNothingIsReplayedSilently(Vertx vertx) {
    try (ServiceFixture small = ServiceFixture.start(vertx, new JsonObject()
        .put("history", new JsonObject().put("maxLength", 10).put("memoryEvents", 5))
        .put("http", new JsonObject().put("publishesPerSecondPerToken", 100_000)))) {
      String publisher = small.tokens.forTenant("acme", "publisher");
      String last;
      try (SseClient first = small.stream("acme")) {
        publish(small.http, publisher, "acme", 1, 5);
        last = expect(first, 1, 5);
      }
      publish(small.http, publisher, "acme", 6, 55);
      try (SseClient again = SseClient.open(vertx, small.service.port(), "/api/sse/dashboard?access_token="
          + small.tokens.forTenant("acme"), Http.headers("Last-Event-ID", last))) {
        SseEvent connected = again.next();
        JsonObject resume = connected.payload().getJsonObject("resume");
        assertEquals(false, resume.getBoolean("resumed"));
        assertEquals("TRIMMED", resume.getString("reason"));
        SseEvent error = again.nextContent();
        assertEquals("ERROR", error.type());
        assertEquals("RESUME_FAILED", error.payload().getString("code"));
        publish(small.http, publisher, "acme", 56, 56);
        expect(again, 56, 56); // live goes on, and nothing of 6..55 came in between
      }
    }
  }

  @Test
  void anIdFromBeforeRedisLostItsHistoryIsToldAsAnotherEpoch(Vertx vertx) {
    try (ServiceFixture lone = ServiceFixture.start(vertx)) {
      String publisher = lone.tokens.forTenant("acme", "publisher");
      String last;
      try (SseClient first = lone.stream("acme")) {
        publish(lone.http, publisher, "acme", 1, 3);
        last = expect(first, 1, 3);
      }
      lone.redis.restart(); // empty: no persistence
      lone.service.awaitStats(s -> s.getJsonObject("broker").getBoolean("subscribed"), "resubscribed");
      for (int attempt = 0; lone.http.postJson("/api/events", publisher, new JsonObject().put("type", "NOTIFICATION")
          .put("data", new JsonObject().put("n", 4)).encode()).status() != 202; attempt++) {
        assertTrue(attempt < 100, "the publisher reconnected");
      }
      try (SseClient again = SseClient.open(vertx, lone.service.port(), "/api/sse/dashboard?access_token="
          + lone.tokens.forTenant("acme"), Http.headers("Last-Event-ID", last))) {
        JsonObject resume = again.next().payload().getJsonObject("resume");
        assertEquals(false, resume.getBoolean("resumed"));
        assertEquals("EPOCH", resume.getString("reason"));
        assertEquals("RESUME_FAILED", again.nextContent().payload().getString("code"));
      }
    }
  }

  @Test
  void withHistoryOffEventsFlowLiveAndAResumeIsToldItCannot(Vertx vertx) {
    try (ServiceFixture off = ServiceFixture.start(vertx, new JsonObject()
        .put("history", new JsonObject().put("enabled", false)))) {
      String publisher = off.tokens.forTenant("acme", "publisher");
      String last;
      try (SseClient first = off.stream("acme")) {
        List<String> ids = publish(off.http, publisher, "acme", 1, 2);
        SseEvent event = first.nextContent();
        assertEquals(ids.get(0), event.id(), "with history off the SSE id is the event's own id, as before");
        last = expect(first, 2, 2);
      }
      assertEquals(0L, off.redis.command(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.EXISTS)
          .arg("tenantcast:{tenant:acme}:history")).toLong(), "nothing kept");
      try (SseClient again = SseClient.open(vertx, off.service.port(), "/api/sse/dashboard?access_token="
          + off.tokens.forTenant("acme"), Http.headers("Last-Event-ID", last))) {
        JsonObject resume = again.next().payload().getJsonObject("resume");
        assertEquals(false, resume.getBoolean("resumed"));
      }
    }
  }

  @Test
  void anIdFromAnotherTenantReplaysNothingOfIt() {
    String last;
    try (SseClient acme = fixture.stream("leaky")) {
      publish(fixture.http, fixture.tokens.forTenant("leaky", "publisher"), "leaky", 1, 3);
      last = expect(acme, 1, 3);
    }
    publish(fixture.http, fixture.tokens.forTenant("leaky", "publisher"), "leaky", 4, 6);
    try (SseClient globex = resume(fixture.service, "victim", last)) {
      JsonObject resume = connected(globex);
      assertEquals(false, resume.getBoolean("resumed"));
      assertEquals("EPOCH", resume.getString("reason"), "another tenant's history has another epoch");
      assertEquals("RESUME_FAILED", globex.nextContent().payload().getString("code"));
      publish(fixture.http, fixture.tokens.forTenant("victim", "publisher"), "victim", 100, 100);
      assertEquals(100, globex.nextContent().payload().getInteger("n"), "its own live events, nothing of leaky's");
    }
  }

  @Test
  void aMalformedIdIsToldAndTheStreamGoesOnLive() {
    for (String id : List.of("garbage", "0_0_0", "zz.1-1_0", "1764000000000-i1-1")) {
      try (SseClient stream = resume(fixture.service, "acme", id)) {
        JsonObject resume = connected(stream);
        assertEquals(false, resume.getBoolean("resumed"), id);
        assertEquals("UNKNOWN_ID", resume.getString("reason"), id);
      }
    }
  }

  @Test
  void noGapAndNoDuplicateAcrossTheSwitchUnderAConcurrentBurst() throws Exception {
    String publisher = fixture.tokens.forTenant("burst", "publisher");
    String last;
    try (SseClient first = fixture.stream("burst")) {
      publish(fixture.http, publisher, "burst", 1, 10);
      last = expect(first, 1, 10);
    }
    int total = 400;
    Thread burst = new Thread(() -> publish(fixture.http(other), publisher, "burst", 11, total));
    burst.start();
    // Reconnect while the burst runs: some events come from history, some live, some both ways.
    try (SseClient again = resume(fixture.service, "burst", last)) {
      connected(again);
      expect(again, 11, total);
      burst.join(60_000);
      assertFalse(burst.isAlive());
      publish(fixture.http, publisher, "burst", total + 1, total + 1);
      expect(again, total + 1, total + 1); // and nothing duplicated came in between
    }
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyPublishesOnceOnAnyInstance() {
    String publisher = fixture.tokens.forTenant("idem", "publisher");
    String body = new JsonObject().put("type", "NOTIFICATION").put("data", new JsonObject().put("n", 1)).encode();
    try (SseClient stream = fixture.stream("idem")) {
      Http.Reply first = post(fixture.http, publisher, body, "order-42");
      Http.Reply retry = post(fixture.http(other), publisher, body, "order-42");
      assertEquals(202, first.status());
      assertEquals(202, retry.status());
      assertEquals(first.json().getString("id"), retry.json().getString("id"));
      assertTrue(retry.json().getBoolean("duplicate", false));
      Http.Reply another = post(fixture.http, publisher, body.replace("\"n\":1", "\"n\":2"), "order-43");
      assertNotEquals(first.json().getString("id"), another.json().getString("id"));
      assertEquals(1, stream.nextContent().payload().getInteger("n"));
      assertEquals(2, stream.nextContent().payload().getInteger("n"), "the retry was not delivered");
    }
  }

  private static Http.Reply post(Http http, String token, String body, String key) {
    try {
      return Http.toReply(http.postAsync("/api/events", Http.headers("Authorization", "Bearer " + token,
          "Content-Type", "application/json", "Idempotency-Key", key), io.vertx.core.buffer.Buffer.buffer(body))
          .await(10, java.util.concurrent.TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aStreamEndedAtItsTokensExpiryReconnectsWithAFreshTokenAndLosesNothing() {
    String publisher = fixture.tokens.forTenant("renew", "publisher");
    String last;
    try (SseClient expiring = SseClient.open(fixture.clients, fixture.service.port(),
        fixture.tokens.expiringIn("renew", 2))) {
      assertEquals("CONNECTED", expiring.next().type());
      publish(fixture.http, publisher, "renew", 1, 3);
      last = expect(expiring, 1, 3);
      assertEquals("TOKEN_EXPIRED", expiring.nextContent().payload().getString("code"));
      publish(fixture.http, publisher, "renew", 4, 6); // while it reconnects
    }
    try (SseClient renewed = resume(fixture.service, "renew", last)) {
      assertEquals(3, connected(renewed).getInteger("replayed"));
      expect(renewed, 4, 6);
    }
  }
}
