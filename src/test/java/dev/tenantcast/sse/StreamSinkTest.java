package dev.tenantcast.sse;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes below Vert.x's HTTP encoder only where the pipeline is what {@link VertxInternals} expects: with HTTP
 * compression on, a compressor sits after the encoder, so streams go through the response, and stay valid.
 */
@ExtendWith(VertxExtension.class)
class StreamSinkTest {

  /** Which sink a real Vert.x server's request gets, with the given options. */
  private static boolean directFor(Vertx vertx, HttpServerOptions options) throws Exception {
    Promise<Boolean> direct = Promise.promise();
    HttpServer server = vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(request -> {
      direct.tryComplete(StreamSink.of(request).direct());
      request.response().end();
    }).listen().await(10, TimeUnit.SECONDS);
    try {
      vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
          .compose(r -> r.send()).await(10, TimeUnit.SECONDS);
      return direct.future().await(10, TimeUnit.SECONDS);
    } finally {
      server.close();
    }
  }

  @Test
  void theVertxPipelineIsTheShapeThatDirectWritesRelyOn(Vertx vertx) throws Exception {
    assertTrue(directFor(vertx, new HttpServerOptions().setHttp2ClearTextEnabled(false)),
        "Vert.x's HTTP/1.1 pipeline changed shape: recheck VertxInternals against this Vert.x version");
  }

  @Test
  void aCompressorAfterTheEncoderTurnsDirectWritesOff(Vertx vertx) throws Exception {
    assertFalse(directFor(vertx, new HttpServerOptions().setCompressionSupported(true)));
    assertFalse(directFor(vertx, new HttpServerOptions().setHttp2ClearTextEnabled(true)), "nor the h2c upgrader");
  }

  @Test
  void aBurstReachesEveryStreamOfATenantWholeAndInOrderThroughTheSharedBatches(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject())) {
      java.util.List<SseClient> streams = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          streams.add(SseClient.open(vertx, fixture.service.port(), fixture.tokens.forTenant("acme")));
          assertEquals("CONNECTED", streams.get(i).next().type());
          streams.get(i).mostEventsInOneChunk(); // the first write may carry more than CONNECTED: not counted
        }
        int events = 300;
        // pipelined, so that the subscriber reads many at once and a pass has several events of the tenant
        fixture.redis.publishAll("dashboard-update-acme", java.util.stream.IntStream.range(0, events)
            .mapToObj(n -> new JsonObject().put("n", n).put("key", "k" + n).put("pad", "x".repeat(n % 7 * 100))
                .encode()).toList());
        for (SseClient stream : streams) {
          for (int n = 0; n < events; n++) {
            SseEvent event = stream.nextContent();
            assertEquals(n, event.payload().getInteger("n"));
            assertEquals(java.util.Set.of("id", "data"), event.fields().keySet());
          }
          // frames written one by one are one chunk each: several events in a chunk come from a shared batch
          assertTrue(stream.mostEventsInOneChunk() > 1, "no shared batch reached the socket");
        }
      } finally {
        streams.forEach(SseClient::close);
      }
    }
  }

  @Test
  void aSharedBatchIsOneHttpChunkOfItsFramesFromWhereAStreamJoined() {
    SharedBatch batch = new SharedBatch(2);
    for (String text : java.util.List.of("data: 1\n\n", "data: 22\n\n", "data: 333\n\n")) {
      batch.add(new WireFrame(io.vertx.core.buffer.Buffer.buffer(text)));
    }
    assertEquals("1e\r\ndata: 1\n\ndata: 22\n\ndata: 333\n\n\r\n",
        batch.chunk(0).toString(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("15\r\ndata: 22\n\ndata: 333\n\n\r\n",
        batch.chunk(1).toString(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("b\r\ndata: 333\n\n\r\n", batch.chunk(2).toString(java.nio.charset.StandardCharsets.US_ASCII),
        "one frame: its own chunk");
  }

  @Test
  void streamsStayValidWithHttpCompressionOn(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("compression", true)))) {
      // A client that asks for gzip but does not decompress: a compressed stream would not parse.
      try (SseClient stream = SseClient.open(vertx, new HttpClientOptions().setKeepAlive(false), fixture.service.port(),
          "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant("acme"),
          Http.headers("Accept-Encoding", "gzip, deflate"))) {
        assertEquals("CONNECTED", stream.next().type());
        for (int n = 0; n < 50; n++) {
          fixture.redis.publish("dashboard-update-acme", new JsonObject().put("n", n).put("pad", "x".repeat(n * 40))
              .encode());
        }
        for (int n = 0; n < 50; n++) {
          SseEvent event = stream.nextContent();
          assertEquals(n, event.payload().getInteger("n"));
          assertEquals(java.util.Set.of("id", "data"), event.fields().keySet());
        }
        assertTrue(stream.header("Content-Encoding") == null || "identity".equals(stream.header("Content-Encoding")),
            "the stream itself is never compressed");
      }
      // ...while other answers are, so compression is really on.
      String encoding = vertx.createHttpClient().request(HttpMethod.GET, fixture.service.port(), "127.0.0.1",
              "/tenantcast-client.js")
          .compose(r -> r.putHeader("Accept-Encoding", "gzip").send()).map(r -> r.getHeader("Content-Encoding"))
          .await();
      assertEquals("gzip", encoding);
    }
  }
}
