package dev.tenantcast.sse;

import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SlowReader;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedis;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clients slower than their events. One that reads at a tenth of the publish rate keeps its stream, with the latest
 * dashboard state of every key and every notification (latest-state delivery). One that stops reading while 10,000
 * notifications flow is disconnected once even its backlog is full, and counted; the heap stays bounded (the service
 * runs in this JVM). The client beside each gets everything.
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {
  private static final int MESSAGES = 10_000;
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long HEAP_BOUND = 48L * 1024 * 1024;

  @Test
  void aClientReadingAtATenthOfThePublishRateEndsWithTheLatestStateOfEveryKeyAndEveryNotification(Vertx vertx)
      throws Exception {
    int events = 3000;
    int perRound = 50;
    long roundNanos = 50_000_000L; // 1,000 events a second
    String pad = "x".repeat(500);
    int bytesPerSecond = 1000 * 600 / 10; // each frame is about 600 bytes: a tenth of the publish rate
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("streamBufferBytes", 16 * 1024).put("streamBacklogBytes", 128 * 1024)
        .put("streamSendBufferBytes", 16 * 1024)
        .put("heartbeatSeconds", 3600))); // no heartbeat to collapse: every collapsed frame is an update
         SseClient fast = fixture.stream("acme");
         SlowReader slow = SlowReader.open(fixture.service.port(),
             "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant("acme"), bytesPerSecond)) {
      assertEquals("CONNECTED", slow.await(received -> !received.isEmpty(), Duration.ofSeconds(10), "CONNECTED")
          .get(0).type());

      // numbered events: every 20th a notification, the others updates of four keys
      List<Map.Entry<String, String>> plan = new ArrayList<>();
      Map<String, Integer> lastOfKey = new TreeMap<>();
      List<Integer> notifications = new ArrayList<>();
      for (int n = 1; n <= events; n++) {
        JsonObject data = new JsonObject().put("n", n).put("pad", pad);
        if (n % 20 == 0) {
          plan.add(Map.entry("notification-acme", data.encode()));
          notifications.add(n);
        } else {
          String key = "k" + n % 4;
          plan.add(Map.entry("dashboard-update-acme", data.put("key", key).encode()));
          lastOfKey.put(key, n);
        }
      }
      long started = System.nanoTime();
      for (int round = 0; round * perRound < events; round++) {
        fixture.redis.publishAll(plan.subList(round * perRound, Math.min(events, (round + 1) * perRound)));
        long wait = started + (round + 1) * roundNanos - System.nanoTime();
        if (wait > 0) {
          java.util.concurrent.locks.LockSupport.parkNanos(wait); // the publisher's pace, not a synchronisation
        }
      }
      long publishMillis = (System.nanoTime() - started) / 1_000_000;
      for (int n = 1; n <= events; n++) {
        assertEquals(n, fast.nextContent().payload().getInteger("n"), "the fast client gets every event, in order");
      }

      Map<String, Integer> latest = new TreeMap<>();
      List<Integer> noticed = new ArrayList<>();
      List<SseEvent> received = slow.await(all -> {
        latest.clear();
        noticed.clear();
        for (SseEvent event : all) {
          if ("DASHBOARD_UPDATE".equals(event.type())) {
            latest.put(event.payload().getString("key"), event.payload().getInteger("n"));
          } else if ("NOTIFICATION".equals(event.type())) {
            noticed.add(event.payload().getInteger("n"));
          }
        }
        return latest.equals(lastOfKey) && noticed.size() >= notifications.size();
      }, Duration.ofSeconds(90), "the slow client's latest states and notifications");
      long tookMillis = (System.nanoTime() - started) / 1_000_000;

      assertEquals(notifications, noticed, "every notification, once, in order");
      Map<String, Integer> previous = new TreeMap<>();
      int updates = 0;
      for (SseEvent event : received) {
        if ("DASHBOARD_UPDATE".equals(event.type())) {
          updates++;
          int n = event.payload().getInteger("n");
          Integer before = previous.put(event.payload().getString("key"), n);
          assertTrue(before == null || n > before, "a key's states only move forward");
        }
      }
      JsonObject messages = fixture.service.stats().getJsonObject("messages");
      int published = events - notifications.size();
      System.out.printf("latest-state delivery: %d events published in %d ms (%d updates of 4 keys, %d notifications);"
              + " the slow client read %d bytes at %d B/s and received %d updates and %d notifications in %d ms;"
              + " collapsed %d frames (%d bytes); slow consumers closed %d%n",
          events, publishMillis, published,
          notifications.size(), slow.bytesRead(), bytesPerSecond, updates, noticed.size(), tookMillis,
          messages.getLong("collapsed"), messages.getLong("collapsedBytes"), messages.getLong("slowConsumersClosed"));
      assertTrue(updates < published / 2, "most updates collapsed: " + updates + " of " + published + " sent");
      assertEquals(published - updates, messages.getLong("collapsed"), "every update not sent was counted");
      assertEquals(0, messages.getLong("slowConsumersClosed"));
      assertFalse(slow.ended(), "the slow client's stream is still open");
    }
  }

  @Test
  void aClientThatStopsReadingIsDroppedAndTheOthersGetEverything(Vertx vertx) throws Exception {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("streamBufferBytes", BUFFER_BYTES)))) {
      TestRedis redis = fixture.redis;
      TestService service = fixture.service;
      Tokens tokens = fixture.tokens;
      HttpClient slowClient = vertx.createHttpClient();
      try (SseClient reader = fixture.stream("acme")) {
        CountDownLatch slowEnded = new CountDownLatch(1);
        HttpClientResponse slow = slowClient.request(HttpMethod.GET, service.port(), "127.0.0.1",
                "/api/sse/dashboard?access_token=" + tokens.forTenant("acme"))
            .compose(request -> request.send())
            .onSuccess(response -> {
              response.pause(); // stops reading: the socket fills up, then the server's queue
              response.request().connection().closeHandler(v -> slowEnded.countDown());
              response.handler(buffer -> { });
            })
            .await(10, TimeUnit.SECONDS);
        assertEquals(200, slow.statusCode());
        service.awaitStats(s -> s.getJsonObject("connections").getInteger("total") == 2, "two streams");

        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        long peakRetained = 0;
        String pad = "x".repeat(4000);
        for (int from = 0; from < MESSAGES; from += 1000) {
          List<String> payloads = new ArrayList<>();
          for (int n = from; n < from + 1000; n++) {
            payloads.add(new JsonObject().put("n", n).put("pad", pad).encode());
          }
          redis.publishAll("notification-acme", payloads);
          for (int n = from; n < from + 1000; n++) {
            assertEquals(n, reader.nextContent().payload().getInteger("n"), "in order, none lost");
          }
          System.gc();
          peakRetained = Math.max(peakRetained, memory.getHeapMemoryUsage().getUsed() - baseline);
        }

        JsonObject stats = service.awaitStats(s -> s.getJsonObject("messages").getLong("slowConsumersClosed") == 1
            && s.getJsonObject("connections").getInteger("total") == 1, "the slow stream dropped");
        assertTrue(stats.getJsonObject("messages").getLong("dropped") >= 1);
        slow.resume(); // reading again, the client finds its connection closed by the server
        assertTrue(slowEnded.await(10, TimeUnit.SECONDS), "the slow client's connection was closed");
        assertTrue(peakRetained < HEAP_BOUND, "heap grew by " + peakRetained / 1024 + " kB while "
            + MESSAGES * 4 / 1024 + " MB flowed");
      } finally {
        slowClient.close();
      }
    }
  }
}
