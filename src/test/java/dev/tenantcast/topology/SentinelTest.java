package dev.tenantcast.topology;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.NumberedEvents;
import dev.tenantcast.testing.TestRedisSentinel;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;

import static dev.tenantcast.topology.RedisClusterTest.pause;
import static dev.tenantcast.topology.RedisClusterTest.stopQuietly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tenantcast on a real Redis with Sentinel (a master, a replica, three sentinels, started and killed here): the
 * master is found through the sentinels, and when it is killed and the sentinels promote the replica, subscriptions
 * and publishes move to the new master without a restart, and no event written to history is lost.
 */
@ExtendWith(VertxExtension.class)
class SentinelTest {
  private static final int RATE = 50;

  @Test
  void theMasterKilledIsFollowedToThePromotedReplicaAndNoEventInHistoryIsLost(Vertx vertx) throws Exception {
    try (TestRedisSentinel sentinel = TestRedisSentinel.start();
         TestService service = TestService.start(null, new JsonObject()
             .put("redis", new JsonObject().put("mode", "sentinel").put("embedded", "never")
                 .put("endpoints", new JsonArray(sentinel.sentinels()))
                 .put("masterName", TestRedisSentinel.MASTER_NAME))
             .put("http", new JsonObject().put("publishTimeoutMillis", 2000)
                 .put("publishesPerSecondPerToken", 100_000).put("publishesPerSecondPerTenant", 100_000)));
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      RedisClusterTest.Watched watched = RedisClusterTest.watch(vertx, service, tokens, "acme");
      NumberedEvents events = watched.events();
      List<Integer> readiness = new ArrayList<>();
      long[] killedAt = new long[1];
      long[] promotedAt = new long[1];
      int[] masters = new int[2];
      Thread operator = new Thread(() -> {
        pause(2000);
        killedAt[0] = System.currentTimeMillis();
        masters[0] = sentinel.killMaster();
        readiness.add(RedisClusterTest.readyStatus(http, 503));
        masters[1] = sentinel.awaitNewMaster(masters[0]);
        promotedAt[0] = System.currentTimeMillis();
        pause(4000);
        readiness.add(RedisClusterTest.readyStatus(http, 200));
        stopQuietly(events);
      });
      RedisClusterTest.throughFault(operator, http, tokens, watched);

      NumberedEvents.Received degraded = events.first("STATUS", "DEGRADED");
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      assertNotNull(degraded, "the stream was told that delivery is degraded");
      assertNotNull(restored, "and that it was restored");
      NumberedEvents.Figures figures = events.figures();
      System.out.printf("[sentinel] master %d killed, replica %d promoted after %d ms: %s; detected after %d ms, "
              + "deliveries restored %d ms after the kill (%d ms after the promotion); /ready during and after: %s%n",
          masters[0], masters[1], promotedAt[0] - killedAt[0], figures, degraded.atMillis() - killedAt[0],
          restored.atMillis() - killedAt[0], restored.atMillis() - promotedAt[0], readiness);
      assertEquals(List.of(503, 200), readiness, "/ready says what is happening");
      assertEquals(0, figures.lost(), "every event written to history arrived");
      assertEquals(0, figures.duplicated());
      // one publish at a time: only the one in flight when the master died can have run there without its answer
      // reaching us (the caller got 503; a retry with the same Idempotency-Key would have been deduplicated)
      assertTrue(figures.deliveredThoughRefused() <= 1, figures.toString());
      List<Integer> order = events.order();
      assertTrue(order.get(order.size() - 1) > figures.sent() - RATE, "deliveries flow again from the new master");
    }
  }
}
