package dev.tenantcast.redis;

import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Interest mode: an instance subscribes to a tenant's channels only while it has streams of that tenant. */
@ExtendWith(VertxExtension.class)
class InterestSubscriptionTest {
  private ServiceFixture fixture;
  private TestRedis redis;
  private TestService service;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("redis", new JsonObject().put("subscriptionMode", "interest")));
    redis = fixture.redis;
    service = fixture.service;
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /**
   * The channels subscribed, but the instance's own canary (its freeze detection) and the admin page's figures, which
   * are always there.
   */
  private Set<String> channels() {
    Set<String> names = new TreeSet<>();
    for (Response channel : redis.command(Request.cmd(Command.PUBSUB).arg("CHANNELS"))) {
      if (!channel.toString().startsWith("tenantcast:canary:") && !channel.toString().equals("tenantcast:figures")) {
        names.add(channel.toString());
      }
    }
    return names;
  }

  private Set<String> awaitChannels(Predicate<Set<String>> condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Set<String> names = channels();
    while (!condition.test(names) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      names = channels();
    }
    return names;
  }

  @Test
  void subscribesToATenantOnlyWhileItHasStreams() {
    assertEquals(Set.of("system-alert"), channels());
    assertEquals(0, redis.command(Request.cmd(Command.PUBSUB).arg("NUMPAT")).toInteger());

    try (SseClient acme = fixture.stream("acme"); SseClient again = fixture.stream("acme")) {
      // Subscribed before CONNECTED was sent: a publish right after it arrives.
      assertEquals(Set.of("dashboard-update-acme", "notification-acme", "system-alert"), channels());
      assertEquals(1, redis.publish("dashboard-update-acme", "{\"n\":1}"));
      assertEquals(0, redis.publish("dashboard-update-globex", "{\"n\":1}"), "no streams of globex here");
      assertEquals(1, acme.nextContent().payload().getInteger("n"));
      assertEquals(1, again.nextContent().payload().getInteger("n"));
      redis.publish("system-alert", "{\"level\":\"info\"}");
      assertEquals("SYSTEM_ALERT", acme.nextContent().type());
    }
    assertEquals(Set.of("system-alert"), awaitChannels(c -> c.size() == 1), "unsubscribed with the last stream");
  }

  @Test
  void resubscribesItsTenantsAfterARedisRestart() {
    try (SseClient acme = fixture.stream("acme")) {
      redis.kill();
      service.awaitStats(s -> !s.getJsonObject("broker").getBoolean("subscribed"), "the outage");
      redis.restart();
      service.awaitStats(s -> s.getJsonObject("broker").getBoolean("subscribed"), "resubscribed");
      assertEquals(Set.of("dashboard-update-acme", "notification-acme", "system-alert"), channels());
      // told of the outage, and (Redis came back empty) that what was missed cannot be replayed
      assertEquals("DEGRADED", acme.nextContent().payload().getString("state"));
      assertEquals("RESTORED", acme.nextContent().payload().getString("state"));
      assertEquals("EVENTS_MISSED", acme.nextContent().payload().getString("code"));
      redis.publish("notification-acme", "{\"after\":\"restart\"}");
      assertEquals("restart", acme.nextContent().payload().getString("after"));
    }
  }
}
