package dev.tenantcast.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scenario r's figures of the switch (a worker's, a load generator's or all of them; merged by adding, like
 * {@link Snapshot}, which carries them as {@code "resume"}). Times are epoch microseconds of the load generators'
 * clock, which is the coordinator's (one machine); "from the kill" is against the coordinator's time of the SIGKILL.
 */
final class ResumeStats {
  /** Values of the timeline's histograms (µs): 2 significant digits up to 10 minutes keep them small. */
  static final long TIMELINE_MAX_MICROS = 600_000_000L;

  long switched;           // streams whose established connection closed: each reconnects
  long resumed;            // their latest reconnect got CONNECTED with resume.resumed = true
  long notResumed;         // CONNECTED without resumed = true (the reason in unresolvedReasons)
  long failed;             // every connection attempt failed
  long noId;               // reconnected without a Last-Event-ID (no content event had an id)
  long pending;            // no outcome yet
  long resumedAgain;       // streams that resumed more than once (closed again after resuming)
  long attempts;           // reconnect attempts, all streams
  long attemptFailures;    // attempts that failed (connect error, status, closed or timed out before CONNECTED)
  long replayed;           // sum of CONNECTED's resume.replayed
  long replayedMax;        // the most one stream was replayed
  long lostOnResumed;      // deliveries lost (whole run) on streams that resumed
  long streamsLostResumed; // resumed streams with a loss
  long streamsWithDuplicates;
  long firstNoticeMicros;  // the first and last close seen, the last CONNECTED with resumed = true
  long lastNoticeMicros;
  long lastResumedMicros;
  final Map<String, Integer> unresolvedReasons = new TreeMap<>();
  final Map<String, Integer> attemptFailureReasons = new TreeMap<>();
  final List<JsonObject> unresolvedExamples = new ArrayList<>();
  final List<JsonObject> duplicateExamples = new ArrayList<>();

  Histogram resumeTime;    // kill -> CONNECTED with resumed = true, per stream (first resume)
  Histogram notice;        // kill -> the close seen, per stream
  Histogram reconnectTtfe; // reconnect request -> CONNECTED, per successful attempt
  Histogram latencyBefore; // deliveries of the measured phase on the first connection
  Histogram latencyCatchUp; // on a reconnected connection, published before its CONNECTED (replayed or held)
  Histogram latencyLive;   // on a reconnected connection, published at or after its CONNECTED
  /** Deliveries of the measured phase by the epoch second they were published in (any connection). */
  final TreeMap<Long, Histogram> timeline = new TreeMap<>();

  static Histogram histogram() {
    return new Histogram(LoadgenWorker.HIST_MAX_MICROS, 3);
  }

  static Histogram timelineHistogram() {
    return new Histogram(TIMELINE_MAX_MICROS, 2);
  }

  void add(ResumeStats o) {
    switched += o.switched;
    resumed += o.resumed;
    notResumed += o.notResumed;
    failed += o.failed;
    noId += o.noId;
    pending += o.pending;
    resumedAgain += o.resumedAgain;
    attempts += o.attempts;
    attemptFailures += o.attemptFailures;
    replayed += o.replayed;
    replayedMax = Math.max(replayedMax, o.replayedMax);
    lostOnResumed += o.lostOnResumed;
    streamsLostResumed += o.streamsLostResumed;
    streamsWithDuplicates += o.streamsWithDuplicates;
    firstNoticeMicros = minNonZero(firstNoticeMicros, o.firstNoticeMicros);
    lastNoticeMicros = Math.max(lastNoticeMicros, o.lastNoticeMicros);
    lastResumedMicros = Math.max(lastResumedMicros, o.lastResumedMicros);
    o.unresolvedReasons.forEach((k, v) -> unresolvedReasons.merge(k, v, Integer::sum));
    o.attemptFailureReasons.forEach((k, v) -> attemptFailureReasons.merge(k, v, Integer::sum));
    addLimited(unresolvedExamples, o.unresolvedExamples);
    addLimited(duplicateExamples, o.duplicateExamples);
    resumeTime = merge(resumeTime, o.resumeTime);
    notice = merge(notice, o.notice);
    reconnectTtfe = merge(reconnectTtfe, o.reconnectTtfe);
    latencyBefore = merge(latencyBefore, o.latencyBefore);
    latencyCatchUp = merge(latencyCatchUp, o.latencyCatchUp);
    latencyLive = merge(latencyLive, o.latencyLive);
    o.timeline.forEach((k, h) -> timeline.merge(k, h.copy(), (a, b) -> {
      a.add(b);
      return a;
    }));
  }

  private static long minNonZero(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  private static void addLimited(List<JsonObject> to, List<JsonObject> from) {
    for (JsonObject o : from) {
      if (to.size() >= 10) {
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
        .put("switched", switched).put("resumed", resumed).put("notResumed", notResumed).put("failed", failed)
        .put("noId", noId).put("pending", pending).put("resumedAgain", resumedAgain).put("attempts", attempts)
        .put("attemptFailures", attemptFailures).put("replayed", replayed).put("replayedMax", replayedMax)
        .put("lostOnResumed", lostOnResumed).put("streamsLostResumed", streamsLostResumed)
        .put("streamsWithDuplicates", streamsWithDuplicates).put("firstNoticeMicros", firstNoticeMicros)
        .put("lastNoticeMicros", lastNoticeMicros).put("lastResumedMicros", lastResumedMicros)
        .put("unresolvedReasons", new JsonObject(new TreeMap<>(unresolvedReasons)))
        .put("attemptFailureReasons", new JsonObject(new TreeMap<>(attemptFailureReasons)))
        .put("unresolvedExamples", new JsonArray(new ArrayList<>(unresolvedExamples)))
        .put("duplicateExamples", new JsonArray(new ArrayList<>(duplicateExamples)));
    put(j, "resumeTime", resumeTime);
    put(j, "notice", notice);
    put(j, "reconnectTtfe", reconnectTtfe);
    put(j, "latencyBefore", latencyBefore);
    put(j, "latencyCatchUp", latencyCatchUp);
    put(j, "latencyLive", latencyLive);
    if (!timeline.isEmpty()) {
      JsonObject t = new JsonObject();
      timeline.forEach((k, h) -> t.put(String.valueOf(k), Snapshot.encode(h)));
      j.put("timeline", t);
    }
    return j;
  }

  private static void put(JsonObject j, String key, Histogram h) {
    if (h != null) {
      j.put(key, Snapshot.encode(h));
    }
  }

  static ResumeStats fromJson(JsonObject j) {
    ResumeStats s = new ResumeStats();
    s.switched = j.getLong("switched", 0L);
    s.resumed = j.getLong("resumed", 0L);
    s.notResumed = j.getLong("notResumed", 0L);
    s.failed = j.getLong("failed", 0L);
    s.noId = j.getLong("noId", 0L);
    s.pending = j.getLong("pending", 0L);
    s.resumedAgain = j.getLong("resumedAgain", 0L);
    s.attempts = j.getLong("attempts", 0L);
    s.attemptFailures = j.getLong("attemptFailures", 0L);
    s.replayed = j.getLong("replayed", 0L);
    s.replayedMax = j.getLong("replayedMax", 0L);
    s.lostOnResumed = j.getLong("lostOnResumed", 0L);
    s.streamsLostResumed = j.getLong("streamsLostResumed", 0L);
    s.streamsWithDuplicates = j.getLong("streamsWithDuplicates", 0L);
    s.firstNoticeMicros = j.getLong("firstNoticeMicros", 0L);
    s.lastNoticeMicros = j.getLong("lastNoticeMicros", 0L);
    s.lastResumedMicros = j.getLong("lastResumedMicros", 0L);
    j.getJsonObject("unresolvedReasons", new JsonObject()).forEach(e ->
        s.unresolvedReasons.put(e.getKey(), ((Number) e.getValue()).intValue()));
    j.getJsonObject("attemptFailureReasons", new JsonObject()).forEach(e ->
        s.attemptFailureReasons.put(e.getKey(), ((Number) e.getValue()).intValue()));
    j.getJsonArray("unresolvedExamples", new JsonArray()).forEach(o -> s.unresolvedExamples.add((JsonObject) o));
    j.getJsonArray("duplicateExamples", new JsonArray()).forEach(o -> s.duplicateExamples.add((JsonObject) o));
    s.resumeTime = Snapshot.decode(j.getString("resumeTime"));
    s.notice = Snapshot.decode(j.getString("notice"));
    s.reconnectTtfe = Snapshot.decode(j.getString("reconnectTtfe"));
    s.latencyBefore = Snapshot.decode(j.getString("latencyBefore"));
    s.latencyCatchUp = Snapshot.decode(j.getString("latencyCatchUp"));
    s.latencyLive = Snapshot.decode(j.getString("latencyLive"));
    j.getJsonObject("timeline", new JsonObject()).forEach(e ->
        s.timeline.put(Long.parseLong(e.getKey()), Snapshot.decode((String) e.getValue())));
    return s;
  }
}
