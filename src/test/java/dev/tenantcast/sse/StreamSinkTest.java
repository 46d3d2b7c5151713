package dev.tenantcast.sse;

import dev.tenantcast.http.HttpVerticle;
import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes below Vert.x's HTTP encoder only where the pipeline is what {@link VertxInternals} expects: with HTTP
 * compression on, a compressor sits after the encoder, so streams go through the response, and stay valid.
 */
@ExtendWith(VertxExtension.class)
class StreamSinkTest {

  /** The sink a real Vert.x server's request gets, with the given options. */
  private static StreamSink sinkFor(Vertx vertx, HttpServerOptions options) throws Exception {
    Promise<StreamSink> sink = Promise.promise();
    HttpServer server = vertx.createHttpServer(options.setHost("127.0.0.1").setPort(0)).requestHandler(request -> {
      sink.tryComplete(StreamSink.of(request));
      request.response().end();
    }).listen().await(10, TimeUnit.SECONDS);
    try {
      vertx.createHttpClient().request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/")
          .compose(r -> r.send()).await(10, TimeUnit.SECONDS);
      return sink.future().await(10, TimeUnit.SECONDS);
    } finally {
      server.close();
    }
  }

  private static boolean directFor(Vertx vertx, HttpServerOptions options) throws Exception {
    return sinkFor(vertx, options).direct();
  }

  @Test
  void theVertxPipelineIsTheShapeThatDirectWritesRelyOn(Vertx vertx) throws Exception {
    assertTrue(directFor(vertx, HttpVerticle.serverOptions()),
        "Vert.x's HTTP/1.1 pipeline changed shape: recheck VertxInternals against this Vert.x version");
  }

  @Test
  void aCompressorAfterTheEncoderTurnsDirectWritesOff(Vertx vertx) throws Exception {
    assertFalse(directFor(vertx, HttpVerticle.serverOptions().setCompressionSupported(true)));
    assertFalse(directFor(vertx, HttpVerticle.serverOptions().setHttp2ClearTextEnabled(true)), "nor the h2c upgrader");
  }

  @Test
  void withoutStrictThreadModeVertxMayHoldWritesBackSoNothingGoesBelowIt(Vertx vertx) throws Exception {
    assertFalse(directFor(vertx, HttpVerticle.serverOptions().setStrictThreadMode(false)));
  }

  @Test
  void onTheNativeTransportFramesGoToTheSocketUnlessAHandlerBeforeTheEncoderMissesThemOrItLingers() throws Exception {
    Vertx epoll = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    try {
      assertTrue(epoll.isNativeTransportEnabled(), String.valueOf(epoll.unavailableNativeTransportCause()));
      assertTrue(sinkFor(epoll, HttpVerticle.serverOptions()).sendsToSocket(),
          "Vert.x's pipeline before the HTTP/1.1 encoder changed shape: recheck VertxInternals");
      StreamSink logged = sinkFor(epoll, HttpVerticle.serverOptions().setLogActivity(true));
      assertTrue(logged.direct(), "below the encoder, writes still pass the logging handler");
      assertFalse(logged.sendsToSocket(), "a send to the socket would not");
      assertFalse(sinkFor(epoll, HttpVerticle.serverOptions().setSoLinger(1)).sendsToSocket(),
          "with SO_LINGER, Netty closes the socket on another thread");
    } finally {
      epoll.close().await(10, TimeUnit.SECONDS);
    }
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

  /**
   * The service runs on Netty's native transport, as in production, where a frame with nothing waiting before it is
   * sent to the socket itself. A client that stops reading fills the socket, so one frame is taken only in part, and
   * its rest and the frames after it wait in Netty: once the client reads again, every event arrives whole, in order.
   */
  @Test
  void aFrameTheSocketTakesOnlyInPartIsFinishedInOrderOnceTheClientReadsAgain(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("streamSendBufferBytes", 8192)))) {
      assertTrue(fixture.service.vertx().isNativeTransportEnabled(), "the service runs on the native transport");
      HttpClient client = vertx.createHttpClient(new HttpClientOptions().setReceiveBufferSize(8192));
      try {
        int events = 30;
        Buffer received = Buffer.buffer();
        AtomicInteger bytes = new AtomicInteger();
        CompletableFuture<String> all = new CompletableFuture<>();
        HttpClientResponse response = client.request(HttpMethod.GET, fixture.service.port(), "127.0.0.1",
                "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant("acme"))
            .compose(request -> {
              // The handler goes on before the request is sent: set later, it could miss the first chunk (the
              // CONNECTED frame comes with the response head), as one CI run of the fresh clone showed.
              Future<HttpClientResponse> answer = request.response().onSuccess(r -> r.handler(chunk -> {
                received.appendBuffer(chunk); // on the client's event loop, one chunk after another
                bytes.addAndGet(chunk.length());
                String text = received.toString(StandardCharsets.UTF_8);
                int last = text.indexOf("\"n\":" + (events - 1) + ",");
                if (last >= 0 && text.indexOf("\n\n", last) > 0) { // the last event, to its end
                  all.complete(text);
                }
              }));
              request.end();
              return answer;
            })
            .await(10, TimeUnit.SECONDS);
        assertEquals(200, response.statusCode());
        fixture.service.awaitStats(s -> s.getJsonObject("connections").getInteger("total") == 1, "the stream");
        response.pause(); // from here the client reads nothing: the socket fills up

        String pad = "x".repeat(10_000);
        fixture.redis.publishAll("notification-acme", java.util.stream.IntStream.range(0, events)
            .mapToObj(n -> new JsonObject().put("n", n).put("pad", pad).encode()).toList());
        fixture.service.awaitStats(s -> s.getJsonObject("messages").getLong("delivered") >= events,
            "every event handed to the stream");
        assertTrue(bytes.get() < events * pad.length(), "the socket filled up: only " + bytes.get() + " bytes read");

        response.resume();
        List<JsonObject> frames = all.get(10, TimeUnit.SECONDS).lines().filter(line -> line.startsWith("data: "))
            .map(line -> new JsonObject(line.substring("data: ".length()))).toList();
        assertEquals("CONNECTED", frames.get(0).getString("type"));
        List<JsonObject> notifications = frames.stream().filter(f -> "NOTIFICATION".equals(f.getString("type")))
            .toList();
        assertEquals(events, notifications.size(), "every event, each whole");
        for (int n = 0; n < events; n++) {
          assertEquals(n, notifications.get(n).getJsonObject("data").getInteger("n"), "in order");
          assertEquals(pad, notifications.get(n).getJsonObject("data").getString("pad"), "whole");
        }
        assertEquals(1, fixture.service.stats().getJsonObject("connections").getInteger("total"), "not cut");
      } finally {
        client.close();
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
