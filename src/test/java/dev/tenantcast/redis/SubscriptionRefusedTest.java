package dev.tenantcast.redis;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.LogLines;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
