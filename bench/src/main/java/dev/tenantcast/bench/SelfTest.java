package dev.tenantcast.bench;

import java.nio.charset.StandardCharsets;

/**
 * Checks the load generator's HTTP and SSE parsing (scenario r's ids, resume answers and seq counting too; scenario
 * k's STATUS events and refused seqs), scenarios n's, r's and k's options, and the cluster slot function, without any
 * server, and measures the parser's cost per event:
 * {@code java -cp bench/target/tenantcast-bench.jar dev.tenantcast.bench.SelfTest} (or {@code bench/run selftest}).
 * Prints "N passed, N failed" and exits non-zero on a failure.
 */
public final class SelfTest {
  private static int passed;
  private static int failed;

  private SelfTest() {
  }

  public static void main(String[] args) {
    String tenantcast = "retry: 3000\n"
        + "data: {\"type\":\"CONNECTED\",\"data\":{\"connectionId\":\"x-1\",\"tenant\":\"t3\"},\"timestamp\":1}\n\n"
        + "id: 1-x-1\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":1,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"xx\"},"
        + "\"timestamp\":2}\n\n"
        + "data: {\"type\":\"HEARTBEAT\",\"data\":{},\"timestamp\":3}\n\n"
        + "id: 2-x-1\r\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":2,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"xx\"},"
        + "\"timestamp\":4}\r\n\r\n"
        + ": a comment\r"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":3,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"xx\"},"
        + "\"timestamp\":5}\r\r"
        + "data: {\"type\":\"NOTIFICATION\",\"data\":{\"seq\":9,\"sent\":1000,\"tenant\":\"t3\"},\"timestamp\":6}\n\n"
        + "data:{\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":2,\"sent\":1000,\"tenant\":\"t4\"},\"timestamp\":7}\n\n";
    // 4 deliveries in order (a NOTIFICATION counts: scenario s numbers them with the updates), then one out of order
    // (seq 2, and from the wrong tenant)
    for (int split = 1; split <= 7; split++) {
      Result r = run(Loadgen.Kind.TENANTCAST, chunked(tenantcast, 37), split);
      check("tenantcast split " + split + ": connected", r.connected == 1);
      check("tenantcast split " + split + ": deliveries", r.worker.received == 5);
      check("tenantcast split " + split + ": out of order", r.worker.outOfOrder == 1);
      check("tenantcast split " + split + ": wrong tenant", r.worker.wrongTenant == 1);
      check("tenantcast split " + split + ": other events", r.worker.otherEvents == 1);
      check("tenantcast split " + split + ": malformed", r.worker.malformed == 0);
    }
    String peer = ": connected\n\n"
        + "data: {\"seq\":1,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"x\"}\n\n"
        + "id: 5\ndata: {\"seq\":2,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"x\"}\n\n"
        + ": heartbeat\n\n"
        + "data: {\"seq\":3,\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"x\"}\r\n\r\n";
    for (int split = 1; split <= 5; split++) {
      Result r = run(Loadgen.Kind.NODE, chunked(peer, 11), split);
      check("peer split " + split + ": deliveries", r.worker.received == 3);
      check("peer split " + split + ": in order", r.worker.outOfOrder == 0 && r.worker.duplicates == 0);
      check("peer split " + split + ": established at head", r.established == 1);
      Result raw = run(Loadgen.Kind.NCHAN, ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n" + peer)
          .getBytes(StandardCharsets.UTF_8), split);
      check("raw body split " + split + ": deliveries", raw.worker.received == 3);
    }
    String errBody = "{\"error\":\"too_many_streams\",\"message\":\"this instance is full.\"}";
    Result err = run(Loadgen.Kind.TENANTCAST, ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: "
        + errBody.length() + "\r\n\r\n" + errBody).getBytes(StandardCharsets.UTF_8), 5);
    check("503 body read", err.ended && err.stream.errorBody().contains("too_many_streams"));
    check("503 error code", Loadgen.errorCode(err.stream.errorBody()).equals(" too_many_streams"));
    check("normalize", Loadgen.normalize("connect: Connection refused: /127.0.0.2:45678").equals(
        "connect: Connection refused: #"));

    // scenario n: its defaults count as the standard shape with noise on or off; the noise body has its exact size
    Options alone = Options.parse(new String[] {"n", "tenantcast", "--noise", "false", "--variant", "alone"});
    check("n alone: standard shape", alone.standardShape() && !alone.noiseActive()
        && alone.label().equals("tenantcast-alone"));
    Options noisy = Options.parse(new String[] {"n", "tenantcast",
        "--server-env", "TENANTCAST_HTTP_PUBLISHES_PER_SECOND_PER_TOKEN=1000000"});
    check("n noisy: standard shape", noisy.standardShape() && noisy.noiseActive()
        && noisy.label().equals("tenantcast-noisy"));
    check("n defaults", noisy.streams == 500 && noisy.tenants == 1 && noisy.rate == 10 && noisy.payloadBytes == 160
        && noisy.warmupSeconds == 5 && noisy.durationSeconds == 20 && noisy.noiseStreams == 500
        && noisy.noiseConnections == 8 && noisy.noiseBytes == 60_000);
    check("n small: not standard", !Options.parse(new String[] {"n", "tenantcast", "--noise-streams", "50"})
        .standardShape());
    check("n node: not defined", refused(new String[] {"n", "node"}, Options.Skip.class));
    check("n nchan: not defined", refused(new String[] {"n", "nchan"}, Options.Skip.class));
    check("--noise outside n: refused", refused(new String[] {"b", "tenantcast", "--noise", "false"},
        IllegalArgumentException.class));
    String event = Noise.eventJson("noisy", 60_000);
    io.vertx.core.json.JsonObject parsed = new io.vertx.core.json.JsonObject(event);
    check("noise event", event.length() == 60_000 && parsed.getString("tenant").equals("noisy")
        && parsed.getString("type").equals("DASHBOARD_UPDATE") && parsed.getJsonObject("data") != null);

    // scenario d: a stream buffer that holds the burst, so that no stream of it counts as behind; socket buffers
    // capped on both sides, so that the burst does not put the machine's TCP memory under pressure
    Options burst = Options.parse(new String[] {"d", "tenantcast"});
    check("d defaults", burst.standardShape() && burst.streams == 2000 && burst.messages == 5000
        && "4194304".equals(burst.serverEnv.get("TENANTCAST_HTTP_STREAM_BUFFER_BYTES"))
        && "262144".equals(burst.serverEnv.get("TENANTCAST_HTTP_STREAM_SEND_BUFFER_BYTES"))
        && burst.loadgenReceiveBuffer == 262_144
        && Options.parse(new String[] {"b", "tenantcast"}).loadgenReceiveBuffer == 0);

    // scenario s: its defaults (with the 16 kB buffers) are the standard shape; disconnect is a variant
    Options slow = Options.parse(new String[] {"s", "tenantcast"});
    check("s defaults", slow.standardShape() && slow.streams == 200 && slow.tenants == 1 && slow.rate == 500
        && slow.payloadBytes == 600 && slow.durationSeconds == 20 && slow.warmupSeconds == 10 && slow.slowStreams == 50
        && slow.slowReadFraction == 0.1 && slow.keys == 8 && slow.notificationEvery == 20
        && "16384".equals(slow.serverEnv.get("TENANTCAST_HTTP_STREAM_SEND_BUFFER_BYTES"))
        && "16384".equals(slow.serverEnv.get("TENANTCAST_HTTP_STREAM_BUFFER_BYTES"))
        && slow.label().equals("tenantcast"));
    check("s disconnect: variant", Options.parse(new String[] {"s", "tenantcast", "--server-env",
        "TENANTCAST_HTTP_SLOW_CONSUMERS=disconnect"}).label().equals("tenantcast-disconnect"));
    check("s small: not standard", !Options.parse(new String[] {"s", "tenantcast", "--slow-streams", "5"})
        .standardShape());
    check("s node: not defined", refused(new String[] {"s", "node"}, Options.Skip.class));
    check("s script: refused", refused(new String[] {"s", "tenantcast", "--publish-via", "script"},
        IllegalArgumentException.class));
    Options fastAlone = Options.parse(new String[] {"s", "tenantcast", "--slow", "false"});
    check("s alone: standard shape", fastAlone.standardShape() && !fastAlone.slowActive()
        && fastAlone.label().equals("tenantcast-alone"));
    // the slow reader's decoder: chunks of 37 bytes (lines span chunks), reads of 1 to 9 bytes
    String slowBody = "retry: 3000\ndata: {\"type\":\"CONNECTED\",\"data\":{\"tenant\":\"t0\"},\"timestamp\":1}\n\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":1,\"sent\":1000,\"key\":\"k1\"}}\n\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":2,\"sent\":1000,\"key\":\"k2\"}}\r\n\r\n"
        + "data: {\"type\":\"NOTIFICATION\",\"data\":{\"seq\":3,\"sent\":1000,\"tenant\":\"t0\"}}\r\r"
        + ": comment\ndata: {\"type\":\"HEARTBEAT\",\"data\":{}}\n\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":5,\"sent\":1000,\"key\":\"k1\"}}\n\n"
        + "data: {\"type\":\"NOTIFICATION\",\"data\":{\"seq\":3,\"sent\":1000,\"tenant\":\"t0\"}}\n\n";
    byte[] slowResponse = chunked(slowBody, 37);
    for (int split = 1; split <= 9; split++) {
      java.util.Map<String, Long> last = new java.util.TreeMap<>();
      long[] d = SlowStreams.decode(slow, slowResponse, split, last);
      check("s slow reader split " + split, d[0] == 1 && d[1] == 3 && d[2] == 2 && d[3] == 1 && d[4] == 0 && d[5] == 0
          && last.equals(java.util.Map.of("k1", 5L, "k2", 2L)));
    }
    check("--slow-streams outside s: refused", refused(new String[] {"b", "tenantcast", "--slow-streams", "5"},
        IllegalArgumentException.class));

    // scenario r: ids kept across connections, CONNECTED's resume read, each seq counted once
    String first = "retry: 3000\n"
        + "data: {\"type\":\"CONNECTED\",\"data\":{\"connectionId\":\"c-1\",\"tenant\":\"t3\",\"resume\":"
        + "{\"requested\":false}},\"timestamp\":1}\n\n"
        + "id: 3fa2b1c4.1764000000000-41_0\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"id\":\"3fa2b1c4.1764000000000-41\",\"data\":{\"seq\":1,"
        + "\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"xx\"},\"timestamp\":2}\n\n"
        + "data: {\"type\":\"HEARTBEAT\",\"data\":{},\"timestamp\":3}\n\n"
        + "id: 3fa2b1c4.1764000000000-42_0\r\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"id\":\"3fa2b1c4.1764000000000-42\",\"data\":{\"seq\":2,"
        + "\"sent\":1000,\"tenant\":\"t3\",\"pad\":\"xx\"},\"timestamp\":4}\r\n\r\n"
        + "id: 3fa2b1c4.1764000000000-43_0\n";  // an id whose event never came: not the last event id
    String second = "retry: 3000\n"
        + "data: {\"type\":\"CONNECTED\",\"data\":{\"connectionId\":\"c-2\",\"resume\":{\"requested\":true,"
        + "\"resumed\":true,\"replayed\":2}},\"timestamp\":5}\n\n"
        + "id: 3fa2b1c4.1764000000000-42_0\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":2,\"sent\":1000,\"tenant\":\"t3\"},"
        + "\"timestamp\":6}\n\n"
        + "id: 3fa2b1c4.1764000000001-43_0\n"
        + "data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":3,\"sent\":1000,\"tenant\":\"t3\"},"
        + "\"timestamp\":7}\n\n";
    String third = "data: {\"type\":\"CONNECTED\",\"data\":{\"resume\":{\"requested\":true,\"resumed\":false,"
        + "\"reason\":\"TRIMMED\"}},\"timestamp\":8}\n\n";
    for (int split = 1; split <= 7; split++) {
      Loadgen.Settings rs = new Loadgen.Settings();
      rs.resume = true;
      rs.track = true;
      rs.reconnectPorts = new int[] {2};
      byte[] resumes = new byte[3];
      int[] seen = {0};
      LoadgenWorker w = new LoadgenWorker(rs) {
        @Override
        void connected(StreamState st) {
          resumes[Math.min(2, seen[0]++)] = st.connectedResume;
        }
      };
      StreamState st = new StreamState(0, 3, 1, "127.0.0.2");
      feed(st, w, chunked(first, 29), split);
      check("r split " + split + ": last event id", "3fa2b1c4.1764000000000-42_0".equals(st.lastEventId));
      check("r split " + split + ": not requested", resumes[0] == StreamState.RESUME_NOT_REQUESTED);
      st.newConnection();
      feed(st, w, chunked(second, 31), split);
      check("r split " + split + ": resumed", resumes[1] == StreamState.RESUME_RESUMED && st.connectedReplayed == 2);
      check("r split " + split + ": counted once", st.distinct == 3 && w.duplicates == 1 && w.received == 4
          && w.outOfOrder == 0);
      check("r split " + split + ": id across connections", "3fa2b1c4.1764000000001-43_0".equals(st.lastEventId));
      st.newConnection();
      feed(st, w, chunked(third, 13), split);
      check("r split " + split + ": refused", resumes[2] == StreamState.RESUME_REFUSED
          && "TRIMMED".equals(st.connectedReason));
    }
    Options r = Options.parse(new String[] {"r", "tenantcast"});
    check("r defaults", r.standardShape() && r.streams == 10_000 && r.tenants == 100 && r.instances == 3
        && r.rate == 100 && r.placement.equals("first") && r.publishVia.equals("script") && r.killAfterSeconds == 5
        && r.reconnectDelayMaxMs == 500 && r.label().equals("tenantcast"));
    check("r small: not standard", !Options.parse(new String[] {"r", "tenantcast", "--streams", "300", "--tenants",
        "10", "--rate", "20"}).standardShape());
    check("r timeout: still standard", Options.parse(new String[] {"r", "tenantcast", "--resume-timeout", "60",
        "--resume-attempts", "3"}).standardShape());
    check("r node: not defined", refused(new String[] {"r", "node"}, Options.Skip.class));
    check("r spread: refused", refused(new String[] {"r", "tenantcast", "--placement", "spread"},
        IllegalArgumentException.class));
    check("r plain publish: refused", refused(new String[] {"r", "tenantcast", "--publish-via", "publish"},
        IllegalArgumentException.class));
    check("r one instance: refused", refused(new String[] {"r", "tenantcast", "--instances", "1"},
        IllegalArgumentException.class));
    check("r kill after the end: refused", refused(new String[] {"r", "tenantcast", "--kill-after", "20"},
        IllegalArgumentException.class));
    check("--kill-after outside r: refused", refused(new String[] {"b", "tenantcast", "--kill-after", "3"},
        IllegalArgumentException.class));
    check("b through the script: variant", Options.parse(new String[] {"b", "tenantcast", "--publish-via", "script"})
        .label().equals("tenantcast-script"));
    check("script for node: refused", refused(new String[] {"b", "node", "--publish-via", "script"},
        IllegalArgumentException.class));

    // scenario k: STATUS events timed per stream, each seq once, a refused seq delivered anyway counted apart
    String statusEvents = "data: {\"type\":\"CONNECTED\",\"data\":{\"connectionId\":\"c-1\"},\"timestamp\":1}\n\n"
        + "id: e.1-1_0\ndata: {\"type\":\"DASHBOARD_UPDATE\",\"id\":\"e.1-1\",\"data\":{\"seq\":1,\"sent\":1000,"
        + "\"tenant\":\"t3\"},\"timestamp\":2}\n\n"
        + "data: {\"type\":\"STATUS\",\"data\":{\"state\":\"DEGRADED\",\"message\":\"the broker is unreachable\"},"
        + "\"timestamp\":3}\n\n"
        + "data: {\"type\":\"STATUS\",\"data\":{\"state\":\"RESTORED\",\"message\":\"the broker is back\"},"
        + "\"timestamp\":4}\n\n"
        + "id: e.1-2_0\ndata: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":1,\"sent\":1000,\"tenant\":\"t3\"},"
        + "\"timestamp\":5}\n\n"
        + "id: e.1-3_0\ndata: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":2,\"sent\":1000,\"tenant\":\"t3\"},"
        + "\"timestamp\":6}\n\n"
        + "id: e.1-4_0\ndata: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":3,\"sent\":2000,\"tenant\":\"t3\"},"
        + "\"timestamp\":7}\n\n";
    for (int split = 1; split <= 7; split++) {
      Loadgen.Settings ks = new Loadgen.Settings();
      ks.track = true;
      LoadgenWorker w = new LoadgenWorker(ks) {
        @Override
        void connected(StreamState st) {
        }
      };
      StreamState st = new StreamState(0, 3, 1, "127.0.0.2");
      st.established = true;
      w.adopt(st);
      w.reset();
      w.mark(1500, java.util.Set.of(3));
      feed(st, w, chunked(statusEvents, 23), split);
      check("k split " + split + ": status timed", st.degradedMicros == 2000 && st.restoredMicros == 2000
          && w.degradedEvents == 1 && w.restoredEvents == 1);
      check("k split " + split + ": seqs once", st.distinct == 3 && w.duplicates == 1 && w.outOfOrder == 0);
      check("k split " + split + ": flow after the mark", st.flowMicros == 2000);
      // seq 2 was refused (its master died before it answered) but delivered: 2 accepted, both received
      java.util.BitSet refusedSeqs = new java.util.BitSet();
      refusedSeqs.set(2);
      Snapshot snap = w.snapshot(new long[] {0, 0, 0, 2}, java.util.Map.of(3, refusedSeqs), true, 1500, false);
      check("k split " + split + ": refused seq apart", snap.lost == 0 && snap.deliveredRefused == 1
          && snap.extra == 0 && snap.expected == 2);
      check("k split " + split + ": failover figures", snap.failover != null && snap.failover.degraded == 1
          && snap.failover.restored == 1 && snap.failover.watched == 1 && snap.failover.flowed == 1
          && snap.failover.restoredTime.getTotalCount() == 1);
    }

    // scenario k: options, the slot function (the Redis Cluster specification's test vector), CLUSTER NODES
    Options k = Options.parse(new String[] {"k", "tenantcast"});
    check("k defaults", k.standardShape() && k.streams == 3000 && k.tenants == 1000 && k.instances == 3
        && k.rate == 1000 && k.durationSeconds == 30 && k.placement.equals("by-tenant")
        && k.publishVia.equals("script") && !k.failover() && k.label().equals("tenantcast-sharded"));
    check("k classic", Options.parse(new String[] {"k", "tenantcast", "--cluster-pubsub", "classic"}).label()
        .equals("tenantcast-classic"));
    Options kf = Options.parse(new String[] {"k", "tenantcast", "--kill-master-after", "5"});
    check("k failover: standard", kf.failover() && kf.standardShape() && kf.label().equals("tenantcast-sharded-failover"));
    check("k failover at 3 s: not standard", !Options.parse(new String[] {"k", "tenantcast", "--kill-master-after",
        "3"}).standardShape());
    check("k node timeout: not standard", !Options.parse(new String[] {"k", "tenantcast", "--cluster-node-timeout",
        "2000"}).standardShape());
    check("k unknown pubsub: refused", refused(new String[] {"k", "tenantcast", "--cluster-pubsub", "pattern"},
        IllegalArgumentException.class));
    check("k kill after the end: refused", refused(new String[] {"k", "tenantcast", "--kill-master-after", "30"},
        IllegalArgumentException.class));
    check("k redis url: refused", refused(new String[] {"k", "tenantcast", "--server-env",
        "TENANTCAST_REDIS_URL=redis://127.0.0.1:6379"}, IllegalArgumentException.class));
    check("k node: not defined", refused(new String[] {"k", "node"}, Options.Skip.class));
    check("--cluster-pubsub outside k: refused", refused(new String[] {"i", "tenantcast", "--cluster-pubsub",
        "classic"}, IllegalArgumentException.class));
    check("slot test vector", RedisCluster.slot("123456789") == 12739);
    check("slot of a hash tag", RedisCluster.slot("tenantcast:{tenant:t5}:history")
        == RedisCluster.slot("dashboard-update-{tenant:t5}") && RedisCluster.slot("x{tenant:t5}")
        == RedisCluster.slot(RedisCluster.tenantTag(5)));
    java.util.List<RedisCluster.Node> nodes = RedisCluster.parseNodes(
        "07c3 127.0.0.1:30004@40004 slave e7d1 0 1426238317239 4 connected\n"
        + "e7d1 127.0.0.1:30001@40001,host1 myself,master - 0 0 1 connected 0-5460\n"
        + "67ed 127.0.0.1:30002@40002 master,fail - 1426238316232 1426238315228 2 connected 5461-10922 [10923->-abc]\n"
        + "292f 127.0.0.1:30003@40003 master - 0 1426238318243 3 connected 10923-16383\n");
    check("cluster nodes", nodes.size() == 4 && !nodes.get(0).master() && "e7d1".equals(nodes.get(0).masterId())
        && nodes.get(1).port() == 30001 && nodes.get(1).slotCount() == 5461 && nodes.get(2).failed()
        && RedisCluster.masterOf(nodes, 6000) == null && RedisCluster.masterOf(nodes, 16383).port() == 30003);

    // cost per event, the Tenantcast format, 30 events per read
    StringBuilder b = new StringBuilder();
    for (int i = 1; i <= 30; i++) {
      b.append("id: 1764000000000-bench0-").append(i).append("\n")
          .append("data: {\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"seq\":").append(i)
          .append(",\"sent\":1764000000000000,\"tenant\":\"t3\",\"pad\":\"")
          .append("x".repeat(96)).append("\"},\"timestamp\":1764000000000}\n\n");
    }
    byte[] chunk = b.toString().getBytes(StandardCharsets.UTF_8);
    byte[] framed = chunked(b.toString(), chunk.length);
    Loadgen.Settings s = new Loadgen.Settings();
    LoadgenWorker w = new LoadgenWorker(s);
    StreamState st = new StreamState(0, 3, 1, "127.0.0.2");
    byte[] head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    st.feed(head, 0, head.length, 0, w);
    long events = 0;
    long t0 = System.nanoTime();
    for (int round = 0; round < 200_000 && System.nanoTime() - t0 < 3_000_000_000L; round++) {
      st.feed(framed, 0, framed.length, 1764000000001000L, w);
      events += 30;
    }
    double nsPerEvent = (System.nanoTime() - t0) / (double) events;
    check("benchmark parse", w.received == events);
    System.out.printf("parse cost: %.0f ns per event (%d events, %d bytes each)%n", nsPerEvent, events,
        chunk.length / 30);
    System.out.println(passed + " passed, " + failed + " failed");
    System.exit(failed == 0 ? 0 : 1);
  }

  private record Result(LoadgenWorker worker, StreamState stream, int connected, int established, boolean ended) {
  }

  /** Feeds {@code bytes} in pieces of {@code split} bytes to a fresh stream and reports what it saw. */
  private static Result run(Loadgen.Kind kind, byte[] bytes, int split) {
    Loadgen.Settings s = new Loadgen.Settings();
    s.kind = kind;
    int[] counts = new int[3];
    LoadgenWorker w = new LoadgenWorker(s) {
      @Override
      void connected(StreamState st) {
        counts[0]++;
      }

      @Override
      void headReceived(StreamState st) {
        if (st.status == 200 && kind != Loadgen.Kind.TENANTCAST) {
          counts[1]++;
        }
      }

      @Override
      void bodyEnded(StreamState st, String reason) {
        counts[2]++;
      }
    };
    StreamState st = new StreamState(0, 3, 1, "127.0.0.2");
    for (int i = 0; i < bytes.length; i += split) {
      st.feed(bytes, i, Math.min(split, bytes.length - i), 2000, w);
    }
    return new Result(w, st, counts[0], counts[1], counts[2] > 0);
  }

  private static void feed(StreamState st, LoadgenWorker w, byte[] bytes, int split) {
    for (int i = 0; i < bytes.length; i += split) {
      st.feed(bytes, i, Math.min(split, bytes.length - i), 2000, w);
    }
  }

  /** A chunked HTTP 200 response carrying {@code body} in chunks of {@code size} bytes. */
  private static byte[] chunked(String body, int size) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder();
    java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
    if (size != b.length) {
      o.writeBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
    }
    for (int i = 0; i < b.length; i += size) {
      int n = Math.min(size, b.length - i);
      o.writeBytes((Integer.toHexString(n) + (i == 0 ? ";ext=1" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      o.write(b, i, n);
      o.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.setLength(0);
    return o.toByteArray();
  }

  /** Whether parsing {@code argv} throws {@code expected}. */
  private static boolean refused(String[] argv, Class<? extends RuntimeException> expected) {
    try {
      Options.parse(argv);
      return false;
    } catch (RuntimeException e) {
      return expected.isInstance(e);
    }
  }

  private static void check(String name, boolean ok) {
    if (ok) {
      passed++;
    } else {
      failed++;
      System.out.println("FAILED: " + name);
    }
  }
}
