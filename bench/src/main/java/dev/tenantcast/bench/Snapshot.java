package dev.tenantcast.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.DataFormatException;

/** Figures of one worker, one load generator or all of them; merged by adding, histograms included. */
final class Snapshot {
  long established;
  long failed;
  long notAttempted;
  long closed;
  long closedSinceReset;
  long open;
  long firstFailureEstablished = -1;
  final Map<String, Integer> failureReasons = new TreeMap<>();
  final List<JsonObject> failureExamples = new ArrayList<>();
  final Map<String, Integer> closeReasons = new TreeMap<>();
  final List<JsonObject> closeExamples = new ArrayList<>();
  final List<JsonObject> lossExamples = new ArrayList<>();

  long received;
  long expected;
  long lost;
  long extra;
  long streamsWithLoss;
  long outOfOrder;
  long duplicates;
  long wrongTenant;
  long malformed;
  long otherEvents;
  long deliveredRefused;   // tracked runs: deliveries of seqs whose publish failed (not counted as received)
  long firstRecvMicros;
  long lastRecvMicros;

  Histogram ttfe;
  Histogram latency;
  Histogram lag;
  /** Scenario r: the switch to the other instances (null elsewhere). */
  ResumeStats resume;
  /** Scenario k: STATUS events and the failover of a Redis master (null elsewhere). */
  FailoverStats failover;

  void add(Snapshot o) {
    established += o.established;
    failed += o.failed;
    notAttempted += o.notAttempted;
    closed += o.closed;
    closedSinceReset += o.closedSinceReset;
    open += o.open;
    if (o.firstFailureEstablished >= 0) {
      // approximate across processes: the streams held when the first of them saw a failure
      firstFailureEstablished = firstFailureEstablished < 0 ? o.firstFailureEstablished
          : Math.min(firstFailureEstablished, o.firstFailureEstablished);
    }
    o.failureReasons.forEach((k, v) -> failureReasons.merge(k, v, Integer::sum));
    o.closeReasons.forEach((k, v) -> closeReasons.merge(k, v, Integer::sum));
    addLimited(failureExamples, o.failureExamples, 10);
    addLimited(closeExamples, o.closeExamples, 10);
    addLimited(lossExamples, o.lossExamples, 10);
    received += o.received;
    expected += o.expected;
    lost += o.lost;
    extra += o.extra;
    streamsWithLoss += o.streamsWithLoss;
    outOfOrder += o.outOfOrder;
    duplicates += o.duplicates;
    wrongTenant += o.wrongTenant;
    malformed += o.malformed;
    otherEvents += o.otherEvents;
    deliveredRefused += o.deliveredRefused;
    if (o.firstRecvMicros != 0 && (firstRecvMicros == 0 || o.firstRecvMicros < firstRecvMicros)) {
      firstRecvMicros = o.firstRecvMicros;
    }
    lastRecvMicros = Math.max(lastRecvMicros, o.lastRecvMicros);
    ttfe = merge(ttfe, o.ttfe);
    latency = merge(latency, o.latency);
    lag = merge(lag, o.lag);
    if (o.resume != null) {
      if (resume == null) {
        resume = new ResumeStats();
      }
      resume.add(o.resume);
    }
    if (o.failover != null) {
      if (failover == null) {
        failover = new FailoverStats();
      }
      failover.add(o.failover);
    }
  }

  private static void addLimited(List<JsonObject> to, List<JsonObject> from, int max) {
    for (JsonObject o : from) {
      if (to.size() >= max) {
        return;
      }
      to.add(o);
    }
  }

  private static Histogram merge(Histogram a, Histogram b) {
    if (b == null) {
      return a;
    }
    if (a == null) {
      return b.copy();
    }
    a.add(b);
    return a;
  }

  JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("established", established).put("failed", failed).put("notAttempted", notAttempted)
        .put("closed", closed).put("closedSinceReset", closedSinceReset).put("open", open)
        .put("firstFailureEstablished", firstFailureEstablished)
        .put("failureReasons", new JsonObject(new TreeMap<>(failureReasons)))
        .put("failureExamples", new JsonArray(new ArrayList<>(failureExamples)))
        .put("closeReasons", new JsonObject(new TreeMap<>(closeReasons)))
        .put("closeExamples", new JsonArray(new ArrayList<>(closeExamples)))
        .put("lossExamples", new JsonArray(new ArrayList<>(lossExamples)))
        .put("received", received).put("expected", expected).put("lost", lost).put("extra", extra)
        .put("streamsWithLoss", streamsWithLoss).put("outOfOrder", outOfOrder).put("duplicates", duplicates)
        .put("wrongTenant", wrongTenant).put("malformed", malformed).put("otherEvents", otherEvents)
        .put("deliveredRefused", deliveredRefused)
        .put("firstRecvMicros", firstRecvMicros).put("lastRecvMicros", lastRecvMicros);
    if (ttfe != null) {
      j.put("ttfe", encode(ttfe));
    }
    if (latency != null) {
      j.put("latency", encode(latency));
    }
    if (lag != null) {
      j.put("lag", encode(lag));
    }
    if (resume != null) {
      j.put("resume", resume.toJson());
    }
    if (failover != null) {
      j.put("failover", failover.toJson());
    }
    return j;
  }

  static Snapshot fromJson(JsonObject j) {
    Snapshot s = new Snapshot();
    s.established = j.getLong("established", 0L);
    s.failed = j.getLong("failed", 0L);
    s.notAttempted = j.getLong("notAttempted", 0L);
    s.closed = j.getLong("closed", 0L);
    s.closedSinceReset = j.getLong("closedSinceReset", 0L);
    s.open = j.getLong("open", 0L);
    s.firstFailureEstablished = j.getLong("firstFailureEstablished", -1L);
    j.getJsonObject("failureReasons", new JsonObject()).forEach(e ->
        s.failureReasons.put(e.getKey(), ((Number) e.getValue()).intValue()));
    j.getJsonObject("closeReasons", new JsonObject()).forEach(e ->
        s.closeReasons.put(e.getKey(), ((Number) e.getValue()).intValue()));
    j.getJsonArray("failureExamples", new JsonArray()).forEach(o -> s.failureExamples.add((JsonObject) o));
    j.getJsonArray("closeExamples", new JsonArray()).forEach(o -> s.closeExamples.add((JsonObject) o));
    j.getJsonArray("lossExamples", new JsonArray()).forEach(o -> s.lossExamples.add((JsonObject) o));
    s.received = j.getLong("received", 0L);
    s.expected = j.getLong("expected", 0L);
    s.lost = j.getLong("lost", 0L);
    s.extra = j.getLong("extra", 0L);
    s.streamsWithLoss = j.getLong("streamsWithLoss", 0L);
    s.outOfOrder = j.getLong("outOfOrder", 0L);
    s.duplicates = j.getLong("duplicates", 0L);
    s.wrongTenant = j.getLong("wrongTenant", 0L);
    s.malformed = j.getLong("malformed", 0L);
    s.otherEvents = j.getLong("otherEvents", 0L);
    s.deliveredRefused = j.getLong("deliveredRefused", 0L);
    s.firstRecvMicros = j.getLong("firstRecvMicros", 0L);
    s.lastRecvMicros = j.getLong("lastRecvMicros", 0L);
    s.ttfe = decode(j.getString("ttfe"));
    s.latency = decode(j.getString("latency"));
    s.lag = decode(j.getString("lag"));
    JsonObject resume = j.getJsonObject("resume");
    s.resume = resume == null ? null : ResumeStats.fromJson(resume);
    JsonObject failover = j.getJsonObject("failover");
    s.failover = failover == null ? null : FailoverStats.fromJson(failover);
    return s;
  }

  static String encode(Histogram h) {
    ByteBuffer bb = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(bb);
    byte[] bytes = new byte[n];
    bb.flip();
    bb.get(bytes, 0, n);
    return Base64.getEncoder().encodeToString(bytes);
  }

  static Histogram decode(String s) {
    if (s == null) {
      return null;
    }
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(s)), 0);
    } catch (DataFormatException e) {
      throw new IllegalStateException("cannot decode a histogram: " + e.getMessage(), e);
    }
  }
}
