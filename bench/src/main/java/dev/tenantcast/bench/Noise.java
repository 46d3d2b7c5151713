package dev.tenantcast.bench;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Scenario n's noisy neighbour, run inside the coordinator on a Vert.x instance of its own, apart from the quiet
 * tenant's paced publisher (two event loops: one for the noisy streams, one for the noise publisher):
 * <ul>
 *   <li>{@code --noise-streams} SSE streams of tenant {@code noisy} that read and discard what they get, counting
 *   bytes (HTTP framing included);</li>
 *   <li>a publisher that POSTs {@code DASHBOARD_UPDATE} events of {@code --noise-bytes} bytes for {@code noisy} to
 *   {@code /api/events} as fast as it can: {@code --noise-connections} keep-alive connections, one request in flight on
 *   each, the next sent as soon as the answer is in. It ignores {@code Retry-After}, as a flooding client would.
 *   Connection i signs with token i % {@code --noise-tokens} (role publisher, the run's JWT secret).</li>
 * </ul>
 * Counters are totals since the streams opened; {@link #mark} takes a baseline for the measured phase.
 */
final class Noise {
  private final Options o;
  private final int port;
  private final Vertx vertx;
  private final Context streamContext;
  private final Context publishContext;
  private final JWTAuth jwt;
  private final Buffer body;

  // streams (written on streamContext, read from the coordinator thread)
  private final AtomicInteger established = new AtomicInteger();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger closed = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final Map<String, Integer> failureReasons = new ConcurrentHashMap<>();
  private final Map<String, Integer> closeReasons = new ConcurrentHashMap<>();

  // publishing (written on publishContext)
  private volatile boolean running;
  private volatile boolean stopped;
  private final AtomicInteger loopsRunning = new AtomicInteger();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong other = new AtomicLong();
  private final Map<String, Integer> refusals = new ConcurrentHashMap<>();
  private final Map<String, Integer> otherReasons = new ConcurrentHashMap<>();
  private final List<HttpClientAgent> clients = new CopyOnWriteArrayList<>();
  private volatile NetClient streamClient;

  private long[] baseline = new long[6];
  private long markNanos;

  Noise(Options o, String jwtSecret, int port) {
    this.o = o;
    this.port = port;
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1)
        .setPreferNativeTransport(true));
    // each new event-loop context takes the next event loop: the streams on one, the publisher on the other
    this.streamContext = ((VertxInternal) vertx).createEventLoopContext();
    this.publishContext = ((VertxInternal) vertx).createEventLoopContext();
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwtSecret)));
    this.body = Buffer.buffer(eventJson(o.noiseTenant, o.noiseBytes), StandardCharsets.US_ASCII.name());
  }

  /** {@code {"tenant":"noisy","type":"DASHBOARD_UPDATE","data":{"noise":"xxx…"}}} of exactly {@code bytes} bytes. */
  static String eventJson(String tenant, int bytes) {
    String head = "{\"tenant\":\"" + tenant + "\",\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"noise\":\"";
    String tail = "\"}}";
    return head + "x".repeat(Math.max(0, bytes - head.length() - tail.length())) + tail;
  }

  private String token(String subject, boolean publisher) {
    JsonObject claims = new JsonObject().put("sub", subject).put("tenant", o.noiseTenant);
    if (publisher) {
      claims.put("roles", new JsonArray().add("publisher"));
    }
    return jwt.generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(7200));
  }

  // ---------------------------------------------------------------- streams

  /** Opens the noisy tenant's streams; returns when each is established or failed (bounded by the open timeout). */
  void openStreams() {
    CountDownLatch done = new CountDownLatch(o.noiseStreams);
    String token = token("bench-noise", false);
    long timeoutMs = (long) (o.openTimeoutSeconds * 1000);
    streamContext.runOnContext(v -> {
      NetClient client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true)
          .setConnectTimeout((int) timeoutMs).setIdleTimeout(0));
      streamClient = client;
      Buffer request = Buffer.buffer("GET /api/sse/dashboard?access_token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:"
          + port + "\r\nAccept: text/event-stream\r\nUser-Agent: tenantcast-bench-noise\r\n\r\n");
      for (int i = 0; i < o.noiseStreams; i++) {
        openOne(client, request, done, timeoutMs);
      }
    });
    try {
      if (!done.await(timeoutMs + 10_000, TimeUnit.MILLISECONDS)) {
        throw new BenchException("noise: " + done.getCount() + " of " + o.noiseStreams
            + " noisy streams neither established nor failed in time");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }

  private void openOne(NetClient client, Buffer request, CountDownLatch done, long timeoutMs) {
    boolean[] resolved = {false};
    long timer = vertx.setTimer(timeoutMs, id -> {
      if (!resolved[0]) {
        resolved[0] = true;
        reason(failureReasons, "timeout: no response head within " + timeoutMs + " ms");
        failed.incrementAndGet();
        done.countDown();
      }
    });
    client.connect(port, "127.0.0.1").onComplete(ar -> {
      if (ar.failed()) {
        if (!resolved[0]) {
          resolved[0] = true;
          vertx.cancelTimer(timer);
          reason(failureReasons, "connect: " + Loadgen.describe(ar.cause()));
          failed.incrementAndGet();
          done.countDown();
        }
        return;
      }
      NetSocket socket = ar.result();
      StringBuilder head = new StringBuilder();
      // raw reads, released here: no copy into a heap buffer per read, as socket.handler would make
      ((NetSocketInternal) socket).messageHandler(msg -> {
        if (!(msg instanceof ByteBuf buf)) {
          ReferenceCountUtil.release(msg);
          return;
        }
        try {
          onRead(socket, buf, head, resolved, timer, done);
        } finally {
          buf.release();
        }
      });
      socket.exceptionHandler(e -> reason(closeReasons, "exception: " + Loadgen.describe(e)));
      socket.closeHandler(v -> {
        if (!resolved[0]) {
          resolved[0] = true;
          vertx.cancelTimer(timer);
          reason(failureReasons, "closed before the response head");
          failed.incrementAndGet();
          done.countDown();
        } else if (head.indexOf("HTTP/1.1 200") == 0) {
          closed.incrementAndGet();
          reason(closeReasons, stopped ? "closed as the noise stopped" : "closed by the server");
        }
      });
      socket.write(request);
    });
  }

  private void onRead(NetSocket socket, ByteBuf buf, StringBuilder head, boolean[] resolved, long timer,
                      CountDownLatch done) {
    int n = buf.readableBytes();
    bytes.addAndGet(n);
    if (resolved[0]) {
      return;
    }
    head.append(buf.toString(buf.readerIndex(), Math.min(n, 400), StandardCharsets.ISO_8859_1));
    int eol = head.indexOf("\r\n");
    if (eol < 0) {
      return;
    }
    resolved[0] = true;
    vertx.cancelTimer(timer);
    String status = head.substring(0, eol);
    if (status.startsWith("HTTP/1.1 200")) {
      established.incrementAndGet();
    } else {
      reason(failureReasons, status + Loadgen.errorCode(head.toString()));
      failed.incrementAndGet();
      socket.close();
    }
    done.countDown();
  }

  /** Counts a reason (at most 50 distinct ones). */
  private static void reason(Map<String, Integer> reasons, String reason) {
    String key = Loadgen.normalize(reason);
    if (reasons.size() < 50 || reasons.containsKey(key)) {
      reasons.merge(key, 1, Integer::sum);
    }
  }

  // ---------------------------------------------------------------- publishing

  /** Starts the publishing loops. */
  void start() {
    running = true;
    int tokens = Math.max(1, o.noiseTokens);
    List<String> signed = new ArrayList<>();
    for (int t = 0; t < tokens; t++) {
      signed.add(token("bench-noise-publisher-" + t, true));
    }
    markNanos = System.nanoTime();
    publishContext.runOnContext(v -> {
      for (int i = 0; i < o.noiseConnections; i++) {
        HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setTcpNoDelay(true).setConnectTimeout(5000),
            new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1));
        clients.add(client);
        loopsRunning.incrementAndGet();
        next(client, signed.get(i % tokens));
      }
    });
  }

  private void next(HttpClientAgent client, String token) {
    if (!running) {
      loopsRunning.decrementAndGet();
      return;
    }
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/api/events").setIdleTimeout(30_000)
        .putHeader("Content-Type", "application/json")
        .putHeader("Authorization", "Bearer " + token);
    sent.incrementAndGet();
    client.request(ro)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> {
          int status = resp.statusCode();
          if (status == 202) {
            accepted.incrementAndGet();
          } else if (status == 429) {
            refused.incrementAndGet();
            reason(refusals, refusal(b));
          } else {
            other.incrementAndGet();
            reason(otherReasons, "http " + status + Loadgen.errorCode(b.toString()));
          }
          return status;
        }))
        .onComplete(ar -> {
          if (ar.failed()) {
            other.incrementAndGet();
            reason(otherReasons, Loadgen.describe(ar.cause()));
            // a failed connection: do not spin on a dead server
            vertx.setTimer(10, id -> next(client, token));
          } else {
            next(client, token);
          }
        });
  }

  /** The refusal's message ("this token publishes too often …", "tenant noisy publishes too much"). */
  private static String refusal(Buffer body) {
    try {
      JsonObject j = new JsonObject(body);
      return j.getString("error", "?") + ": " + j.getString("message", "");
    } catch (RuntimeException e) {
      return "429" + Loadgen.errorCode(body.toString());
    }
  }

  // ---------------------------------------------------------------- figures

  private long[] totals() {
    return new long[] {sent.get(), accepted.get(), refused.get(), other.get(), bytes.get(), closed.get()};
  }

  /** The measured phase starts: figures() counts from here. */
  void mark() {
    baseline = totals();
    markNanos = System.nanoTime();
  }

  /** Stream figures: established and failed so far. */
  JsonObject streamFigures() {
    return new JsonObject().put("noise_streams_requested", o.noiseStreams)
        .put("noise_streams_established", established.get())
        .put("noise_streams_failed", failed.get())
        .put("noise_failure_reasons", new JsonObject(new TreeMap<>(failureReasons)));
  }

  /** Figures since {@link #mark}, as flat figure keys. */
  JsonObject figures() {
    long[] now = totals();
    double seconds = (System.nanoTime() - markNanos) / 1e9;
    long s = now[0] - baseline[0];
    long a = now[1] - baseline[1];
    long r = now[2] - baseline[2];
    long x = now[3] - baseline[3];
    long b = now[4] - baseline[4];
    return new JsonObject()
        .put("noise_seconds", Bench.round(seconds, 3))
        .put("noise_posts_sent", s)
        .put("noise_posts_accepted", a)
        .put("noise_posts_refused", r)
        .put("noise_posts_other", x)
        .put("noise_posts_per_s", rate(s, seconds))
        .put("noise_accepted_per_s", rate(a, seconds))
        .put("noise_refused_per_s", rate(r, seconds))
        .put("noise_other_per_s", rate(x, seconds))
        .put("noise_refusals", new JsonObject(new TreeMap<>(refusals)))
        .put("noise_other_reasons", new JsonObject(new TreeMap<>(otherReasons)))
        .put("noise_bytes_received", b)
        .put("noise_mb_per_s", seconds > 0 ? Bench.round(b / seconds / 1e6, 2) : null)
        .put("noise_bytes_meaning", "bytes read by the noisy streams (HTTP chunk framing included), counted in the "
            + "coordinator since the measured phase started, until its drain ended")
        .put("noise_streams_closed", now[5] - baseline[5])
        .put("noise_streams_closed_total", now[5])
        .put("noise_close_reasons", new JsonObject(new TreeMap<>(closeReasons)));
  }

  private static Double rate(long n, double seconds) {
    return seconds > 0 ? Bench.round(n / seconds, 1) : null;
  }

  JsonObject describe() {
    return new JsonObject().put("tenant", o.noiseTenant).put("streams", o.noiseStreams)
        .put("publisher", "HTTP POST /api/events to 127.0.0.1:" + port + ", " + body.length()
            + "-byte DASHBOARD_UPDATE bodies for tenant " + o.noiseTenant + ", " + o.noiseConnections
            + " keep-alive connection(s), one request in flight each, the next as soon as the answer is in "
            + "(Retry-After ignored), "
            + Math.max(1, o.noiseTokens) + " publisher token(s)")
        .put("bodyBytes", body.length())
        .put("connections", o.noiseConnections)
        .put("tokens", Math.max(1, o.noiseTokens));
  }

  /** Stops publishing (waits up to 10 s for the requests in flight) and closes everything. */
  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    running = false;
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (loopsRunning.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    // close the connections at once: a plain close shuts down gracefully and waits for the open streams to end
    List<Future<Void>> closing = new ArrayList<>();
    if (streamClient != null) {
      closing.add(streamClient.shutdown(0, TimeUnit.SECONDS));
    }
    for (HttpClientAgent c : clients) {
      closing.add(c.shutdown(0, TimeUnit.SECONDS));
    }
    try {
      Future.join(closing).transform(ar -> vertx.close()).toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // exiting anyway
    }
  }
}
