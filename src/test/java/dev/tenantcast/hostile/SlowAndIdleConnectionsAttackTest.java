package dev.tenantcast.hostile;

import dev.tenantcast.testing.RawConnections;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks that hold connections without finishing a request: before, 200 slowloris connections (a head at one byte a
 * second) and 2,000 idle ones were held for as long as the attacker liked, and a promised body never sent got no
 * answer. Now each is closed when its timeout passes, while /health and open streams keep being served.
 */
@ExtendWith(VertxExtension.class)
class SlowAndIdleConnectionsAttackTest {
  private static final int TIMEOUT_MILLIS = 2000;
  private static final int SLOWLORIS = 200;
  private static final int IDLE = 2000;
  private static final int UNSENT_BODIES = 50;

  @Test
  void slowHeadsIdleSocketsAndUnsentBodiesAreClosedOnTime(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("headerTimeoutMillis", TIMEOUT_MILLIS).put("bodyTimeoutMillis", TIMEOUT_MILLIS)
        .put("idleTimeoutMillis", TIMEOUT_MILLIS)));
         SseClient stream = fixture.stream("acme");
         RawConnections slow = new RawConnections(vertx);
         RawConnections idle = new RawConnections(vertx);
         RawConnections unsent = new RawConnections(vertx)) {
      int port = fixture.service.port();
      String publisher = fixture.tokens.forTenant("acme", "publisher");
      slow.open(port, SLOWLORIS, 200, i -> Buffer.buffer("G"));
      idle.open(port, IDLE, 500, i -> Buffer.buffer());
      unsent.open(port, UNSENT_BODIES, 50, i -> Buffer.buffer("POST /api/events HTTP/1.1\r\nHost: x\r\n"
          + "Authorization: Bearer " + publisher + "\r\nContent-Type: application/json\r\n"
          + "Content-Length: 1000\r\n\r\n{"));
      // The slow heads go on, one byte at a time, while the service keeps serving everyone else.
      int healthy = 0;
      int probes = 0;
      for (String next : "ET /health HTTP/1.1\r\nHost: x\r\n".split("")) {
        slow.writeToAll(Buffer.buffer(next));
        probes++;
        healthy += fixture.http.get("/health").status() == 200 ? 1 : 0;
        if (slow.closedByServer() == SLOWLORIS) {
          break;
        }
        fixture.redis.publish("dashboard-update-acme", "{\"probe\":" + probes + "}");
        assertEquals(probes, stream.nextContent().payload().getInteger("probe"), "the open stream keeps delivering");
      }
      assertTrue(slow.awaitClosed(SLOWLORIS, 3L * TIMEOUT_MILLIS), "slowloris closed: " + slow.closedByServer());
      assertTrue(idle.awaitClosed(IDLE, 3L * TIMEOUT_MILLIS), "idle closed: " + idle.closedByServer());
      assertTrue(unsent.awaitClosed(UNSENT_BODIES, 3L * TIMEOUT_MILLIS), "unsent closed: " + unsent.closedByServer());
      assertEquals(Map.of("HTTP/1.1 408 Request Timeout", UNSENT_BODIES), unsent.answers());
      assertEquals(probes, healthy, "every /health probe during the attack answered 200");
      double slowest = Math.max(slow.secondsUntilLastClosed(), Math.max(idle.secondsUntilLastClosed(),
          unsent.secondsUntilLastClosed()));
      assertTrue(slowest < 2.0 * TIMEOUT_MILLIS / 1000, "all closed within twice the timeout: " + slowest + " s");
      JsonObject refused = fixture.service.stats().getJsonObject("refusedByLimit");
      assertTrue(refused.getLong("HEADER_TIMEOUT") >= SLOWLORIS + IDLE, refused.encode());
      assertEquals(UNSENT_BODIES, refused.getLong("BODY_TIMEOUT"));
      System.out.printf("[attack] %d slowloris, %d idle, %d unsent bodies, timeouts %d ms: closed after %.2f / %.2f / "
              + "%.2f s (from the first connection); /health %d of %d probes 200; the stream delivered every probe "
              + "event; refused %s%n", SLOWLORIS, IDLE, UNSENT_BODIES, TIMEOUT_MILLIS, slow.secondsUntilLastClosed(),
          idle.secondsUntilLastClosed(), unsent.secondsUntilLastClosed(), healthy, probes, refused.encode());
    }
  }

  @Test
  void connectionsBeyondTheCapAreClosedAtOnceAndTheRestServed(Vertx vertx) {
    int cap = 300;
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("maxStreams", 100).put("maxConnections", cap).put("headerTimeoutMillis", TIMEOUT_MILLIS)));
         RawConnections idle = new RawConnections(vertx)) {
      idle.open(fixture.service.port(), cap + 100, 100, i -> Buffer.buffer());
      // The service's own HTTP client holds a connection too; every one beyond the cap is closed at once.
      assertTrue(idle.awaitClosed(100, TIMEOUT_MILLIS / 2), "over the cap closed at once: " + idle.closedByServer());
      long refused = fixture.service.stats().getJsonObject("refusedByLimit").getLong("CONNECTIONS");
      assertTrue(refused >= 100, "counted: " + refused);
      assertTrue(idle.awaitClosed(cap + 100, 3L * TIMEOUT_MILLIS), "the rest closed by the header timeout");
      assertEquals(200, fixture.http.get("/health").status(), "served again once they are gone");
      System.out.printf("[attack] %d idle connections against a cap of %d: %d refused at once, all closed after "
          + "%.2f s%n", cap + 100, cap, refused, idle.secondsUntilLastClosed());
    }
  }
}
