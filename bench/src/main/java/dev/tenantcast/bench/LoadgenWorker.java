package dev.tenantcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.netty.buffer.ByteBuf;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.HdrHistogram.Histogram;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One event loop of the load generator: owns a share of the streams, one HTTP client per source address, and its own
 * (single-threaded) counters and histograms. The {@link Loadgen} main thread talks to it only through
 * {@code context.runOnContext}.
 */
class LoadgenWorker extends VerticleBase {
  static final long HIST_MAX_MICROS = 3_600_000_000L;

  private final Loadgen.Settings settings;
  private final Map<String, NetClient> clients = new HashMap<>();
  private final List<StreamState> streams = new ArrayList<>();
  private JWTAuth jwt;

  // opening
  private final ArrayDeque<StreamState> queue = new ArrayDeque<>();
  private int inFlight;
  private int maxInFlight;
  private boolean stopOnFailure;
  private boolean phaseFailed;
  private long phaseDeadlineNanos;
  private Promise<Void> openDone;

  // stream figures (never reset)
  long established;
  long failed;
  long notAttempted;
  long closed;
  final Map<String, Integer> failureReasons = new HashMap<>();
  final List<JsonObject> failureExamples = new ArrayList<>();
  final Map<String, Integer> closeReasons = new HashMap<>();
  final List<JsonObject> closeExamples = new ArrayList<>();
  Histogram ttfe = new Histogram(HIST_MAX_MICROS, 3);
  long firstFailureEstablished = -1;

  // delivery figures (reset by reset())
  Histogram latency = new Histogram(HIST_MAX_MICROS, 3);
  Histogram lag = new Histogram(HIST_MAX_MICROS, 3);
  long received;
  long outOfOrder;
  long duplicates;
  long wrongTenant;
  long malformed;
  long otherEvents;
  long closedSinceReset;
  long firstRecvMicros;
  long lastRecvMicros;

  private byte[] readBuf = new byte[64 * 1024];
  private byte[] joinBuf = new byte[64 * 1024];
  private long lagExpectedNanos;

  LoadgenWorker(Loadgen.Settings settings) {
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    maxInFlight = Math.max(1, settings.openConcurrency / settings.eventLoops);
    jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(settings.jwtSecret)));
    long periodMs = 20;
    lagExpectedNanos = System.nanoTime() + periodMs * 1_000_000L;
    vertx.setPeriodic(periodMs, id -> {
      long now = System.nanoTime();
      long late = Math.max(0, now - lagExpectedNanos) / 1000;
      lag.recordValue(Math.min(late, HIST_MAX_MICROS));
      lagExpectedNanos = now + periodMs * 1_000_000L;
    });
    return Future.succeededFuture();
  }

  private NetClient client(String source) {
    return clients.computeIfAbsent(source, src -> vertx.createNetClient(new NetClientOptions()
        .setLocalAddress(src)
        .setTcpNoDelay(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.openTimeoutMs))
        .setIdleTimeout(0)));
  }

  io.vertx.core.Context ctx() {
    return context;
  }

  byte[] scratch(int size) {
    if (joinBuf.length < size) {
      joinBuf = new byte[Integer.highestOneBit(size) << 1];
    }
    return joinBuf;
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  // ---------------------------------------------------------------- opening

  /** Opens {@code batch} (on this worker's event loop); completes when every stream is established or failed. */
  Future<Void> open(List<StreamState> batch, boolean stopOnFailure, long deadlineMillis) {
    Promise<Void> done = Promise.promise();
    this.openDone = done;
    this.stopOnFailure = stopOnFailure;
    this.phaseFailed = false;
    this.phaseDeadlineNanos = System.nanoTime() + deadlineMillis * 1_000_000L;
    queue.addAll(batch);
    pump();
    return done.future();
  }

  private void pump() {
    while (inFlight < maxInFlight && !queue.isEmpty()) {
      if ((stopOnFailure && phaseFailed) || System.nanoTime() > phaseDeadlineNanos) {
        notAttempted += queue.size();
        queue.clear();
        break;
      }
      openOne(queue.poll());
    }
    if (inFlight == 0 && queue.isEmpty() && openDone != null) {
      Promise<Void> p = openDone;
      openDone = null;
      p.tryComplete();
    }
  }

  private String uriOf(StreamState s) {
    String token = null;
    if (settings.kind == Loadgen.Kind.TENANTCAST || settings.peerJwt && settings.kind == Loadgen.Kind.NODE) {
      token = jwt.generateToken(new JsonObject().put("sub", "bench").put("tenant", s.tenantName()),
          new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) settings.tokenTtlSeconds));
    }
    return switch (settings.kind) {
      case TENANTCAST -> "/api/sse/dashboard?access_token=" + token;
      case NODE -> "/sse/" + s.tenantName() + (token == null ? "" : "?access_token=" + token);
      case NCHAN -> "/sse/" + s.tenantName();
    };
  }

  private void openOne(StreamState s) {
    streams.add(s);
    inFlight++;
    s.requestNanos = System.nanoTime();
    s.timerId = vertx.setTimer(settings.openTimeoutMs, id -> {
      s.timerId = -1;
      if (!s.resolved) {
        fail(s, "timeout: no " + (s.status == 200 ? "CONNECTED event" : "response head")
            + " within " + settings.openTimeoutMs + " ms", null);
      }
    });
    Buffer request = Buffer.buffer("GET " + uriOf(s) + " HTTP/1.1\r\nHost: " + settings.host + ":" + s.port
        + "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nUser-Agent: tenantcast-bench\r\n\r\n");
    client(s.source).connect(new ConnectOptions().setHost(settings.host).setPort(s.port)
        .setTimeout((int) Math.min(Integer.MAX_VALUE, settings.openTimeoutMs))).onComplete(ar -> {
          if (ar.failed()) {
            fail(s, "connect: " + Loadgen.describe(ar.cause()), Loadgen.full(ar.cause()));
            return;
          }
          NetSocket socket = ar.result();
          if (s.resolved) {
            socket.close();
            return;
          }
          s.socket = socket;
          s.open = true;
          socket.handler(buf -> onBuffer(s, buf));
          socket.exceptionHandler(e -> s.closeReason = "exception: " + Loadgen.describe(e));
          socket.closeHandler(v -> onClosed(s, s.closeReason != null ? s.closeReason
              : "connection closed by server", null));
          socket.write(request);
        });
  }

  private void onBuffer(StreamState s, Buffer buf) {
    long now = nowMicros();
    ByteBuf bb = ((BufferInternal) buf).getByteBuf();
    int len = bb.readableBytes();
    if (bb.hasArray()) {
      s.feed(bb.array(), bb.arrayOffset() + bb.readerIndex(), len, now, this);
    } else {
      if (readBuf.length < len) {
        readBuf = new byte[Integer.highestOneBit(len) << 1];
      }
      bb.getBytes(bb.readerIndex(), readBuf, 0, len);
      s.feed(readBuf, 0, len, now, this);
    }
  }

  /** The response head arrived. */
  void headReceived(StreamState s) {
    if (s.status == 200) {
      if (settings.kind != Loadgen.Kind.TENANTCAST) {
        established(s);
      }
    }
    // other statuses: the body is collected and reported when it ends (bodyEnded) or the connection closes
  }

  void headFailed(StreamState s, String reason) {
    fail(s, reason, null);
  }

  /** The response ended (last chunk, Content-Length reached). */
  void bodyEnded(StreamState s, String reason) {
    if (!s.resolved && s.status != 200 && s.status != 0) {
      String body = s.errorBody();
      fail(s, "http " + s.status + Loadgen.errorCode(body), body);
      return;
    }
    onClosed(s, reason, null);
    closeSocket(s);
  }

  /** Called by the parser for a CONNECTED event. */
  void connected(StreamState s) {
    if (!s.connectedSeen) {
      s.connectedSeen = true;
      if (settings.kind == Loadgen.Kind.TENANTCAST) {
        established(s);
      }
    } else {
      otherEvents++;
    }
  }

  private void established(StreamState s) {
    if (s.resolved) {
      return;
    }
    s.resolved = true;
    s.established = true;
    cancelTimer(s);
    inFlight--;
    established++;
    ttfe.recordValue(Math.min(HIST_MAX_MICROS, Math.max(0, (System.nanoTime() - s.requestNanos) / 1000)));
    pump();
  }

  private void fail(StreamState s, String reason, String detail) {
    if (s.resolved) {
      return;
    }
    s.resolved = true;
    s.failed = true;
    s.open = false;
    cancelTimer(s);
    inFlight--;
    failed++;
    if (firstFailureEstablished < 0) {
      firstFailureEstablished = established;
    }
    phaseFailed = true;
    failureReasons.merge(Loadgen.normalize(reason), 1, Integer::sum);
    if (failureExamples.size() < 10) {
      failureExamples.add(example(s, reason, detail));
    }
    closeSocket(s);
    pump();
  }

  private void onClosed(StreamState s, String reason, String detail) {
    if (!s.resolved && s.status != 200 && s.status != 0) {
      String body = s.errorBody();
      fail(s, "http " + s.status + Loadgen.errorCode(body), body);
      return;
    }
    if (!s.resolved) {
      fail(s, "closed before " + (settings.kind == Loadgen.Kind.TENANTCAST ? "CONNECTED: " : "established: ")
          + reason, detail);
      return;
    }
    if (!s.open) {
      return;
    }
    s.open = false;
    s.closeReason = reason;
    closed++;
    closedSinceReset++;
    closeReasons.merge(Loadgen.normalize(reason), 1, Integer::sum);
    if (closeExamples.size() < 10) {
      closeExamples.add(example(s, reason, detail));
    }
  }

  private void closeSocket(StreamState s) {
    if (s.socket != null) {
      try {
        s.socket.close();
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  private JsonObject example(StreamState s, String reason, String detail) {
    JsonObject o = new JsonObject().put("stream", s.index).put("tenant", s.tenantName())
        .put("port", s.port).put("source", s.source).put("reason", reason);
    if (detail != null && !detail.isEmpty() && !detail.equals(reason)) {
      o.put("detail", detail);
    }
    return o;
  }

  private void cancelTimer(StreamState s) {
    if (s.timerId >= 0) {
      vertx.cancelTimer(s.timerId);
      s.timerId = -1;
    }
  }

  // ---------------------------------------------------------------- figures

  void delivered(long latencyMicros, long recvMicros) {
    received++;
    latency.recordValue(Math.max(0, Math.min(latencyMicros, HIST_MAX_MICROS)));
    if (firstRecvMicros == 0) {
      firstRecvMicros = recvMicros;
    }
    if (recvMicros > lastRecvMicros) {
      lastRecvMicros = recvMicros;
    }
  }

  void reset() {
    latency.reset();
    lag.reset();
    received = 0;
    outOfOrder = 0;
    duplicates = 0;
    wrongTenant = 0;
    malformed = 0;
    otherEvents = 0;
    closedSinceReset = 0;
    firstRecvMicros = 0;
    lastRecvMicros = 0;
    for (StreamState s : streams) {
      s.receivedSinceReset = 0;
    }
  }

  /** The figures of this worker; {@code published[t]} = messages published to tenant t since the last reset. */
  Snapshot snapshot(long[] published, boolean histograms) {
    Snapshot r = new Snapshot();
    r.established = established;
    r.failed = failed;
    r.notAttempted = notAttempted;
    r.closed = closed;
    r.closedSinceReset = closedSinceReset;
    r.failureReasons.putAll(failureReasons);
    r.failureExamples.addAll(failureExamples);
    r.closeReasons.putAll(closeReasons);
    r.closeExamples.addAll(closeExamples);
    r.firstFailureEstablished = firstFailureEstablished;
    r.received = received;
    r.outOfOrder = outOfOrder;
    r.duplicates = duplicates;
    r.wrongTenant = wrongTenant;
    r.malformed = malformed;
    r.otherEvents = otherEvents;
    r.firstRecvMicros = firstRecvMicros;
    r.lastRecvMicros = lastRecvMicros;
    for (StreamState s : streams) {
      if (s.open) {
        r.open++;
      }
      if (published != null && s.established) {
        long exp = s.tenantIndex < published.length ? published[s.tenantIndex] : 0;
        r.expected += exp;
        if (s.receivedSinceReset < exp) {
          r.lost += exp - s.receivedSinceReset;
          r.streamsWithLoss++;
          if (r.lossExamples.size() < 5) {
            r.lossExamples.add(new JsonObject().put("stream", s.index).put("tenant", s.tenantName())
                .put("port", s.port).put("expected", exp).put("received", s.receivedSinceReset)
                .put("lastSeq", s.lastSeq).put("open", s.open).put("closeReason", s.closeReason));
          }
        } else if (s.receivedSinceReset > exp) {
          r.extra += s.receivedSinceReset - exp;
        }
      }
    }
    r.ttfe = ttfe.copy();
    if (histograms) {
      r.latency = latency.copy();
      r.lag = lag.copy();
    }
    return r;
  }
}
