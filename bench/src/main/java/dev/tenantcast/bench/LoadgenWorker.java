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
import java.util.concurrent.ThreadLocalRandom;

/**
 * One event loop of the load generator: owns a share of the streams, one HTTP client per source address, and its own
 * (single-threaded) counters and histograms. The {@link Loadgen} main thread talks to it only through
 * {@code context.runOnContext}.
 *
 * <p>Scenario r ({@link Loadgen.Settings#resume}): when an established stream's connection closes, the stream
 * reconnects after a random delay of 0 to {@code reconnectDelayMaxMs} to one of the other instances
 * ({@code reconnectPorts}), sending its last SSE id as {@code Last-Event-ID}; a failed attempt is retried after a new
 * delay on the next of those instances, up to {@code resumeAttempts} attempts. Deliveries are counted by seq (each
 * once: lost and duplicated over the whole run), and their latency is split by connection (first, or reconnected:
 * published before its CONNECTED or after).
 *
 * <p>Scenario k ({@link Loadgen.Settings#track} without resume): seqs are counted the same way, the broker's STATUS
 * events are timed per stream (the first DEGRADED of the measured phase, the first RESTORED after it), and after the
 * coordinator's {@link #mark} the streams of the killed master's tenants time their first delivery published after
 * the kill.
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

  // scenario r: the switch (per-stream outcomes are read from the streams when a snapshot is taken)
  private boolean measuring;   // after reset(): the latency split and the timeline are recorded
  long reconnectAttempts;
  long attemptFailures;
  final Map<String, Integer> attemptFailureReasons = new HashMap<>();
  Histogram reconnectTtfe = ResumeStats.histogram();
  Histogram latencyBefore = ResumeStats.histogram();
  Histogram latencyCatchUp = ResumeStats.histogram();
  Histogram latencyLive = ResumeStats.histogram();
  final java.util.TreeMap<Long, Histogram> timeline = new java.util.TreeMap<>();

  // scenario k: STATUS events since the reset, and the kill of a Redis master (mark)
  long degradedEvents;
  long restoredEvents;
  private long flowMarkMicros;

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
    return clients.computeIfAbsent(source, src -> {
      NetClientOptions options = new NetClientOptions()
          .setLocalAddress(src)
          .setTcpNoDelay(true)
          .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.openTimeoutMs))
          .setIdleTimeout(0);
      if (settings.receiveBufferBytes > 0) {
        options.setReceiveBufferSize(settings.receiveBufferBytes);
      }
      return vertx.createNetClient(options);
    });
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
      case NCHAN, FLOOR -> "/sse/" + s.tenantName();
    };
  }

  /** SelfTest: a stream fed by hand, counted in this worker's snapshots. */
  void adopt(StreamState s) {
    streams.add(s);
  }

  private void openOne(StreamState s) {
    streams.add(s);
    inFlight++;
    connect(s);
  }

  /**
   * Connects the stream's current connection (its first, or a reconnect) and sends its request; every callback checks
   * the stream's generation, so that nothing of an earlier connection touches a later one.
   */
  private void connect(StreamState s) {
    int gen = s.generation;
    s.requestNanos = System.nanoTime();
    s.timerId = vertx.setTimer(settings.openTimeoutMs, id -> {
      if (gen != s.generation) {
        return;
      }
      s.timerId = -1;
      if (!s.resolved) {
        fail(s, "timeout: no " + (s.status == 200 ? "CONNECTED event" : "response head")
            + " within " + settings.openTimeoutMs + " ms", null);
      }
    });
    if (s.path == null) {
      s.path = uriOf(s);
    }
    StringBuilder head = new StringBuilder("GET ").append(s.path).append(" HTTP/1.1\r\nHost: ")
        .append(settings.host).append(':').append(s.port)
        .append("\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\nUser-Agent: tenantcast-bench\r\n");
    if (s.switches > 0 && s.lastEventId != null && !s.lastEventId.isEmpty()) {
      head.append("Last-Event-ID: ").append(s.lastEventId).append("\r\n");
    }
    Buffer request = Buffer.buffer(head.append("\r\n").toString());
    client(s.source).connect(new ConnectOptions().setHost(settings.host).setPort(s.port)
        .setTimeout((int) Math.min(Integer.MAX_VALUE, settings.openTimeoutMs))).onComplete(ar -> {
          if (gen != s.generation) {
            if (ar.succeeded()) {
              ar.result().close();
            }
            return;
          }
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
          socket.handler(buf -> {
            if (gen == s.generation) {
              onBuffer(s, buf);
            }
          });
          socket.exceptionHandler(e -> {
            if (gen == s.generation) {
              s.closeReason = "exception: " + Loadgen.describe(e);
            }
          });
          socket.closeHandler(v -> {
            if (gen == s.generation) {
              onClosed(s, s.closeReason != null ? s.closeReason : "connection closed by server", null);
            }
          });
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
      if (settings.kind != Loadgen.Kind.TENANTCAST && !s.reconnecting) {
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
      if (s.reconnecting) {
        reconnected(s);
      } else if (settings.kind == Loadgen.Kind.TENANTCAST) {
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
    if (s.reconnecting) {
      attemptFailed(s, reason);
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
    if (settings.resume) {
      if (s.closedMicros == 0) {
        s.closedMicros = nowMicros();
      }
      s.switches++;
      s.attempts = 0;
      s.outcome = StreamState.OUTCOME_PENDING;
      s.outcomeReason = null;
      scheduleReconnect(s);
    }
  }

  // ---------------------------------------------------------------- scenario r: reconnect and resume

  /** Seqs counted once per stream, SSE ids kept, CONNECTED's resume and STATUS events read (scenarios r and k). */
  boolean tracking() {
    return settings.track;
  }

  /** Reconnects after a random delay of 0 to reconnectDelayMaxMs (always from a timer, never inside a callback). */
  private void scheduleReconnect(StreamState s) {
    s.reconnecting = true;
    long max = settings.reconnectDelayMaxMs;
    long delay = max > 0 ? ThreadLocalRandom.current().nextLong(max + 1) : 0;
    int gen = s.generation;
    vertx.setTimer(Math.max(1, delay), id -> {
      if (gen == s.generation) {
        reconnect(s);
      }
    });
  }

  /**
   * One attempt: to {@code reconnectPorts[(stream / tenants + attempt - 1) % n]}, so that each tenant's streams
   * spread evenly over the other instances, and a retry goes to the next one.
   */
  private void reconnect(StreamState s) {
    closeSocket(s);
    cancelTimer(s);
    s.newConnection();
    s.attempts++;
    reconnectAttempts++;
    int[] ports = settings.reconnectPorts;
    s.port = ports[(int) (((long) s.index / settings.tenants + s.attempts - 1) % ports.length)];
    s.requestMicros = nowMicros();
    connect(s);
  }

  private void attemptFailed(StreamState s, String reason) {
    s.resolved = true;
    s.open = false;
    cancelTimer(s);
    attemptFailures++;
    String normalized = Loadgen.normalize(reason);
    attemptFailureReasons.merge(normalized, 1, Integer::sum);
    closeSocket(s);
    if (s.attempts < settings.resumeAttempts) {
      scheduleReconnect(s);
    } else {
      s.reconnecting = false;
      s.outcome = StreamState.OUTCOME_FAILED;
      s.outcomeReason = "failed: " + normalized;
    }
  }

  /** CONNECTED on a reconnect: what became of the resume. */
  private void reconnected(StreamState s) {
    s.resolved = true;
    s.reconnecting = false;
    cancelTimer(s);
    reconnectTtfe.recordValue(Math.min(HIST_MAX_MICROS, Math.max(0, (System.nanoTime() - s.requestNanos) / 1000)));
    switch (s.connectedResume) {
      case StreamState.RESUME_RESUMED -> {
        s.outcome = StreamState.OUTCOME_RESUMED;
        s.outcomeReason = null;
        if (s.resumedMicros == 0) {
          s.resumedMicros = s.connectedMicros;
        }
        s.resumes++;
        s.replayed += s.connectedReplayed;
      }
      case StreamState.RESUME_REFUSED -> {
        s.outcome = StreamState.OUTCOME_NOT_RESUMED;
        s.outcomeReason = "not resumed: " + (s.connectedReason == null ? "no reason given" : s.connectedReason);
      }
      case StreamState.RESUME_NOT_REQUESTED -> {
        boolean sent = s.lastEventId != null && !s.lastEventId.isEmpty();
        s.outcome = sent ? StreamState.OUTCOME_NOT_RESUMED : StreamState.OUTCOME_NO_ID;
        s.outcomeReason = sent ? "not resumed: the server saw no resume request" : "no Last-Event-ID to send";
      }
      default -> {
        s.outcome = StreamState.OUTCOME_NOT_RESUMED;
        s.outcomeReason = "not resumed: CONNECTED without data.resume";
      }
    }
  }

  /** A delivery in scenario r: counted once per seq over the whole run; latency split by connection. */
  void tracked(StreamState s, long seq, long sent, long recvMicros, boolean ofOtherTenant) {
    if (seq > Integer.MAX_VALUE - 1) {
      malformed++;
      return;
    }
    s.receivedSinceReset++;
    s.receivedTotal++;
    if (s.seen == null) {
      s.seen = new java.util.BitSet();
    }
    int q = (int) seq;
    if (s.seen.get(q)) {
      duplicates++;
      s.dups++;
    } else {
      s.seen.set(q);
      s.distinct++;
      if (seq < s.lastSeq) {
        outOfOrder++;
      }
    }
    if (seq > s.lastSeq) {
      s.lastSeq = seq;
    }
    if (ofOtherTenant) {
      wrongTenant++;
    }
    if (s.watched && s.flowMicros == 0 && sent >= flowMarkMicros) {
      s.flowMicros = recvMicros;
    }
    long latency = recvMicros - sent;
    delivered(latency, recvMicros);
    if (measuring) {
      long v = Math.max(0, Math.min(latency, HIST_MAX_MICROS));
      if (s.switches == 0) {
        latencyBefore.recordValue(v);
      } else if (sent < s.connectedMicros) {
        latencyCatchUp.recordValue(v);
      } else {
        latencyLive.recordValue(v);
      }
      timeline.computeIfAbsent(sent / 1_000_000, k -> ResumeStats.timelineHistogram())
          .recordValue(Math.min(v, ResumeStats.TIMELINE_MAX_MICROS));
    }
  }

  /**
   * A STATUS event (tracked runs): counted, and per stream the first DEGRADED of the measured phase and the first
   * RESTORED after that DEGRADED are kept.
   */
  void status(StreamState s, boolean restored, long recvMicros) {
    otherEvents++;
    if (!measuring) {
      return;
    }
    if (restored) {
      restoredEvents++;
      if (s.degradedMicros > 0 && s.restoredMicros == 0) {
        s.restoredMicros = recvMicros;
      }
    } else {
      degradedEvents++;
      if (s.degradedMicros == 0) {
        s.degradedMicros = recvMicros;
      }
    }
  }

  /**
   * Scenario k, right after the coordinator killed a master at {@code killMicros}: the streams of {@code tenants}
   * (the killed master's) now time their first delivery of a message published at or after the kill. Such a message
   * cannot be delivered before the mark arrives: its master is dead until the cluster promoted the replica.
   */
  void mark(long killMicros, java.util.Set<Integer> tenants) {
    flowMarkMicros = killMicros;
    for (StreamState s : streams) {
      s.watched = tenants.contains(s.tenantIndex);
      s.flowMicros = 0;
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
      s.degradedMicros = 0;
      s.restoredMicros = 0;
      s.watched = false;
      s.flowMicros = 0;
    }
    degradedEvents = 0;
    restoredEvents = 0;
    flowMarkMicros = 0;
    latencyBefore.reset();
    latencyCatchUp.reset();
    latencyLive.reset();
    timeline.clear();
    measuring = true;
  }

  /**
   * The figures of this worker; {@code published[t]} = messages published to tenant t since the last reset (scenario
   * r: over the whole run, and a stream's deliveries are its distinct seqs); {@code killMicros}: when instance 0 was
   * killed (scenario r; 0: not yet); {@code light}: counts only, no histogram at all (scenario r polls every 100 ms
   * while the streams switch, and copying and encoding histograms would take CPU from the phase it measures).
   * {@code refused[t]}: tracked runs, the seqs of tenant t whose publish failed (not in {@code published}); one of them
   * delivered anyway (a script that ran on a master that died before it answered) is counted apart, not as a delivery
   * of an accepted message. Scenario k's failover figures come from the streams' STATUS events and marks.
   */
  Snapshot snapshot(long[] published, Map<Integer, java.util.BitSet> refused, boolean histograms, long killMicros,
                    boolean light) {
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
    ResumeStats rs = settings.resume ? new ResumeStats() : null;
    FailoverStats fs = settings.track && !settings.resume ? new FailoverStats() : null;
    for (StreamState s : streams) {
      if (s.open) {
        r.open++;
      }
      if (published != null && s.established) {
        long exp = s.tenantIndex < published.length ? published[s.tenantIndex] : 0;
        long got = settings.track ? s.distinct : s.receivedSinceReset;
        java.util.BitSet refusedSeqs = refused == null || s.seen == null ? null : refused.get(s.tenantIndex);
        if (refusedSeqs != null) {
          long delivered = refusedSeqs.stream().filter(s.seen::get).count();
          got -= delivered;
          r.deliveredRefused += delivered;
        }
        r.expected += exp;
        if (got < exp) {
          r.lost += exp - got;
          r.streamsWithLoss++;
          if (rs != null && s.outcome == StreamState.OUTCOME_RESUMED) {
            rs.lostOnResumed += exp - got;
            rs.streamsLostResumed++;
          }
          if (r.lossExamples.size() < 5) {
            JsonObject example = new JsonObject().put("stream", s.index).put("tenant", s.tenantName())
                .put("port", s.port).put("expected", exp).put("received", got)
                .put("lastSeq", s.lastSeq).put("open", s.open).put("closeReason", s.closeReason);
            if (settings.track && s.seen != null) {
              // the accepted seqs never received: seqs run 1..(accepted + refused) per tenant
              long last = exp + (refusedSeqs == null ? 0 : refusedSeqs.cardinality());
              io.vertx.core.json.JsonArray missing = new io.vertx.core.json.JsonArray();
              for (int q = s.seen.nextClearBit(1); q <= last && missing.size() < 10; q = s.seen.nextClearBit(q + 1)) {
                if (refusedSeqs == null || !refusedSeqs.get(q)) {
                  missing.add(q);
                }
              }
              example.put("missing", missing);
            }
            if (rs != null) {
              example.put("firstMissing", s.seen == null ? 1 : s.seen.nextClearBit(1))
                  .put("switches", s.switches).put("outcome", s.outcomeReason == null ? outcomeName(s.outcome)
                      : s.outcomeReason).put("lastEventId", s.lastEventId);
            }
            r.lossExamples.add(example);
          }
        } else if (got > exp) {
          r.extra += got - exp;
        }
      }
      if (rs != null) {
        resumeFigures(rs, s, killMicros);
      }
      if (fs != null && s.established) {
        failoverFigures(fs, s, killMicros, histograms);
      }
    }
    if (fs != null) {
      fs.degradedEvents = degradedEvents;
      fs.restoredEvents = restoredEvents;
      if (histograms) {
        timeline.forEach((k, h) -> fs.timeline.put(k, h.copy()));
      }
      r.failover = fs;
    }
    if (rs != null) {
      rs.attempts = reconnectAttempts;
      rs.attemptFailures = attemptFailures;
      rs.attemptFailureReasons.putAll(attemptFailureReasons);
      if (histograms) {
        rs.reconnectTtfe = reconnectTtfe.copy();
        rs.latencyBefore = latencyBefore.copy();
        rs.latencyCatchUp = latencyCatchUp.copy();
        rs.latencyLive = latencyLive.copy();
        timeline.forEach((k, h) -> rs.timeline.put(k, h.copy()));
      }
      r.resume = rs;
    }
    if (!light) {
      r.ttfe = ttfe.copy();
    }
    if (histograms) {
      r.latency = latency.copy();
      r.lag = lag.copy();
    }
    return r;
  }

  private static String outcomeName(byte outcome) {
    return switch (outcome) {
      case StreamState.OUTCOME_RESUMED -> "resumed";
      case StreamState.OUTCOME_NOT_RESUMED -> "not resumed";
      case StreamState.OUTCOME_NO_ID -> "no Last-Event-ID";
      case StreamState.OUTCOME_FAILED -> "failed";
      default -> "pending";
    };
  }

  /** One stream's part of scenario k's figures: its STATUS events and, if watched, its first delivery after the kill. */
  private static void failoverFigures(FailoverStats fs, StreamState s, long killMicros, boolean histograms) {
    fs.streams++;
    if (s.degradedMicros > 0) {
      fs.degraded++;
      fs.firstDegradedMicros = FailoverStats.minNonZero(fs.firstDegradedMicros, s.degradedMicros);
      fs.lastDegradedMicros = Math.max(fs.lastDegradedMicros, s.degradedMicros);
      if (killMicros > 0 && s.degradedMicros < killMicros) {
        fs.degradedBeforeKill++;
      } else if (killMicros > 0 && histograms) {
        fs.degradedTime = FailoverStats.record(fs.degradedTime, s.degradedMicros - killMicros);
      }
    }
    if (s.restoredMicros > 0) {
      fs.restored++;
      fs.firstRestoredMicros = FailoverStats.minNonZero(fs.firstRestoredMicros, s.restoredMicros);
      fs.lastRestoredMicros = Math.max(fs.lastRestoredMicros, s.restoredMicros);
      if (killMicros > 0 && s.restoredMicros >= killMicros && histograms) {
        fs.restoredTime = FailoverStats.record(fs.restoredTime, s.restoredMicros - killMicros);
      }
    }
    if (s.watched) {
      fs.watched++;
      if (s.flowMicros > 0) {
        fs.flowed++;
        fs.firstFlowMicros = FailoverStats.minNonZero(fs.firstFlowMicros, s.flowMicros);
        fs.lastFlowMicros = Math.max(fs.lastFlowMicros, s.flowMicros);
        if (killMicros > 0 && histograms) {
          fs.flowTime = FailoverStats.record(fs.flowTime, s.flowMicros - killMicros);
        }
      }
    }
  }

  /** One stream's part of the switch's figures. */
  private static void resumeFigures(ResumeStats rs, StreamState s, long killMicros) {
    if (s.dups > 0) {
      rs.streamsWithDuplicates++;
      if (rs.duplicateExamples.size() < 10) {
        rs.duplicateExamples.add(new JsonObject().put("stream", s.index).put("tenant", s.tenantName())
            .put("duplicates", s.dups).put("switches", s.switches).put("replayed", s.replayed)
            .put("port", s.port));
      }
    }
    if (s.switches == 0) {
      return;
    }
    rs.switched++;
    if (s.resumes > 1) {
      rs.resumedAgain++;
    }
    rs.replayed += s.replayed;
    rs.replayedMax = Math.max(rs.replayedMax, s.replayed);
    if (s.closedMicros > 0) {
      rs.firstNoticeMicros = rs.firstNoticeMicros == 0 ? s.closedMicros
          : Math.min(rs.firstNoticeMicros, s.closedMicros);
      rs.lastNoticeMicros = Math.max(rs.lastNoticeMicros, s.closedMicros);
      if (killMicros > 0 && s.closedMicros >= killMicros) {
        if (rs.notice == null) {
          rs.notice = ResumeStats.histogram();
        }
        rs.notice.recordValue(Math.min(HIST_MAX_MICROS, s.closedMicros - killMicros));
      }
    }
    if (s.resumedMicros > 0) {
      rs.lastResumedMicros = Math.max(rs.lastResumedMicros, s.resumedMicros);
      if (killMicros > 0 && s.resumedMicros >= killMicros) {
        if (rs.resumeTime == null) {
          rs.resumeTime = ResumeStats.histogram();
        }
        rs.resumeTime.recordValue(Math.min(HIST_MAX_MICROS, s.resumedMicros - killMicros));
      }
    }
    switch (s.outcome) {
      case StreamState.OUTCOME_RESUMED -> rs.resumed++;
      case StreamState.OUTCOME_PENDING -> rs.pending++;
      default -> {
        if (s.outcome == StreamState.OUTCOME_NO_ID) {
          rs.noId++;
        } else if (s.outcome == StreamState.OUTCOME_FAILED) {
          rs.failed++;
        } else {
          rs.notResumed++;
        }
        String reason = s.outcomeReason == null ? outcomeName(s.outcome) : s.outcomeReason;
        rs.unresolvedReasons.merge(reason, 1, Integer::sum);
        if (rs.unresolvedExamples.size() < 10) {
          rs.unresolvedExamples.add(new JsonObject().put("stream", s.index).put("tenant", s.tenantName())
              .put("port", s.port).put("attempts", s.attempts).put("lastEventId", s.lastEventId)
              .put("reason", reason));
        }
      }
    }
  }
}
