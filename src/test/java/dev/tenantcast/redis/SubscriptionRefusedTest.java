package dev.tenantcast.redis;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.LogLines;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redis whose user may not subscribe to the service's channels (an ACL without them): Redis refuses the
 * subscription with an error reply that no command waits for. The service must say so, with Redis's reason, and not
 * report itself ready; it used to drop the refusal in silence and stay unready with no word why.
 */
@ExtendWith(VertxExtension.class)
class SubscriptionRefusedTest {
  @Test
  void aSubscriptionThatRedisRefusesIsLoggedWithItsReasonAndTheServiceIsNotReady(Vertx vertx) throws Exception {
    try (LogLines lines = LogLines.of(ConnectionSubscriptions.class.getName()); TestRedis redis = TestRedis.start()) {
      // the canary and the alerts stay allowed; the tenants' channels (subscribed by pattern, the default) do not
      redis.command(Request.cmd(Command.ACL).arg("SETUSER").arg("default").arg("resetchannels")
          .arg("&system-alert").arg("&tenantcast:*"));
      try (TestService service = TestService.startUnready(redis.url(), new JsonObject());
           Http http = new Http(vertx, service.port())) {
        String refusal = lines.await("refused a subscription").getFormattedMessage();
        assertTrue(refusal.contains("NOPERM"), "Redis's reason is in the line: " + refusal);
        assertEquals(503, http.get("/ready").status(), "not ready while the tenants' channels are refused");
        System.out.printf("[refused] %s%n", refusal);
      }
    }
  }

  /**
   * In interest mode, a tenant whose channels Redis refuses (an ACL that lets the service use some tenants' channels,
   * not this one's): its first stream used to wait 30 s for a subscription that never came, then start with no word.
   * It starts at once and is told that delivery is degraded, as are the other streams (their broker misses events);
   * the service is not ready; once the operator grants the channels, the subscription is asked again and accepted,
   * every stream is told that delivery is restored, and the tenant's events flow.
   */
  @Test
  void aTenantWhoseChannelsRedisRefusesIsToldDegradedAtOnceAndServedOnceGranted(Vertx vertx) throws Exception {
    try (LogLines lines = LogLines.of(ConnectionSubscriptions.class.getName());
         ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("redis", new JsonObject()
             .put("subscriptionMode", "interest").put("reconnectMaxMillis", 1000)))) {
      fixture.redis.command(Request.cmd(Command.ACL).arg("SETUSER").arg("default").arg("resetchannels")
          .arg("&system-alert").arg("&tenantcast:*").arg("&*-acme"));
      try (SseClient acme = fixture.stream("acme")) {
        long openedAt = System.currentTimeMillis();
        try (SseClient beta = fixture.stream("beta")) {
          long connectedMillis = System.currentTimeMillis() - openedAt;
          assertEquals("DEGRADED", beta.nextContent().payload().getString("state"), "the new stream is told");
          assertEquals("DEGRADED", acme.nextContent().payload().getString("state"), "so is every other");
          assertTrue(lines.await("refused a subscription").getFormattedMessage().contains("NOPERM"));
          assertEquals(503, fixture.http.get("/ready").status(), "not ready while a tenant's channels are refused");

          fixture.redis.command(Request.cmd(Command.ACL).arg("SETUSER").arg("default").arg("allchannels"));
          long grantedAt = System.currentTimeMillis();
          assertEquals("RESTORED", beta.nextContent().payload().getString("state"));
          assertEquals("RESTORED", acme.nextContent().payload().getString("state"));
          long restoredMillis = System.currentTimeMillis() - grantedAt;
          fixture.service.awaitStats(s -> s.getJsonObject("broker").getBoolean("subscribed"), "subscribed again");
          assertEquals(1, fixture.redis.publish("notification-beta", "{\"n\":1}"), "subscribed to beta now");
          SseEvent event = beta.nextContent(Duration.ofSeconds(10));
          assertEquals(1, event.payload().getInteger("n"));
          System.out.printf("[refused] beta's first stream: CONNECTED after %d ms, then DEGRADED; channels granted: "
              + "RESTORED after %d ms, and beta's event delivered%n", connectedMillis, restoredMillis);
        }
      }
    }
  }
}
