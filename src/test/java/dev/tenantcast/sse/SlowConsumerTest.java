package dev.tenantcast.sse;

import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading while 10,000 messages flow: it is disconnected when its buffer overflows, counted, the
 * client beside it receives everything, and the heap stays bounded (the service runs in this JVM).
 */
@ExtendWith(VertxExtension.class)
class SlowConsumerTest {
  private static final int MESSAGES = 10_000;
  private static final int BUFFER_BYTES = 64 * 1024;
  private static final long HEAP_BOUND = 48L * 1024 * 1024;

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
          redis.publishAll("dashboard-update-acme", payloads);
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
