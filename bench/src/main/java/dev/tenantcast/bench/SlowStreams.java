package dev.tenantcast.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Scenario s's slow streams, run inside the coordinator beside the load generators' fast streams: each is a plain
 * blocking socket with a small receive buffer ({@code --slow-receive-buffer}, set before connecting, so the window the
 * server sees stays small) on a thread of its own that reads at most {@code bytesPerSecond}: after each read of at most
 * {@link #READ_BYTES} bytes it sleeps until the bytes read so far fit the rate (a token bucket that keeps at most
 * {@link #CREDIT_NANOS} of unused time, so an idle stream cannot read a burst later). The server sees a client that
 * falls behind by the rate the run picks, as {@code SlowReader} does in the service's tests.
 *
 * <p>Each thread decodes the response (HTTP/1.1 head, chunked body) and the event stream, and parses each event's JSON:
 * per stream it counts bytes, dashboard updates and notifications, checks that notifications come in order (their
 * {@code seq} only grows) and that each key's states only move forward, keeps each key's last state (the update's
 * {@code seq}) and times each notification (receive time − {@code sent}). {@link #mark} takes the measured phase's
 * baseline; the coordinator reads the figures after the drain.
 */
final class SlowStreams {
  static final int READ_BYTES = 1024;
  static final long CREDIT_NANOS = 50_000_000L;

  private final Options o;
  private final int port;
  private final long bytesPerSecond;
  private final List<Reader> readers = new ArrayList<>();
  private final Map<String, Integer> failureReasons = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  private long markNanos;

  /** @param tokenOf the stream token of a tenant index (HS256, the run's secret) */
  SlowStreams(Options o, int port, long bytesPerSecond, Function<Integer, String> tokenOf) {
    this.o = o;
    this.port = port;
    this.bytesPerSecond = bytesPerSecond;
    for (int i = 0; i < o.slowStreams; i++) {
      int tenant = i % o.tenants;
      readers.add(new Reader(i, tenant, tokenOf.apply(tenant)));
    }
  }

  /** Opens every slow stream; returns when each has its CONNECTED event or failed (bounded by the open timeout). */
  void open() {
    readers.forEach(r -> r.thread.start());
    long deadline = System.nanoTime() + (long) (o.openTimeoutSeconds * 1e9) + 5_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (readers.stream().allMatch(Reader::resolved)) {
        return;
      }
      Servers.sleep(50);
    }
    for (Reader r : readers) {
      synchronized (r) {
        if (!r.resolved()) {
          r.fail("timeout: no CONNECTED within " + o.openTimeoutSeconds + " s");
        }
      }
    }
  }

  /** Streams that got their CONNECTED event. */
  int established() {
    return (int) readers.stream().filter(r -> r.established).count();
  }

  Map<String, Integer> failureReasons() {
    return new TreeMap<>(failureReasons);
  }

  /** The measured phase starts: figures() counts bytes, updates and latency from here. */
  void mark() {
    markNanos = System.nanoTime();
    for (Reader r : readers) {
      synchronized (r) {
        r.bytes0 = r.bytes;
        r.updates0 = r.updates;
        r.notifications0 = r.notifications;
        r.closedAtMark = r.ended;
        r.latency.reset();
      }
    }
  }

  /**
   * Whether every slow stream still open has every notification published for its tenant and, for every key, the last
   * state published (the publisher's figures of the whole run).
   */
  boolean caughtUp(Publisher p) {
    for (Reader r : readers) {
      synchronized (r) {
        if (r.established && !r.ended && !r.complete(p)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Bytes read so far by all slow streams (drain progress). */
  long bytes() {
    long n = 0;
    for (Reader r : readers) {
      synchronized (r) {
        n += r.bytes;
      }
    }
    return n;
  }

  /**
   * Waits after the measured phase until every open slow stream has caught up ({@link #caughtUp}), nothing was read for
   * drain-idle seconds, or drain-max; returns the seconds waited.
   */
  double drain(Publisher p, Runnable checkAlive) {
    long start = System.nanoTime();
    long last = -1;
    long lastProgress = start;
    while (!caughtUp(p)) {
      long now = System.nanoTime();
      long b = bytes();
      if (b != last) {
        last = b;
        lastProgress = now;
      } else if (now - lastProgress > (long) (o.drainIdleSeconds * 1e9)) {
        break;
      }
      if (now - start > (long) (o.drainMaxSeconds * 1e9)) {
        break;
      }
      checkAlive.run();
      Servers.sleep(100);
    }
    return (System.nanoTime() - start) / 1e9;
  }

  /** The slow streams' figures of the measured phase (and of the whole run for notifications and final states). */
  JsonObject figures(Publisher p) {
    double seconds = (System.nanoTime() - markNanos) / 1e9;
    long bytes = 0;
    long updates = 0;
    long updatesExpected = 0;
    long events = 0;
    long notificationsExpected = 0;
    long notificationsReceived = 0;
    long notificationsMissing = 0;
    long notificationsOutOfOrder = 0;
    long keyRegressions = 0;
    long malformed = 0;
    long finalStateOk = 0;
    long eventsPublished = 0;
    int openAtMark = 0;
    int cut = 0;
    int cutInPhase = 0;
    Map<String, Integer> closeReasons = new TreeMap<>();
    List<String> examples = new ArrayList<>();
    Histogram latency = new Histogram(3_600_000_000L, 3);
    for (Reader r : readers) {
      synchronized (r) {
        if (!r.established) {
          continue;
        }
        long expectedNotes = p.notificationsTotal[r.tenant];
        notificationsExpected += expectedNotes;
        notificationsReceived += r.notifications;
        notificationsMissing += Math.max(0, expectedNotes - r.notifications);
        notificationsOutOfOrder += r.notificationsOutOfOrder;
        keyRegressions += r.keyRegressions;
        malformed += r.malformed;
        boolean stateOk = r.lastOfKey.equals(p.lastOfKey.get(r.tenant));
        if (stateOk) {
          finalStateOk++;
        } else if (examples.size() < 5) {
          examples.add("slow stream " + r.index + " (t" + r.tenant + "): last states " + r.lastOfKey + ", published "
              + p.lastOfKey.get(r.tenant) + ", notifications " + r.notifications + " of " + expectedNotes
              + (r.ended ? ", closed: " + r.closeReason : ""));
        }
        if (r.ended) {
          cut++;
          closeReasons.merge(Loadgen.normalize(String.valueOf(r.closeReason)), 1, Integer::sum);
        }
        if (r.closedAtMark) {
          continue;
        }
        openAtMark++;
        if (r.ended) {
          cutInPhase++;
        }
        bytes += r.bytes - r.bytes0;
        updates += r.updates - r.updates0;
        events += r.updates - r.updates0 + r.notifications - r.notifications0;
        updatesExpected += p.published[r.tenant] - p.notificationsPhase[r.tenant];
        eventsPublished += p.published[r.tenant];
        latency.add(r.latency);
      }
    }
    double wirePerEvent = events > 0 ? (double) bytes / events : 0;
    long without = Math.round(eventsPublished * wirePerEvent);
    JsonObject j = new JsonObject()
        .put("slow_streams_requested", o.slowStreams)
        .put("slow_streams_established", established())
        .put("slow_streams_failed", o.slowStreams - established())
        .put("slow_failure_reasons", new JsonObject(new TreeMap<>(failureReasons)))
        .put("slow_read_bytes_per_s_limit", bytesPerSecond)
        .put("slow_receive_buffer_bytes", o.slowReceiveBuffer)
        .put("slow_streams_open_at_mark", openAtMark)
        .put("slow_streams_cut", cut)
        .put("slow_streams_cut_in_phase", cutInPhase)
        .put("slow_close_reasons", new JsonObject(new TreeMap<>(closeReasons)))
        .put("slow_streams_cut_meaning", "established slow streams the server closed over the whole run (warm-up "
            + "included), before the coordinator stopped them; in phase: of those open at the measured phase's start")
        .put("slow_updates_sent", updatesExpected)
        .put("slow_updates_received", updates)
        .put("slow_updates_received_percent", updatesExpected > 0 ? Bench.round(100.0 * updates / updatesExpected, 2)
            : null)
        .put("slow_updates_meaning", "measured phase incl. drain, over the slow streams open at its start: dashboard "
            + "updates published for each stream's tenant (sent) and received")
        .put("slow_notifications_expected", notificationsExpected)
        .put("slow_notifications_received", notificationsReceived)
        .put("slow_notifications_missing", notificationsMissing)
        .put("slow_notifications_out_of_order", notificationsOutOfOrder)
        .put("slow_notifications_meaning", "whole run (the slow streams open before the warm-up): notifications "
            + "published for each established slow stream's tenant, received, missing (Σ max(0, expected − received)) "
            + "and received with a seq not above the stream's previous notification")
        .put("slow_final_state_ok_streams", finalStateOk)
        .put("slow_final_state_wrong_streams", established() - finalStateOk)
        .put("slow_final_state_examples", new io.vertx.core.json.JsonArray(examples))
        .put("slow_final_state_meaning", "after the drain: streams whose last received state (seq) of every key equals "
            + "the last one published for their tenant")
        .put("slow_key_regressions", keyRegressions)
        .put("slow_malformed_events", malformed)
        .put("slow_bytes_read", bytes)
        .put("slow_read_bytes_per_s", seconds > 0 ? Math.round(bytes / seconds / Math.max(1, openAtMark)) : null)
        .put("slow_wire_bytes_per_event", Bench.round(wirePerEvent, 1))
        .put("slow_bytes_without_collapsing", without)
        .put("slow_read_fraction", without > 0 ? Bench.round((double) bytes / without, 4) : null)
        .put("slow_bytes_meaning", "measured phase incl. drain, slow streams open at its start: bytes read (HTTP "
            + "framing included); without collapsing: the events published for their tenants × the mean wire bytes "
            + "of an event the slow streams read (what each would have been sent, as a fast stream is)");
    if (latency.getTotalCount() > 0) {
      j.put("slow_notification_latency_p50_ms", Bench.ms(latency.getValueAtPercentile(50)))
          .put("slow_notification_latency_p99_ms", Bench.ms(latency.getValueAtPercentile(99)))
          .put("slow_notification_latency_max_ms", Bench.ms(latency.getMaxValue()))
          .put("slow_notification_latency_meaning", "slow streams: receive time − sent of each notification of the "
              + "measured phase (they wait behind what the stream is behind by)");
    }
    return j;
  }

  /**
   * SelfTest: decodes {@code response} (a whole HTTP response) in reads of {@code split} bytes as a slow stream does;
   * returns {established 0/1, updates, notifications, notifications out of order, key regressions, malformed} and
   * each key's last state in {@code lastOfKey}.
   */
  static long[] decode(Options o, byte[] response, int split, Map<String, Long> lastOfKey) {
    SlowStreams streams = new SlowStreams(o, 0, 1, t -> "");
    Reader r = streams.readers.get(0);
    synchronized (r) {
      for (int at = 0; at < response.length; at += split) {
        byte[] read = java.util.Arrays.copyOfRange(response, at, Math.min(response.length, at + split));
        r.feed(read, read.length, 2000);
      }
      lastOfKey.putAll(r.lastOfKey);
      return new long[] {r.established ? 1 : 0, r.updates, r.notifications, r.notificationsOutOfOrder,
          r.keyRegressions, r.malformed};
    }
  }

  /** Stops reading and closes every socket. */
  void stop() {
    stopped = true;
    for (Reader r : readers) {
      r.close();
    }
  }

  JsonObject describe() {
    return new JsonObject().put("streams", o.slowStreams).put("readBytesPerSecond", bytesPerSecond)
        .put("receiveBufferBytes", o.slowReceiveBuffer)
        .put("how", "in the coordinator: one thread per stream, a blocking socket (SO_RCVBUF set before connecting), "
            + "reads of at most " + READ_BYTES + " bytes paced to the rate (token bucket, at most "
            + CREDIT_NANOS / 1_000_000 + " ms of credit)");
  }

  private void reason(String reason) {
    String key = Loadgen.normalize(reason);
    if (failureReasons.size() < 50 || failureReasons.containsKey(key)) {
      failureReasons.merge(key, 1, Integer::sum);
    }
  }

  private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);

  private static int indexOf(byte[] a, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** A growing byte buffer for the line being read. */
  private static final class LineBuffer {
    byte[] bytes = new byte[1024];
    int length;

    void append(byte[] a, int from, int to) {
      int n = to - from;
      if (length + n > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
      }
      System.arraycopy(a, from, bytes, length, n);
      length += n;
    }

    boolean startsWith(byte[] prefix) {
      if (length < prefix.length) {
        return false;
      }
      for (int k = 0; k < prefix.length; k++) {
        if (bytes[k] != prefix[k]) {
          return false;
        }
      }
      return true;
    }

    /** The line as text; empties the buffer. */
    String take(java.nio.charset.Charset charset) {
      String text = new String(bytes, 0, length, charset);
      length = 0;
      return text;
    }
  }

  // ---------------------------------------------------------------- one slow stream

  /** One slow stream: its socket, its reading thread and its figures (guarded by its own lock). */
  private final class Reader {
    final int index;
    final int tenant;
    final String token;
    final Thread thread;
    private volatile Socket socket;

    // figures
    boolean established;
    boolean failed;
    boolean ended;
    String closeReason;
    long bytes;
    long updates;
    long notifications;
    long lastNotificationSeq;
    long notificationsOutOfOrder;
    long keyRegressions;
    long malformed;
    final Map<String, Long> lastOfKey = new HashMap<>();
    final Histogram latency = new Histogram(3_600_000_000L, 3);
    // baselines of the measured phase
    long bytes0;
    long updates0;
    long notifications0;
    boolean closedAtMark;

    // decoder state (reading thread only): the HTTP decoder's line (head, chunk sizes) and the event stream's apart, as
    // an event's line may span chunks
    private final LineBuffer httpLine = new LineBuffer();
    private final LineBuffer sseLine = new LineBuffer();
    private final StringBuilder data = new StringBuilder();
    private boolean inHead = true;
    private boolean statusSeen;
    private long chunkLeft = -1; // data bytes left in the current chunk; -1: reading a size line
    private int trailing;        // the CRLF after a chunk's data
    private boolean lastWasCr;

    Reader(int index, int tenant, String token) {
      this.index = index;
      this.tenant = tenant;
      this.token = token;
      this.thread = new Thread(this::run, "slow-stream-" + index);
      this.thread.setDaemon(true);
    }

    boolean resolved() {
      synchronized (this) {
        return established || failed;
      }
    }

    /** Has every notification and each key's last state, as published for its tenant (call with the lock held). */
    boolean complete(Publisher p) {
      return notifications >= p.notificationsTotal[tenant] && lastOfKey.equals(p.lastOfKey.get(tenant));
    }

    void fail(String reason) {
      if (!established && !failed) {
        failed = true;
        reason(reason);
      }
    }

    private void run() {
      try {
        Socket s = new Socket();
        socket = s;
        s.setReceiveBufferSize(o.slowReceiveBuffer); // before connecting: the window the server sees stays small
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) (o.openTimeoutSeconds * 1000));
        s.getOutputStream().write(("GET /api/sse/dashboard?access_token=" + token + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + port + "\r\nAccept: text/event-stream\r\nUser-Agent: tenantcast-bench-slow\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        byte[] buffer = new byte[READ_BYTES];
        long next = System.nanoTime();
        try (InputStream in = s.getInputStream()) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            long recvMicros = LoadgenWorker.nowMicros();
            synchronized (this) {
              bytes += n;
              feed(buffer, n, recvMicros);
            }
            // paced: the next read is due when the bytes read so far fit the rate
            long now = System.nanoTime();
            next = Math.max(next, now - CREDIT_NANOS) + n * 1_000_000_000L / bytesPerSecond;
            if (next > now) {
              LockSupport.parkNanos(next - now);
            }
          }
        }
        end("closed by the server");
      } catch (IOException | RuntimeException e) {
        end(stopped ? "closed as the run ended" : Loadgen.describe(e));
      }
    }

    private synchronized void end(String reason) {
      if (!established) {
        fail(reason);
      } else if (!ended) {
        ended = true;
        closeReason = reason;
      }
    }

    void close() {
      Socket s = socket;
      if (s != null) {
        try {
          s.close();
        } catch (IOException e) {
          // closed already
        }
      }
    }

    // -------------------------------------------------------------- decoding (with the lock held)

    /** The response head, then the chunks' data to the event-stream parser, span by span. */
    private void feed(byte[] a, int end, long recvMicros) {
      int i = 0;
      while (i < end) {
        if (inHead || chunkLeft < 0) {
          int nl = indexOf(a, i, end, (byte) '\n');
          if (nl < 0) {
            httpLine.append(a, i, end);
            return;
          }
          httpLine.append(a, i, nl);
          i = nl + 1;
          String text = httpLine.take(StandardCharsets.ISO_8859_1).trim();
          if (inHead) {
            if (!statusSeen) {
              statusSeen = true;
              if (!text.startsWith("HTTP/1.1 200")) {
                fail(text);
                close();
              }
            }
            inHead = !text.isEmpty();
          } else if (!text.isEmpty()) {
            chunkLeft = Long.parseLong(text.split(";")[0], 16);
          }
        } else if (chunkLeft > 0) {
          int n = (int) Math.min(chunkLeft, end - i);
          sse(a, i, i + n, recvMicros);
          i += n;
          chunkLeft -= n;
          if (chunkLeft == 0) {
            trailing = 2;
          }
        } else {
          i++; // the CRLF after a chunk's data
          if (--trailing == 0) {
            chunkLeft = -1;
          }
        }
      }
    }

    /** The event stream: lines end with LF, CR or CRLF; a blank line dispatches; only data lines matter. */
    private void sse(byte[] a, int from, int to, long recvMicros) {
      int i = from;
      while (i < to) {
        if (lastWasCr && a[i] == '\n') {
          lastWasCr = false;
          i++;
          continue;
        }
        lastWasCr = false;
        int j = i;
        while (j < to && a[j] != '\n' && a[j] != '\r') {
          j++;
        }
        sseLine.append(a, i, j);
        if (j == to) {
          return;
        }
        lastWasCr = a[j] == '\r';
        i = j + 1;
        if (sseLine.length == 0) {
          if (data.length() > 0) {
            dispatch(data.toString(), recvMicros);
            data.setLength(0);
          }
        } else if (sseLine.startsWith(DATA)) {
          if (data.length() > 0) {
            data.append('\n');
          }
          int skip = sseLine.length > 5 && sseLine.bytes[5] == ' ' ? 6 : 5;
          data.append(new String(sseLine.bytes, skip, sseLine.length - skip, StandardCharsets.UTF_8));
          sseLine.length = 0;
        } else {
          sseLine.length = 0;
        }
      }
    }

    private void dispatch(String json, long recvMicros) {
      JsonObject event;
      try {
        event = new JsonObject(json);
      } catch (RuntimeException e) {
        malformed++;
        return;
      }
      String type = event.getString("type", "");
      JsonObject payload = event.getValue("data") instanceof JsonObject d ? d : new JsonObject();
      switch (type) {
        case "CONNECTED" -> established = !failed;
        case "DASHBOARD_UPDATE" -> {
          Long seq = payload.getLong("seq");
          String key = payload.getString("key");
          if (seq == null || key == null) {
            malformed++;
            return;
          }
          updates++;
          Long before = lastOfKey.put(key, seq);
          if (before != null && seq <= before) {
            keyRegressions++;
          }
        }
        case "NOTIFICATION" -> {
          Long seq = payload.getLong("seq");
          Long sent = payload.getLong("sent");
          if (seq == null || sent == null) {
            malformed++;
            return;
          }
          notifications++;
          if (seq <= lastNotificationSeq) {
            notificationsOutOfOrder++;
          }
          lastNotificationSeq = seq;
          latency.recordValue(Math.max(0, Math.min(recvMicros - sent, latency.getHighestTrackableValue())));
        }
        default -> { }
      }
    }
  }
}
