package dev.tenantcast.testing;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real event-stream client over its own HTTP connection. It parses the stream as EventSource does ({@link SseParser})
 * and queues every event for the test.
 */
public final class SseClient implements AutoCloseable {
  private final HttpClient http;
  private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final SseParser parser = new SseParser(this::parsed);
  private HttpClientResponse response;
  /** Events parsed so far, and the most that one HTTP chunk (one buffer of the response) completed. */
  private long parsedEvents;
  private int mostEventsInOneChunk;

  private SseClient(Vertx vertx, HttpClientOptions options) {
    this.http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(1));
  }

  /** Opens a stream and waits for the response head. */
  public static SseClient open(Vertx vertx, int port, String uri, MultiMap headers) {
    return open(vertx, new HttpClientOptions().setKeepAlive(false), port, uri, headers);
  }

  /** The same with client options of the test's choosing (e.g. decompression). */
  public static SseClient open(Vertx vertx, HttpClientOptions options, int port, String uri, MultiMap headers) {
    SseClient client = new SseClient(vertx, options);
    RequestOptions get = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(uri);
    if (headers != null) {
      get.setHeaders(headers);
    }
    try {
      client.response = client.http.request(get)
          .compose(request -> {
            // Handlers go on before the request is sent: set later, they could miss the first chunk.
            Future<HttpClientResponse> response = request.response().onSuccess(r -> {
              r.handler(client::feed);
              r.endHandler(v -> client.ended.countDown());
              r.exceptionHandler(e -> client.ended.countDown());
            });
            request.end();
            return response;
          })
          .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      client.close();
      throw new AssertionError("could not open " + uri, e);
    }
    return client;
  }

  public static SseClient open(Vertx vertx, int port, String token) {
    return open(vertx, port, "/api/sse/dashboard?access_token=" + token, null);
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** The next event, waiting at most {@code timeout}. */
  public SseEvent next(Duration timeout) {
    try {
      SseEvent event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(event, "no event within " + timeout);
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public SseEvent next() {
    return next(Duration.ofSeconds(10));
  }

  /** The next event within {@code timeout}, or null. */
  public SseEvent poll(Duration timeout) {
    try {
      return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** Whether the server ended the stream (its last events may still be queued). */
  public boolean ended() {
    return ended.getCount() == 0;
  }

  /** Skips heartbeats, returns the next other event. */
  public SseEvent nextContent() {
    return nextContent(Duration.ofSeconds(10));
  }

  /** Skips heartbeats, returns the next other event, waiting at most {@code timeout}. */
  public SseEvent nextContent(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      SseEvent event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (!"HEARTBEAT".equals(event.type())) {
        return event;
      }
    }
    return fail("no event within " + timeout);
  }

  /** Waits for the first event that matches, failing on any other non-heartbeat event before it. */
  public SseEvent expect(Predicate<SseEvent> matches, String what) {
    SseEvent event = nextContent();
    if (!matches.test(event)) {
      fail("expected " + what + " but got " + event.data());
    }
    return event;
  }

  /** Whether the server ended the stream within the timeout. */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    http.close();
  }

  private synchronized void feed(io.vertx.core.buffer.Buffer bytes) {
    long before = parsedEvents;
    for (int i = 0; i < bytes.length(); i++) {
      parser.feed(bytes.getByte(i));
    }
    mostEventsInOneChunk = (int) Math.max(mostEventsInOneChunk, parsedEvents - before);
  }

  private void parsed(SseEvent event) {
    parsedEvents++;
    events.add(event);
  }

  /**
   * The most events that one HTTP chunk of the response completed since the last call (a chunk reaches the handler as
   * one buffer, or as several when it is larger than the client's chunk size, never merged with the next one).
   */
  public synchronized int mostEventsInOneChunk() {
    int most = mostEventsInOneChunk;
    mostEventsInOneChunk = 0;
    return most;
  }
}
