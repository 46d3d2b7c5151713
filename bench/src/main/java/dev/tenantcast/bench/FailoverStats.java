package dev.tenantcast.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.TreeMap;

/**
 * Scenario k's figures of the broker's STATUS events and of a Redis master's failover (a worker's, a load generator's
 * or all of them; merged by adding, like {@link ResumeStats}, and carried by {@link Snapshot} as {@code "failover"}).
 * Times are epoch microseconds of the one machine's clock; "from the kill" is against the coordinator's time of the
 * SIGKILL. Without a kill the counts still show whether any stream was told DEGRADED.
 */
final class FailoverStats {
  long streams;              // established streams
  long degraded;             // streams that got a STATUS DEGRADED in the measured phase
  long degradedBeforeKill;   // of them, before the kill (the cluster was not steady)
  long restored;             // streams that got a STATUS RESTORED after their DEGRADED
  long degradedEvents;       // STATUS events of the measured phase, all streams
  long restoredEvents;
  long watched;              // streams of the killed master's tenants
  long flowed;               // of them, those that got a delivery of a message published after the kill
  long firstDegradedMicros;
  long lastDegradedMicros;
  long firstRestoredMicros;
  long lastRestoredMicros;
  long firstFlowMicros;
  long lastFlowMicros;
  Histogram degradedTime;    // kill -> the stream's DEGRADED
  Histogram restoredTime;    // kill -> the stream's RESTORED
  Histogram flowTime;        // kill -> a watched stream's first delivery published after the kill
  /** Deliveries of the measured phase by the epoch second they were published in (as {@link ResumeStats#timeline}). */
  final TreeMap<Long, Histogram> timeline = new TreeMap<>();

  static long minNonZero(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }

  /** Records {@code micros} (clamped to the histogram's range) into {@code h}, created when null. */
  static Histogram record(Histogram h, long micros) {
    Histogram r = h == null ? ResumeStats.histogram() : h;
    r.recordValue(Math.max(0, Math.min(micros, LoadgenWorker.HIST_MAX_MICROS)));
    return r;
  }

  void add(FailoverStats o) {
    streams += o.streams;
    degraded += o.degraded;
    degradedBeforeKill += o.degradedBeforeKill;
    restored += o.restored;
    degradedEvents += o.degradedEvents;
    restoredEvents += o.restoredEvents;
    watched += o.watched;
    flowed += o.flowed;
    firstDegradedMicros = minNonZero(firstDegradedMicros, o.firstDegradedMicros);
    lastDegradedMicros = Math.max(lastDegradedMicros, o.lastDegradedMicros);
    firstRestoredMicros = minNonZero(firstRestoredMicros, o.firstRestoredMicros);
    lastRestoredMicros = Math.max(lastRestoredMicros, o.lastRestoredMicros);
    firstFlowMicros = minNonZero(firstFlowMicros, o.firstFlowMicros);
    lastFlowMicros = Math.max(lastFlowMicros, o.lastFlowMicros);
    degradedTime = merge(degradedTime, o.degradedTime);
    restoredTime = merge(restoredTime, o.restoredTime);
    flowTime = merge(flowTime, o.flowTime);
    o.timeline.forEach((k, h) -> timeline.merge(k, h.copy(), (a, b) -> {
      a.add(b);
      return a;
    }));
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
        .put("streams", streams).put("degraded", degraded).put("degradedBeforeKill", degradedBeforeKill)
        .put("restored", restored).put("degradedEvents", degradedEvents).put("restoredEvents", restoredEvents)
        .put("watched", watched).put("flowed", flowed)
        .put("firstDegradedMicros", firstDegradedMicros).put("lastDegradedMicros", lastDegradedMicros)
        .put("firstRestoredMicros", firstRestoredMicros).put("lastRestoredMicros", lastRestoredMicros)
        .put("firstFlowMicros", firstFlowMicros).put("lastFlowMicros", lastFlowMicros);
    put(j, "degradedTime", degradedTime);
    put(j, "restoredTime", restoredTime);
    put(j, "flowTime", flowTime);
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

  static FailoverStats fromJson(JsonObject j) {
    FailoverStats s = new FailoverStats();
    s.streams = j.getLong("streams", 0L);
    s.degraded = j.getLong("degraded", 0L);
    s.degradedBeforeKill = j.getLong("degradedBeforeKill", 0L);
    s.restored = j.getLong("restored", 0L);
    s.degradedEvents = j.getLong("degradedEvents", 0L);
    s.restoredEvents = j.getLong("restoredEvents", 0L);
    s.watched = j.getLong("watched", 0L);
    s.flowed = j.getLong("flowed", 0L);
    s.firstDegradedMicros = j.getLong("firstDegradedMicros", 0L);
    s.lastDegradedMicros = j.getLong("lastDegradedMicros", 0L);
    s.firstRestoredMicros = j.getLong("firstRestoredMicros", 0L);
    s.lastRestoredMicros = j.getLong("lastRestoredMicros", 0L);
    s.firstFlowMicros = j.getLong("firstFlowMicros", 0L);
    s.lastFlowMicros = j.getLong("lastFlowMicros", 0L);
    s.degradedTime = Snapshot.decode(j.getString("degradedTime"));
    s.restoredTime = Snapshot.decode(j.getString("restoredTime"));
    s.flowTime = Snapshot.decode(j.getString("flowTime"));
    j.getJsonObject("timeline", new JsonObject()).forEach(e ->
        s.timeline.put(Long.parseLong(e.getKey()), Snapshot.decode((String) e.getValue())));
    return s;
  }
}
