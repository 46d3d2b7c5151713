package dev.tenantcast.resume;

import dev.tenantcast.testing.LogLines;
import dev.tenantcast.testing.NumberedEvents;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis frozen and Redis killed under open streams and a steady publisher (50 numbered events a second): the fault is
 * detected, streams are told, resubscription follows within a second of Redis answering, every event Redis accepted
 * into history reaches every stream once, and nothing refused is published behind the caller's back.
 */
@ExtendWith(VertxExtension.class)
class RedisFaultsTest {
  private static final int RATE = 50;

  private static ServiceFixture start(Vertx vertx) {
    return ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("publishTimeoutMillis", 2000).put("publishesPerSecondPerToken", 100_000)
            .put("publishesPerSecondPerTenant", 100_000)));
  }

  @Test
  void aFrozenRedisIsDetectedAndEveryAcceptedEventArrivesOnceAfterIt(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = start(vertx); SseClient a = fixture.stream("acme");
         SseClient b = fixture.stream("acme")) {
      NumberedEvents events = new NumberedEvents();
      NumberedEvents other = new NumberedEvents();
      long end = System.currentTimeMillis() + 16_000;
      Thread readerB = new Thread(() -> other.read(b, end));
      readerB.start();
      events.startPublishing(fixture.http, fixture.tokens.forTenant("acme", "publisher"), "acme", RATE);
      Thread faults = new Thread(() -> {
        pause(2000);
        fixture.redis.freeze();
        pause(8000);
        fixture.redis.thaw();
      });
      long frozenAt = System.currentTimeMillis() + 2000;
      faults.start();
      Thread stopper = new Thread(() -> {
        pause(13_000);
        try {
          events.stopPublishing();
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      });
      stopper.start();
      events.read(a, end);
      faults.join();
      stopper.join();
      readerB.join();
      long thawedAt = frozenAt + 8000;
      NumberedEvents.Received degraded = events.first("STATUS", "DEGRADED");
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      assertNotNull(degraded, "the streams were told that delivery is degraded");
      assertNotNull(restored, "and that it was restored");
      NumberedEvents.Figures figures = events.figures();
      long detect = degraded.atMillis() - frozenAt;
      long recover = restored.atMillis() - thawedAt;
      System.out.printf("[fault] Redis frozen 8 s: %s; the other stream %s; detected after %d ms, restored %d ms after "
          + "the thaw%n", figures, other.figures(), detect, recover);
      assertEquals(0, figures.lost(), "every accepted event arrived");
      assertEquals(0, figures.duplicated());
      assertEquals(0, figures.deliveredThoughRefused(), "no refused publish was published behind the caller's back");
      assertEquals(0, other.figures().lost());
      assertEquals(0, other.figures().duplicated());
      assertTrue(detect <= 5000, "detected within 5 s: " + detect);
      assertTrue(recover <= 2000, "restored within 2 s of the thaw: " + recover);
      assertIncreasing(events.order());
    }
  }

  @Test
  void aKilledRedisIsDetectedAndStreamsAreToldWhatCannotBeReplayed(Vertx vertx) throws Exception {
    try (LogLines log = LogLines.of("dev.tenantcast.redis.RedisLink"); ServiceFixture fixture = start(vertx);
         SseClient stream = fixture.stream("acme")) {
      NumberedEvents events = new NumberedEvents();
      long end = System.currentTimeMillis() + 12_000;
      events.startPublishing(fixture.http, fixture.tokens.forTenant("acme", "publisher"), "acme", RATE);
      long killedAt = System.currentTimeMillis() + 2000;
      long[] restartedAt = new long[1];
      long[] refusedMillis = new long[1];
      int[] publishedBeforeRestart = new int[1];
      Thread faults = new Thread(() -> {
        pause(2000);
        fixture.redis.kill();
        pause(1000);
        long asked = System.currentTimeMillis();
        int status = fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
            new JsonObject().put("type", "NOTIFICATION").put("data", new JsonObject()).encode()).status();
        refusedMillis[0] = System.currentTimeMillis() - asked;
        assertEquals(503, status);
        pause(2000);
        publishedBeforeRestart[0] = events.published();
        fixture.redis.restart();
        restartedAt[0] = System.currentTimeMillis();
        pause(4000);
        try {
          events.stopPublishing();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      faults.start();
      events.read(stream, end);
      faults.join();
      NumberedEvents.Received degraded = events.first("STATUS", "DEGRADED");
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      assertNotNull(degraded);
      assertNotNull(restored);
      NumberedEvents.Figures figures = events.figures();
      boolean told = events.first("ERROR", "EVENTS_MISSED") != null;
      System.out.printf("[fault] Redis killed, restarted empty 3 s later: %s; detected after %d ms, resubscribed and "
              + "restored %d ms after the restart; a publish during the outage was refused in %d ms; told of missed "
              + "events: %s; lost numbers %s (published before the restart: %d)%n", figures,
          degraded.atMillis() - killedAt, restored.atMillis() - restartedAt[0], refusedMillis[0], told,
          events.lostNumbers(), publishedBeforeRestart[0]);
      assertTrue(told, "the history was lost with Redis (a new epoch), so the stream cannot know: it is told");
      // An event the killed Redis accepted but had not yet pushed to the subscriber is gone with its history (told
      // above); every event the restarted Redis accepted arrives, from the new epoch's history if not live.
      List<Integer> lostAfterRestart = events.lostNumbers().stream().filter(n -> n > publishedBeforeRestart[0])
          .toList();
      assertEquals(List.of(), lostAfterRestart, "lost: " + events.lostNumbers());
      assertEquals(0, figures.duplicated());
      assertTrue(restored.atMillis() - restartedAt[0] <= 1500, "resubscribed within a second or so of the restart");
      assertTrue(refusedMillis[0] < 1000, "publishes fail fast while Redis is down");
      assertIncreasing(events.order());
      // the outage is in the log once per connection, not at each of its retries (several a second)
      Map<Object, Long> linesPerConnection = log.containing("connection unavailable").stream()
          .collect(Collectors.groupingBy(line -> line.getArgumentArray()[0], Collectors.counting()));
      System.out.printf("[fault] Redis killed for 3 s: 'connection unavailable' lines per connection %s%n",
          linesPerConnection);
      assertFalse(linesPerConnection.isEmpty(), "the outage is in the log");
      linesPerConnection.forEach((connection, lines) -> assertEquals(1, lines, connection + " logged " + lines));
    }
  }

  private static void assertIncreasing(List<Integer> order) {
    for (int i = 1; i < order.size(); i++) {
      assertTrue(order.get(i) > order.get(i - 1), "in order: " + order.get(i - 1) + " then " + order.get(i));
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis); // the fault's schedule, not a wait for an event
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

}
