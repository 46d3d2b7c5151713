package dev.tenantcast.redis;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Redis goes away under open streams: the streams stay open, /ready tells, and delivery resumes. */
@ExtendWith(VertxExtension.class)
class RedisOutageTest {
  private ServiceFixture fixture;
  private TestRedis redis;
  private TestService service;
  private Http http;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
    redis = fixture.redis;
    service = fixture.service;
    http = fixture.http;
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private void awaitReady(int status) {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      last = http.get("/ready").status();
      if (last == status) {
        return;
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("/ready answered " + last + ", expected " + status);
  }

  /** Publishes until the stream sees a message: the resubscription completes a moment after /ready can tell. */
  private static SseEvent publishUntilDelivered(TestRedis redis, SseClient client, String channel) {
    assertEquals(1, redis.publish(channel, "{\"after\":\"outage\"}"), "the service resubscribed");
    return client.expect(e -> !e.type().equals("STATUS") && !e.type().equals("ERROR"), "the event after the outage");
  }

  /** The stream was told that delivery was degraded, then that it was restored. */
  private static void assertToldOfTheOutage(SseClient client) {
    assertEquals("DEGRADED", client.expect(e -> e.type().equals("STATUS"), "STATUS").payload().getString("state"));
    assertEquals("RESTORED", client.expect(e -> e.type().equals("STATUS"), "STATUS").payload().getString("state"));
  }

  @Test
  void streamsSurviveARedisRestartAndLaterMessagesArrive() throws InterruptedException {
    try (SseClient acme = fixture.open(fixture.tokens.forTenant("acme"))) {
      String connection = acme.next().payload().getString("connectionId");
      redis.publish("dashboard-update-acme", "{\"before\":\"outage\"}");
      assertEquals("outage", acme.nextContent().payload().getString("before"));

      redis.kill();
      awaitReady(503);
      assertEquals("DOWN", http.get("/ready").json().getJsonObject("checks").getString("broker"));
      assertTrue(!acme.awaitEnd(Duration.ofMillis(1)), "the stream stays open during the outage");

      redis.restart();
      awaitReady(200);
      assertToldOfTheOutage(acme);
      // Redis came back empty: its history (epoch) is new, so the stream cannot know what it missed, and is told.
      assertEquals("EVENTS_MISSED", acme.nextContent().payload().getString("code"));
      SseEvent event = publishUntilDelivered(redis, acme, "dashboard-update-acme");
      assertEquals("outage", event.payload().getString("after"));
      assertEquals(1, service.stats().getJsonObject("broker").getLong("reconnects"));
      assertEquals(1, service.stats().getJsonObject("connections").getInteger("total"),
          "still the same stream: " + connection);
    }
  }

  @Test
  void resubscribesAfterItsConnectionIsKilled() {
    try (SseClient acme = fixture.stream("acme")) {
      long killed = redis.command(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("pubsub")).toLong();
      assertEquals(2, killed, "the service's subscriber connection, and its figures relay's (the admin page's)");
      service.awaitStats(s -> s.getJsonObject("broker").getLong("reconnects") == 1
          && s.getJsonObject("broker").getBoolean("subscribed"), "a reconnect");
      assertToldOfTheOutage(acme);
      assertEquals("outage", publishUntilDelivered(redis, acme, "notification-acme").payload().getString("after"));
    }
  }

  @Test
  void startsAndServesWhileRedisIsDownThenConnects() {
    redis.kill();
    TestService late = fixture.startAnotherUnready(new JsonObject());
    Http client = fixture.http(late);
    assertEquals(200, client.get("/health").status());
    assertEquals(503, client.get("/ready").status());
    redis.restart();
    late.awaitStats(s -> s.getJsonObject("broker").getBoolean("subscribed"), "subscribed once Redis is up");
  }
}
