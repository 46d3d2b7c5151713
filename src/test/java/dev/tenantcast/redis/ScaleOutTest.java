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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** Two service instances on one Redis: each publish reaches every client of both, exactly once. */
@ExtendWith(VertxExtension.class)
class ScaleOutTest {
  private static final int MESSAGES = 50;
  private static ServiceFixture fixture;
  private static TestRedis redis;
  private static TestService first;
  private static TestService second;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx);
    redis = fixture.redis;
    first = fixture.service;
    second = fixture.startAnother(new JsonObject());
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  private static List<SseClient> streams(String tenant) {
    List<SseClient> streams = new ArrayList<>();
    for (TestService instance : List.of(first, second, first, second)) {
      streams.add(fixture.stream(instance, tenant));
    }
    return streams;
  }

  @Test
  void oneRedisPublishReachesTheClientsOfBothInstancesExactlyOnce() {
    assertNotEquals(first.stats().getString("instanceId"), second.stats().getString("instanceId"));
    List<SseClient> streams = streams("acme");
    try {
      for (int n = 0; n < MESSAGES; n++) {
        assertEquals(2, redis.publish("dashboard-update-acme", new JsonObject().put("n", n).encode()),
            "each instance has one subscriber connection");
      }
      redis.publish("dashboard-update-acme", "{\"end\":true}");
      for (SseClient client : streams) {
        // In order and without duplicates: a second copy of any message would show up before the end marker.
        for (int n = 0; n < MESSAGES; n++) {
          assertEquals(n, client.nextContent().payload().getInteger("n"));
        }
        assertEquals(true, client.nextContent().payload().getBoolean("end"));
      }
    } finally {
      streams.forEach(SseClient::close);
    }
  }

  @Test
  void anEventPostedToOneInstanceReachesTheClientsOfBothWithTheSameId() {
    List<SseClient> streams = streams("globex");
    try {
      Http.Reply reply = fixture.http(second).postJson("/api/events", fixture.tokens.forTenant("globex", "publisher"),
          new JsonObject().put("tenant", "globex").put("type", "NOTIFICATION")
              .put("data", new JsonObject().put("via", "second")).encode());
      assertEquals(202, reply.status());
      redis.publish("notification-globex", "{\"end\":true}");
      for (SseClient client : streams) {
        SseEvent event = client.nextContent();
        assertEquals(reply.json().getString("id"), event.json().getString("id"));
        assertEquals("second", event.payload().getString("via"));
        assertEquals(true, client.nextContent().payload().getBoolean("end"));
      }
    } finally {
      streams.forEach(SseClient::close);
    }
  }
}
