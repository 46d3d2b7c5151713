package dev.tenantcast.resume;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.NumberedEvents;
import dev.tenantcast.testing.ServiceProcess;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An instance that stops (SIGTERM, a deploy) or dies (kill -9) under an open stream, each in a JVM of its own, while
 * a publisher keeps sending 50 numbered events a second through the other instance: the client reconnects to the
 * other instance with its last event id and loses nothing. A SIGTERM drains: the stream is told to reconnect after a
 * random delay, and the process exits 0.
 */
@ExtendWith(VertxExtension.class)
class InstanceFaultsTest {
  private static final List<String> JVM = List.of("-XX:+UseSerialGC", "-Xmx256m");
  private static final Map<String, String> ENV = Map.of("TENANTCAST_HTTP_RECONNECT_SPREAD_MILLIS", "1000",
      "TENANTCAST_HTTP_PUBLISHES_PER_SECOND_PER_TOKEN", "1000");

  @Test
  void aSigtermDrainsTheStreamWhichResumesElsewhereAndTheProcessExitsZero(Vertx vertx) throws Exception {
    try (TestRedis redis = TestRedis.start();
         ServiceProcess leaving = ServiceProcess.start(redis.url(), JVM, ENV);
         ServiceProcess staying = ServiceProcess.start(redis.url(), JVM, ENV);
         Http toStaying = new Http(vertx, staying.port())) {
      Tokens tokens = new Tokens(vertx);
      NumberedEvents events = new NumberedEvents();
      SseClient first = SseClient.open(vertx, leaving.port(), tokens.forTenant("acme"));
      assertEquals("CONNECTED", first.next().type());
      events.startPublishing(toStaying, tokens.forTenant("acme", "publisher"), "acme", 50);
      long[] exit = new long[2];
      Thread stop = new Thread(() -> {
        try {
          Thread.sleep(1500); // let events flow first
          long signalled = System.currentTimeMillis();
          exit[0] = leaving.terminate(Duration.ofSeconds(30));
          exit[1] = System.currentTimeMillis() - signalled;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      stop.start();
      events.read(first, System.currentTimeMillis() + 10_000);
      first.close();
      NumberedEvents.Received farewell = events.first("ERROR", "SERVER_SHUTDOWN");
      assertNotNull(farewell, "the stream was told to reconnect");
      int delay = farewell.data().getInteger("reconnectAfterMillis");
      assertTrue(delay >= 1 && delay <= 1000, "a random delay within http.reconnectSpreadMillis: " + delay);
      String last = lastContentId(events);
      SseClient second = SseClient.open(vertx, staying.port(), "/api/sse/dashboard?access_token="
          + tokens.forTenant("acme"), Http.headers("Last-Event-ID", last));
      assertEquals(true, second.next().payload().getJsonObject("resume").getBoolean("resumed"));
      long end = System.currentTimeMillis() + 3000;
      Thread.sleep(1000); // publishing goes on a moment on the new stream
      events.stopPublishing();
      events.read(second, end);
      second.close();
      stop.join();
      NumberedEvents.Figures figures = events.figures();
      System.out.printf("[fault] SIGTERM: exit code %d after %d ms; the client reconnected after %d ms as told; %s%n",
          exit[0], exit[1], delay, figures);
      assertEquals(0, exit[0], "exit code");
      assertEquals(0, figures.lost());
      assertEquals(0, figures.duplicated());
    }
  }

  @Test
  void aKilledInstancesClientReconnectsElsewhereAndLosesNothing(Vertx vertx) throws Exception {
    try (TestRedis redis = TestRedis.start();
         ServiceProcess dying = ServiceProcess.start(redis.url(), JVM, ENV);
         ServiceProcess staying = ServiceProcess.start(redis.url(), JVM, ENV);
         Http toStaying = new Http(vertx, staying.port())) {
      Tokens tokens = new Tokens(vertx);
      NumberedEvents events = new NumberedEvents();
      SseClient first = SseClient.open(vertx, dying.port(), tokens.forTenant("acme"));
      assertEquals("CONNECTED", first.next().type());
      events.startPublishing(toStaying, tokens.forTenant("acme", "publisher"), "acme", 50);
      Thread kill = new Thread(() -> {
        try {
          Thread.sleep(1500);
          dying.kill();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      kill.start();
      events.read(first, System.currentTimeMillis() + 4000); // ends when the connection dies
      kill.join();
      first.close();
      Thread.sleep(1000); // the client's reconnect delay: events published meanwhile must not be lost
      String last = lastContentId(events);
      SseClient second = SseClient.open(vertx, staying.port(), "/api/sse/dashboard?access_token="
          + tokens.forTenant("acme"), Http.headers("Last-Event-ID", last));
      int replayed = second.next().payload().getJsonObject("resume").getInteger("replayed");
      long end = System.currentTimeMillis() + 3000;
      Thread.sleep(1000);
      events.stopPublishing();
      events.read(second, end);
      second.close();
      NumberedEvents.Figures figures = events.figures();
      System.out.printf("[fault] kill -9, reconnect elsewhere after 1 s: %d events replayed; %s%n", replayed, figures);
      assertTrue(replayed >= 40, "about a second of events replayed: " + replayed);
      assertEquals(0, figures.lost());
      assertEquals(0, figures.duplicated());
    }
  }

  private static String lastContentId(NumberedEvents events) {
    List<NumberedEvents.Received> received = events.received();
    for (int i = received.size() - 1; i >= 0; i--) {
      if (received.get(i).id() != null) {
        return received.get(i).id();
      }
    }
    throw new AssertionError("no content event received");
  }
}
