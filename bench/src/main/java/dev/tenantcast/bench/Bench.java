package dev.tenantcast.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Coordinator of one benchmark run: one scenario against one server. Starts a fresh redis-server (scenario k: a
 * Redis Cluster of 3 masters and 3 replicas, {@link RedisCluster}) and the server under test, K load-generator processes ({@link Loadgen}), opens the streams, warms up, measures, drains, collects and
 * merges the figures, reads the server's memory and CPU from /proc and writes
 * {@code results/<scenario>-<server>-<UTC timestamp>.json}. Every process it starts is stopped at the end, also on
 * failure ({@link Children}). Prints {@code RESULT <path>} as its last line.
 *
 * <p>Exit codes: 0 done (the result may still show lost deliveries), 1 the run failed (an error result is written
 * when possible), 2 bad usage, 3 the scenario is not defined for this server (skipped).
 */
public final class Bench {
  private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);

  private final Options o;
  private final String jwtSecret;
  private final Path logDir;
  private final Path resultFile;
  private final JsonObject result = new JsonObject();
  private final JsonObject figures = new JsonObject();
  private final List<String> notes = java.util.Collections.synchronizedList(new ArrayList<>());
  private Servers.Sut redis;
  private RedisCluster cluster;  // scenario k: the cluster (redis is its nodes)
  private Servers.Sut sut;
  private final List<LoadgenProcess> loadgens = new ArrayList<>();
  private Vertx vertx;
  private Publisher publisher;
  private Noise noise;
  private SlowStreams slow;     // scenario s
  private final Instant started = Instant.now();

  private Bench(Options o) {
    this.o = o;
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.jwtSecret = "bench-" + HexFormat.of().formatHex(secret);
    String base = o.scenario + "-" + o.label() + "-" + STAMP.format(started);
    this.resultFile = o.resultsDir.resolve(base + ".json");
    this.logDir = o.resultsDir.resolve("logs").resolve(base);
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("loadgen")) {
      try {
        Loadgen.main(java.util.Arrays.copyOfRange(args, 1, args.length));
      } catch (Exception e) {
        e.printStackTrace();
        System.exit(1);
      }
      return;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (Options.Skip s) {
      System.err.println("bench: skipped: " + s.getMessage());
      System.exit(3);
      return;
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      System.exit(2);
      return;
    }
    Bench b = new Bench(o);
    int code = b.runAndWrite();
    System.exit(code);
  }

  private int runAndWrite() {
    int code = 0;
    try {
      Files.createDirectories(logDir);
      log("scenario " + o.scenario + ", server " + o.label() + "; logs in " + logDir);
      run();
      result.put("status", "ok");
    } catch (Throwable t) {
      code = 1;
      String msg = t instanceof BenchException ? t.getMessage() : Loadgen.full(t);
      System.err.println("bench: FAILED: " + msg);
      if (!(t instanceof BenchException)) {
        t.printStackTrace();
      }
      result.put("status", "error").put("error", msg);
    } finally {
      shutdown();
    }
    try {
      finishResult();
      Files.createDirectories(resultFile.getParent());
      Files.writeString(resultFile, result.encodePrettily() + "\n");
      log("wrote " + resultFile);
      System.out.println("RESULT " + resultFile);
    } catch (Exception e) {
      System.err.println("bench: cannot write " + resultFile + ": " + e);
      code = 1;
    }
    return code;
  }

  // ---------------------------------------------------------------- the run

  private void run() throws Exception {
    result.put("scenario", o.scenario).put("server", o.server).put("variant", o.variant).put("label", o.label())
        .put("date", started.toString()).put("machine", ProcStats.machine())
        .put("command", o.command != null ? o.command : "java -jar bench/target/tenantcast-bench.jar "
            + String.join(" ", o.args))
        .put("args", new JsonArray(new ArrayList<>(o.args)))
        .put("params", o.toJson())
        .put("standardShape", o.standardShape())
        .put("logs", logDir.toString());

    int redisPort;
    if (o.scenario.equals("k")) {
      long t0 = System.nanoTime();
      cluster = RedisCluster.start(o, logDir);
      redis = cluster.sut;
      redisPort = cluster.ports().get(0);
      List<RedisCluster.Node> nodes = cluster.nodes();
      redis.info.put("nodesAtStart", RedisCluster.describe(nodes));
      log("Redis Cluster on 127.0.0.1 ports " + cluster.ports() + ": 3 masters + 3 replicas, steady after "
          + round((System.nanoTime() - t0) / 1e9, 1) + " s; tenants per master "
          + RedisCluster.tenantsByMaster(nodes, o.tenants).entrySet().stream()
              .map(e -> e.getKey() + "=" + e.getValue().size()).toList());
    } else {
      redis = Servers.redis(o, logDir);
      redisPort = redis.ports.get(0);
      log("redis-server on 127.0.0.1:" + redisPort);
    }
    Map<String, String> redisEnv = cluster != null ? cluster.tenantcastEnv(o.clusterPubSub)
        : Servers.standaloneRedisEnv(redisPort);
    sut = switch (o.server) {
      case "tenantcast" -> Servers.tenantcast(o, redisEnv, jwtSecret, logDir);
      case "node" -> Servers.node(o, redisPort, jwtSecret, logDir);
      case "nchan" -> Servers.nchan(o, redisPort, logDir);
      case "floor" -> Servers.floor(o, redisPort, logDir);
      default -> throw new IllegalStateException(o.server);
    };
    Children.remember(sut.pids());
    log(sut.name + " ready on port(s) " + sut.ports + " (pids " + sut.pids() + ")");

    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2));
    if (o.server.equals("nchan")) {
      publisher = Publisher.http(vertx, o.tenants, o.payloadBytes, sut.ports.get(0), o.httpPublishConnections,
          o.httpPipelining);
    } else if (cluster != null) {
      publisher = Publisher.cluster(vertx, o.tenants, o.payloadBytes, cluster.ports(), publishScript(),
          o.clusterPubSub.equals("sharded"));
    } else if (o.publishVia.equals("script")) {
      publisher = Publisher.script(vertx, o.tenants, o.payloadBytes, redisPort, publishScript());
    } else {
      publisher = Publisher.redis(vertx, o.tenants, o.payloadBytes, redisPort);
    }
    if (o.scenario.equals("s")) {
      publisher.latestState(o.keys, o.notificationEvery);
    }
    publisher.block(publisher.connect(), 15_000, "publisher cannot connect");
    result.put("publisher", publisher.describe() + (o.scenario.equals("s") ? "; updates with \"key\":\"k<seq % "
        + o.keys + ">\"" + (o.notificationEvery > 0 ? ", every " + o.notificationEvery + "th seq a NOTIFICATION on "
        + "notification-<tenant>" : "") : ""));

    Servers.sleep((long) (o.settleSeconds * 1000));
    sut.checkAlive();
    long rssIdle = ProcStats.rssKb(sut.pids());
    pssIdle = ProcStats.pssKb(sut.pids());
    figures.put("rss_idle_mb", mb(rssIdle)).put("pss_idle_mb", mb(pssIdle));
    log("idle RSS " + mb(rssIdle) + " MB");

    startLoadgens();

    if (o.scenario.equals("c")) {
      capacity(rssIdle);
    } else if (o.scenario.equals("r")) {
      resumeAtScale(rssIdle);
    } else {
      deliveries(rssIdle);
    }
    if (o.server.equals("tenantcast")) {
      result.put("serverStats", tenantcastStats());
    }
    sut.checkAlive();
  }

  private void startLoadgens() throws Exception {
    int k = o.loadgens > 0 ? o.loadgens : Math.max(1, (o.maxStreams() + o.streamsPerLoadgen - 1) / o.streamsPerLoadgen);
    List<String> ports = sut.ports.stream().map(String::valueOf).toList();
    List<String> jvm = new ArrayList<>();
    jvm.add(Servers.javaBinary());
    jvm.add("-Xms" + o.loadgenHeap);
    jvm.add("-Xmx" + o.loadgenHeap);
    jvm.add("-Xmn" + o.loadgenYoung);
    jvm.addAll(o.loadgenJvm);
    JsonArray commands = new JsonArray();
    Map<String, String> env = Map.of("BENCH_JWT_SECRET", jwtSecret);
    String jar = Path.of(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    for (int i = 0; i < k; i++) {
      List<String> cmd = new ArrayList<>(jvm);
      cmd.add("-Xlog:gc:file=" + logDir.resolve("loadgen-" + i + "-gc.log"));
      cmd.addAll(List.of("-cp", jar, Loadgen.class.getName(),
          "--kind", o.server, "--ports", String.join(",", ports), "--tenants", String.valueOf(o.tenants),
          "--placement", o.placement, "--sources", o.sources, "--event-loops", String.valueOf(o.eventLoops),
          "--open-concurrency", String.valueOf(o.openConcurrency),
          "--open-timeout-ms", String.valueOf((long) (o.openTimeoutSeconds * 1000)),
          "--index", String.valueOf(i), "--of", String.valueOf(k), "--peer-jwt", String.valueOf(o.peerJwt),
          "--max-seconds", String.valueOf(6 * 3600), "--receive-buffer", String.valueOf(o.loadgenReceiveBuffer)));
      if (o.scenario.equals("r")) {
        // every stream starts on instance 0; when it is killed they reconnect to the others
        cmd.addAll(List.of("--resume", "true", "--reconnect-ports", String.join(",", ports.subList(1, ports.size())),
            "--reconnect-delay-max-ms", String.valueOf(o.reconnectDelayMaxMs),
            "--resume-attempts", String.valueOf(o.resumeAttempts)));
      }
      if (o.scenario.equals("k")) {
        // each seq counted once per stream (the replay after a failover may repeat events), STATUS events timed
        cmd.addAll(List.of("--track", "true"));
      }
      loadgens.add(LoadgenProcess.start(i, cmd, env, logDir.resolve("loadgen-" + i + ".log")));
      commands.add(Servers.shell(cmd));
    }
    result.put("loadgen", new JsonObject().put("processes", k).put("eventLoops", o.eventLoops)
        .put("receiveBufferBytes", o.loadgenReceiveBuffer)
        .put("jvmFlags", new JsonArray(new ArrayList<>(jvm.subList(1, jvm.size()))))
        .put("sourceAddresses", o.sources).put("commands", commands)
        .put("nativeTransport", loadgens.stream().allMatch(l -> l.started.getBoolean("nativeTransport", false)))
        .put("pids", new JsonArray(loadgens.stream().map(l -> l.process.pid()).toList())));
    log(k + " load generator(s) started");
  }

  /** Opens streams [from, to) over all load generators; returns the merged figures of everything opened so far. */
  private Snapshot open(int from, int to, boolean stopOnFailure) {
    long t0 = System.nanoTime();
    JsonObject cmd = new JsonObject().put("cmd", "open").put("from", from).put("to", to)
        .put("stopOnFailure", stopOnFailure).put("deadlineSeconds", (long) o.openDeadlineSeconds);
    List<JsonObject> answers = LoadgenProcess.callAll(loadgens, cmd, "opened",
        (long) ((o.openDeadlineSeconds + o.openTimeoutSeconds + 60) * 1000));
    Snapshot all = merge(answers);
    log(String.format("streams [%d, %d): %d established, %d failed, %d not attempted (%.1f s)%s", from, to,
        all.established, all.failed, all.notAttempted, (System.nanoTime() - t0) / 1e9,
        all.failureReasons.isEmpty() ? "" : "; failures " + all.failureReasons));
    return all;
  }

  private static Snapshot merge(List<JsonObject> answers) {
    Snapshot all = new Snapshot();
    for (JsonObject a : answers) {
      all.add(Snapshot.fromJson(a));
    }
    return all;
  }

  private Snapshot status(long[] published) {
    JsonObject cmd = new JsonObject().put("cmd", "status");
    if (published != null) {
      cmd.put("published", toArray(published));
      putRefused(cmd);
    }
    return merge(LoadgenProcess.callAll(loadgens, cmd, "status", 60_000));
  }

  /**
   * Tracked runs: the seqs whose publish failed, so that a load generator counts exactly the accepted ones (one
   * delivered anyway, e.g. run by a master that died before it answered, is counted apart).
   */
  private JsonObject putRefused(JsonObject cmd) {
    JsonObject refused = o.tracksSeqs() ? publisher.refusedJson() : null;
    if (refused != null) {
      cmd.put("refused", refused);
    }
    return cmd;
  }

  /** The deliveries each stream's tenant should have had: over the whole run when seqs are tracked, else the phase's. */
  private long[] expectedPerTenant() {
    return (o.tracksSeqs() ? publisher.publishedTotal : publisher.published).clone();
  }

  /** Scenario r, around the kill: counts only (no histograms), so that polling every 100 ms costs the phase little. */
  private Snapshot lightStatus(long killMicros) {
    JsonObject cmd = new JsonObject().put("cmd", "status").put("light", true);
    if (killMicros > 0) {
      cmd.put("killMicros", killMicros);
    }
    return merge(LoadgenProcess.callAll(loadgens, cmd, "status", 60_000));
  }

  private static JsonArray toArray(long[] a) {
    JsonArray r = new JsonArray();
    for (long v : a) {
      r.add(v);
    }
    return r;
  }

  private void putStreamFigures(Snapshot s, int requested) {
    figures.put("streams_requested", requested)
        .put("streams_established", s.established)
        .put("streams_failed", s.failed)
        .put("streams_not_attempted", s.notAttempted)
        .put("failure_reasons", new JsonObject(new LinkedHashMap<>(s.failureReasons)))
        .put("failure_examples", new JsonArray(new ArrayList<>(s.failureExamples)));
    if (s.ttfe != null && s.ttfe.getTotalCount() > 0) {
      figures.put("ttfe_p50_ms", ms(s.ttfe.getValueAtPercentile(50)))
          .put("ttfe_p99_ms", ms(s.ttfe.getValueAtPercentile(99)))
          .put("ttfe_max_ms", ms(s.ttfe.getMaxValue()));
    }
    figures.put("ttfe_meaning", o.server.equals("tenantcast") ? "request to CONNECTED event"
        : "request to response head");
  }

  // ---------------------------------------------------------------- scenarios a, b, d, e, i, n

  private void deliveries(long rssIdle) {
    Snapshot opened = open(0, o.streams, false);
    putStreamFigures(opened, o.streams);
    if (opened.established == 0) {
      throw new BenchException("no stream could be established: " + opened.failureReasons
          + " e.g. " + opened.failureExamples);
    }
    Servers.sleep((long) (o.settleSeconds * 1000));
    sut.checkAlive();
    long rssStreams = ProcStats.rssKb(sut.pids());
    long pssStreams = ProcStats.pssKb(sut.pids());
    figures.put("rss_streams_mb", mb(rssStreams))
        .put("rss_per_stream_kb", round((rssStreams - rssIdle) / (double) opened.established, 2))
        .put("pss_streams_mb", mb(pssStreams))
        .put("pss_per_stream_kb", round((pssStreams - pssIdle) / (double) opened.established, 2));
    log("RSS with " + opened.established + " streams " + mb(rssStreams) + " MB");
    if (o.noiseActive()) {
      startNoise();
    }
    if (o.slowActive()) {
      startSlow();
    }

    RssSampler sampler = new RssSampler(sut);
    sampler.start();
    try {
      // warm-up
      publisher.mark();
      long warm = o.burst() ? Math.max(0, o.warmupMessages) : Math.round(o.rate * o.warmupSeconds);
      if (warm > 0) {
        log("warm-up: " + warm + " messages " + (o.burst() ? "as fast as possible" : "at " + o.rate + "/s"));
        publish(warm, "warm-up");
        Snapshot w = drain(expectedPerTenant(), "warm-up");
        result.put("warmup", new JsonObject().put("messages", warm).put("expected", w.expected)
            .put("received", w.received).put("lost", w.lost).put("publish", publisher.phaseJson()));
        if (w.lost > 0) {
          notes.add("warm-up: " + w.lost + " of " + w.expected + " deliveries missing (not counted in the figures)");
        }
      }

      // measured phase
      LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "reset"), "reset", 60_000);
      publisher.mark();
      if (noise != null) {
        noise.mark();
      }
      JsonObject messages0 = o.scenario.equals("s") ? serverMessages() : null;
      if (slow != null) {
        slow.mark();
      }
      List<Long> pids = sut.pids();
      ProcStats.resetPeak(pids);
      sampler.resetPeak();
      double cpu0 = ProcStats.cpuSeconds(pids);
      double kernelCpu0 = ProcStats.kernelCpuSeconds(pids);
      Map<String, double[]> threads0 = ProcStats.cpuByThread(pids);
      double redisCpu0 = ProcStats.cpuSeconds(redis.pids());
      double lgCpu0 = loadgens.stream().mapToDouble(LoadgenProcess::cpuSeconds).sum();
      double selfCpu0 = ProcStats.cpuSeconds(ProcessHandle.current().pid());
      List<Path> recordings = o.jfr ? jfr(pids, "start") : List.of();
      List<RedisCluster.Node> nodes0 = cluster != null ? cluster.nodes() : null;
      Map<Integer, Double> nodeCpu0 = cluster != null ? cluster.cpuByPort() : null;
      long wall0 = System.nanoTime();
      long total = o.measuredMessages();
      log("measured: " + total + " messages " + (o.burst() ? "as fast as possible" : "at " + o.rate + "/s"));
      Failover failover = null;
      if (o.failover()) {
        failover = publishWithKill(total, nodes0, wall0);
      } else {
        publish(total, "measured phase");
      }
      long[] published = expectedPerTenant();
      JsonObject publishFigures = publisher.phaseJson();
      Snapshot d = drain(published, "measured phase");
      if (slow != null) {
        double waited = slow.drain(publisher, sut::checkAlive);
        figures.put("slow_drain_s", round(waited, 3)).put("slow_caught_up", slow.caughtUp(publisher));
      }
      double wall = (System.nanoTime() - wall0) / 1e9;
      double cpu = ProcStats.cpuSeconds(pids) - cpu0;
      double kernelCpu = ProcStats.kernelCpuSeconds(pids) - kernelCpu0;
      JsonObject byThread = cpuByThread(threads0, ProcStats.cpuByThread(pids));
      if (o.jfr) {
        jfr(pids, "stop");
        figures.put("jfr_recordings", new JsonArray(recordings.stream().map(Path::toString).toList()));
      }
      double redisCpu = ProcStats.cpuSeconds(redis.pids()) - redisCpu0;
      double lgCpu = loadgens.stream().mapToDouble(LoadgenProcess::cpuSeconds).sum() - lgCpu0;
      double selfCpu = ProcStats.cpuSeconds(ProcessHandle.current().pid()) - selfCpu0;
      if (noise != null) {
        figures.mergeIn(noise.figures());
        noise.stop();
        logNoise();
      }
      Snapshot r = merge(LoadgenProcess.callAll(loadgens, putRefused(new JsonObject().put("cmd", "report")
          .put("published", toArray(published)).put("killMicros", failover == null ? 0 : failover.killMicros)),
          "report", 120_000));
      long rssEnd = ProcStats.rssKb(sut.pids());
      long hwm = ProcStats.hwmKb(sut.pids());
      sampler.stop();

      Histogram h = r.latency;
      figures.put("messages_published", publisher.succeeded)
          .put("publish_errors", publisher.errors)
          .put("deliveries_expected", r.expected)
          .put("deliveries_received", r.received)
          .put("deliveries_lost", r.lost)
          .put("deliveries_extra", r.extra)
          .put("streams_with_loss", r.streamsWithLoss)
          .put("out_of_order", r.outOfOrder)
          .put("duplicates", r.duplicates)
          .put("wrong_tenant", r.wrongTenant)
          .put("malformed_events", r.malformed)
          .put("streams_closed_during_measure", r.closedSinceReset)
          .put("streams_open_at_end", r.open);
      if (h != null && h.getTotalCount() > 0) {
        figures.put("latency_p50_ms", ms(h.getValueAtPercentile(50)))
            .put("latency_p90_ms", ms(h.getValueAtPercentile(90)))
            .put("latency_p99_ms", ms(h.getValueAtPercentile(99)))
            .put("latency_p99_9_ms", ms(h.getValueAtPercentile(99.9)))
            .put("latency_max_ms", ms(h.getMaxValue()))
            .put("latency_mean_ms", round(h.getMean() / 1000.0, 3));
      }
      double windowSec = r.lastRecvMicros > publisher.firstSendMicros && publisher.firstSendMicros > 0
          ? (r.lastRecvMicros - publisher.firstSendMicros) / 1e6 : 0;
      figures.put("deliveries_per_s", windowSec > 0 ? Math.round(r.received / windowSec) : null)
          .put("delivery_window_s", round(windowSec, 3))
          .put("deliveries_per_s_meaning", "deliveries received / (last delivery - first send) of the measured phase")
          .put("rss_end_mb", mb(rssEnd))
          .put("rss_peak_mb", mb(hwm))
          .put("rss_peak_meaning", "sum over the server's processes of VmHWM, reset before the measured phase "
              + "(clear_refs) when permitted")
          .put("rss_peak_sampled_mb", mb(sampler.peakKb()))
          .put("server_cpu_s", round(cpu, 3))
          .put("server_cpu_percent", round(100 * cpu / wall, 1))
          .put("server_kernel_cpu_s", round(kernelCpu, 3))
          .put("server_cpu_by_thread", byThread)
          .put("server_cpu_us_per_delivery", r.received > 0 ? round(cpu * 1e6 / r.received, 3) : null)
          .put("measured_wall_s", round(wall, 3))
          .put("redis_cpu_s", round(redisCpu, 3))
          .put("loadgen_cpu_s", round(lgCpu, 3))
          .put("coordinator_cpu_s", round(selfCpu, 3));
      if (r.lag != null && r.lag.getTotalCount() > 0) {
        figures.put("loadgen_loop_lag_p99_ms", ms(r.lag.getValueAtPercentile(99)))
            .put("loadgen_loop_lag_max_ms", ms(r.lag.getMaxValue()));
      }
      figures.put("publish", publishFigures)
          .put("close_reasons", new JsonObject(new LinkedHashMap<>(r.closeReasons)))
          .put("close_examples", new JsonArray(new ArrayList<>(r.closeExamples)))
          .put("loss_examples", new JsonArray(new ArrayList<>(r.lossExamples)));
      if (cluster != null) {
        clusterFigures(r, nodes0, nodeCpu0, failover);
      }
      if (messages0 != null) {
        slowFigures(messages0);
      }
      if (r.lost > 0) {
        notes.add(r.lost + " deliveries lost on " + r.streamsWithLoss + " stream(s); e.g. " + r.lossExamples);
      }
      if (r.outOfOrder > 0 || r.duplicates > 0 || r.wrongTenant > 0 || r.malformed > 0) {
        notes.add("out-of-order " + r.outOfOrder + ", duplicates " + r.duplicates + ", wrong tenant "
            + r.wrongTenant + ", malformed " + r.malformed);
      }
      log(String.format("measured: %d/%d deliveries (lost %d), p50 %s ms, p99 %s ms, p99.9 %s ms, max %s ms, %s/s",
          r.received, r.expected, r.lost, figures.getValue("latency_p50_ms"), figures.getValue("latency_p99_ms"),
          figures.getValue("latency_p99_9_ms"), figures.getValue("latency_max_ms"),
          figures.getValue("deliveries_per_s")));
    } finally {
      sampler.stop();
    }
  }

  private void publish(long n, String phase) {
    long timeout;
    if (o.burst()) {
      timeout = (long) (o.drainMaxSeconds * 1000) + 60_000 + n * 50;
      if (o.server.equals("nchan")) {
        publisher.burst(n, 1, publisher.window(), timeout);
      } else {
        publisher.burst(n, o.burstBatch, o.burstWindow, timeout);
      }
    } else {
      timeout = (long) (n / o.rate * 1000) + 60_000;
      publisher.paced(n, o.rate, timeout);
    }
    if (publisher.errors > 0) {
      notes.add(phase + ": " + publisher.errors + " publish errors; first: " + publisher.firstError);
    }
    if (publisher.noReceivers > 0) {
      notes.add(phase + ": " + publisher.noReceivers + " of " + publisher.sent + " messages reached no subscriber (PUBLISH answered 0"
          + " or Nchan 202)");
    }
  }

  /** Waits until every open stream has its deliveries, no progress for drain-idle, or drain-max. */
  private Snapshot drain(long[] published, String what) {
    long start = System.nanoTime();
    long maxNanos = (long) (o.drainMaxSeconds * 1e9);
    long idleNanos = (long) (o.drainIdleSeconds * 1e9);
    long lastReceived = -1;
    long lastProgress = System.nanoTime();
    Snapshot s;
    while (true) {
      s = status(published);
      if (s.lost == 0) {
        break;
      }
      long now = System.nanoTime();
      if (s.received != lastReceived) {
        lastReceived = s.received;
        lastProgress = now;
      } else if (now - lastProgress > idleNanos) {
        log(what + ": no progress for " + o.drainIdleSeconds + " s, " + s.lost + " deliveries missing");
        break;
      }
      if (now - start > maxNanos) {
        log(what + ": drain limit " + o.drainMaxSeconds + " s reached, " + s.lost + " deliveries missing");
        break;
      }
      sut.checkAlive();
      Servers.sleep(200);
    }
    figures.put(switch (what) {
      case "warm-up" -> "warmup_drain_s";
      case "check" -> "check_drain_s";
      default -> "drain_s";
    }, round((System.nanoTime() - start) / 1e9, 3));
    return s;
  }

  // ---------------------------------------------------------------- scenario k: Redis Cluster

  /** What happened around the kill of a master (scenario k's failover variant). */
  private static final class Failover {
    RedisCluster.Node victim;
    RedisCluster.Node replica;
    List<Integer> tenants;
    long pid;
    long killMicros;
    long promotedMicros;   // the replica's own CLUSTER NODES shows it a master with the slots
    long clusterOkMicros;  // then every live node says cluster_state:ok
    double waitedS;
  }

  /**
   * The measured phase of the failover variant: publishing runs in the background; after --kill-master-after seconds
   * the master that owns the most tenants is killed with SIGKILL; the load generators are told which tenants were
   * its (their streams time the first delivery published after the kill). Then, every 100 ms, the coordinator polls
   * the replica (promoted?), the nodes (cluster_state:ok?) and the load generators, until the cluster is ok again,
   * every stream told DEGRADED got its STATUS RESTORED and every stream of the killed master's tenants a delivery
   * published after the kill, or --failover-timeout; then lets publishing end.
   */
  private Failover publishWithKill(long total, List<RedisCluster.Node> nodes0, long wall0) {
    Failover f = new Failover();
    Map<Integer, List<Integer>> owned = RedisCluster.tenantsByMaster(nodes0, o.tenants);
    int victimPort = owned.entrySet().stream().max((a, b) -> Integer.compare(a.getValue().size(),
        b.getValue().size())).orElseThrow(() -> new BenchException("no master in " + nodes0)).getKey();
    f.victim = nodes0.stream().filter(n -> n.port() == victimPort).findFirst().orElseThrow();
    f.replica = nodes0.stream().filter(n -> f.victim.id().equals(n.masterId())).findFirst()
        .orElseThrow(() -> new BenchException("the master on " + victimPort + " has no replica"));
    f.tenants = owned.get(victimPort);
    MeasuredPublishing pub = new MeasuredPublishing(total);
    sleepUntil(wall0 + (long) (o.killMasterAfterSeconds * 1e9));
    sut.checkAlive();
    f.killMicros = LoadgenWorker.nowMicros();
    long killNanos = System.nanoTime();
    f.pid = cluster.kill(victimPort);
    publisher.markKill(f.killMicros, java.util.Set.copyOf(f.tenants));
    LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "mark").put("killMicros", f.killMicros)
        .put("tenants", new JsonArray(new ArrayList<>(f.tenants))), "marked", 60_000);
    log("killed the master on port " + victimPort + " (pid " + f.pid + ", " + f.tenants.size() + " tenants) with "
        + "SIGKILL " + round((killNanos - wall0) / 1e9, 2) + " s into the phase; its replica is on port "
        + f.replica.port());

    long deadline = killNanos + (long) (o.failoverTimeoutSeconds * 1e9);
    FailoverStats fs = null;
    while (true) {
      if (f.promotedMicros == 0 && promoted(f.replica.port())) {
        f.promotedMicros = LoadgenWorker.nowMicros();
        log("failover: the replica on port " + f.replica.port() + " is a master "
            + ms(f.promotedMicros - f.killMicros) + " ms after the kill");
      }
      if (f.promotedMicros > 0 && f.clusterOkMicros == 0 && clusterOk()) {
        f.clusterOkMicros = LoadgenWorker.nowMicros();
      }
      fs = lightStatus(f.killMicros).failover;
      if (fs != null && fs.restored >= fs.degraded && fs.flowed >= fs.watched && f.clusterOkMicros > 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        log("failover: not every stream restored within " + o.failoverTimeoutSeconds + " s (" + (fs == null ? 0
            : fs.restored) + " of " + (fs == null ? 0 : fs.degraded) + " degraded restored, " + (fs == null ? 0 : fs.flowed)
            + " of " + (fs == null ? 0 : fs.watched) + " streams of the killed master's tenants got a message "
            + "published after the kill)");
        break;
      }
      sut.checkAlive();
      Servers.sleep(100);
    }
    f.waitedS = (System.nanoTime() - killNanos) / 1e9;
    if (fs != null) {
      log(String.format("failover: %d of %d streams told DEGRADED restored, the last %s s after the kill; %d of %d "
              + "streams of the killed master's tenants got a message published after the kill, the first %s s after it",
          fs.restored, fs.degraded, fs.lastRestoredMicros > 0 ? round((fs.lastRestoredMicros - f.killMicros) / 1e6, 3)
              : "-", fs.flowed, fs.watched, fs.firstFlowMicros > 0
              ? round((fs.firstFlowMicros - f.killMicros) / 1e6, 3) : "-"));
    }
    pub.await();
    return f;
  }

  /** The measured phase's publishing, in the background while a fault is injected (scenarios k and r). */
  private final class MeasuredPublishing {
    private final Thread thread;
    private volatile Throwable error;

    MeasuredPublishing(long total) {
      thread = new Thread(() -> {
        try {
          publish(total, "measured phase");
        } catch (Throwable t) {
          error = t;
        }
      }, "measured-publisher");
      thread.setDaemon(true);
      thread.start();
    }

    /** Waits for the end of publishing and fails the run if it failed or did not end. */
    void await() {
      try {
        thread.join((long) (o.durationSeconds * 1000) + 120_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
      if (error != null) {
        throw error instanceof BenchException b ? b
            : new BenchException("measured publishing failed: " + Loadgen.full(error));
      }
      if (thread.isAlive()) {
        throw new BenchException("measured publishing did not end");
      }
    }
  }

  private static void sleepUntil(long nanoTime) {
    while (System.nanoTime() < nanoTime) {
      Servers.sleep(Math.max(1, Math.min(200, (nanoTime - System.nanoTime()) / 1_000_000)));
    }
  }

  /** Whether the node on {@code port} sees itself as a master that serves slots. */
  private static boolean promoted(int port) {
    String text = Servers.redisText(port, "CLUSTER", "NODES");
    if (text == null) {
      return false;
    }
    return RedisCluster.parseNodes(text).stream().anyMatch(n -> n.port() == port && n.master() && n.slotCount() > 0);
  }

  /** Whether every live node says cluster_state:ok. */
  private boolean clusterOk() {
    for (int i = 0; i < cluster.ports().size(); i++) {
      if (redis.killed.contains(i)) {
        continue;
      }
      String info = Servers.redisText(cluster.ports().get(i), "CLUSTER", "INFO");
      if (info == null || !info.contains("cluster_state:ok")) {
        return false;
      }
    }
    return true;
  }

  /**
   * Scenario k's figures: each Redis node's role, tenants and CPU over the measured phase; the streams' STATUS events;
   * and for the failover variant the kill, the promotion, when deliveries flowed again for the killed master's
   * tenants, when every stream was restored, the refused publishes, and whether every accepted message of those
   * tenants is in the promoted replica's history.
   */
  private void clusterFigures(Snapshot r, List<RedisCluster.Node> nodes0, Map<Integer, Double> nodeCpu0,
                              Failover f) {
    JsonArray nodes = cluster.nodeFigures(nodes0, nodeCpu0, o.tenants);
    double masters = 0;
    double replicas = 0;
    for (Object n : nodes) {
      JsonObject j = (JsonObject) n;
      if (j.getString("role").equals("master")) {
        masters += j.getDouble("cpu_s");
      } else {
        replicas += j.getDouble("cpu_s");
      }
    }
    figures.put("redis_nodes", nodes)
        .put("redis_cpu_s", round(masters + replicas, 3)) // a killed node counts until its kill
        .put("redis_masters_cpu_s", round(masters, 3))
        .put("redis_replicas_cpu_s", round(replicas, 3))
        .put("redis_nodes_meaning", "role at the start of the measured phase (masters by tenants owned, each followed "
            + "by its replica), CPU = utime + stime from /proc/<pid>/stat over the measured phase incl. drain (a "
            + "killed node until its kill)")
        .put("deliveries_expected_meaning", "Σ over streams established of the messages accepted for the stream's "
            + "tenant over the whole run (warm-up included); lost and duplicates count distinct seqs per stream; "
            + "refused publishes are not expected")
        .put("delivered_refused", r.deliveredRefused)
        .put("publish_refused", publisher.errors)
        .put("publish_refused_reasons", new JsonObject(new LinkedHashMap<>(publisher.errorReasons)));
    if (publisher instanceof Publisher.ClusterPublisher cp) {
      figures.put("publisher_cluster", cp.figures());
    }
    FailoverStats fs = r.failover == null ? new FailoverStats() : r.failover;
    figures.put("status_degraded_streams", fs.degraded)
        .put("status_restored_streams", fs.restored)
        .put("status_degraded_events", fs.degradedEvents)
        .put("status_restored_events", fs.restoredEvents);
    StringBuilder perNode = new StringBuilder();
    for (Object n : nodes) {
      JsonObject j = (JsonObject) n;
      perNode.append(String.format(" %d %s%s %.2f s;", j.getInteger("port"), j.getString("role"),
          j.containsKey("tenants") ? " (" + j.getInteger("tenants") + " tenants)" : "", j.getDouble("cpu_s")));
    }
    log("Redis CPU over the measured phase:" + perNode);
    if (f == null) {
      if (fs.degraded > 0) {
        notes.add(fs.degraded + " streams were told STATUS DEGRADED during the measured phase without a kill");
      }
      return;
    }

    // the failover
    long kill = f.killMicros;
    figures.put("killed_master", new JsonObject().put("port", f.victim.port()).put("pid", f.pid)
            .put("tenants", f.tenants.size()).put("slots", f.victim.slotCount()).put("replica_port", f.replica.port())
            .put("at", Instant.ofEpochSecond(kill / 1_000_000, (kill % 1_000_000) * 1000).toString()))
        .put("failover_promoted_s", f.promotedMicros > 0 ? round((f.promotedMicros - kill) / 1e6, 3) : null)
        .put("failover_cluster_ok_s", f.clusterOkMicros > 0 ? round((f.clusterOkMicros - kill) / 1e6, 3) : null)
        .put("failover_promoted_meaning", "kill to the first poll (every 100 ms) where the replica's CLUSTER NODES "
            + "shows it a master with slots; cluster_ok: then every live node's CLUSTER INFO says cluster_state:ok")
        .put("failover_wait_s", round(f.waitedS, 3))
        .put("failover_streams", fs.streams)
        .put("failover_degraded_streams", fs.degraded)
        .put("failover_degraded_before_kill", fs.degradedBeforeKill)
        .put("failover_restored_streams", fs.restored)
        .put("failover_restored_all_s", fs.degraded > 0 && fs.restored == fs.degraded && fs.lastRestoredMicros > 0
            ? round((fs.lastRestoredMicros - kill) / 1e6, 3) : null)
        .put("failover_restored_last_s", fs.lastRestoredMicros > 0 ? round((fs.lastRestoredMicros - kill) / 1e6, 3)
            : null)
        .put("failover_restored_meaning", "kill to the stream's first STATUS RESTORED after its DEGRADED; all: the "
            + "last of them, when every stream told DEGRADED got one (else null, and restored_last_s is the last that "
            + "did); an instance without a tenant on the killed master is not told anything")
        .put("failover_flow_streams", fs.watched)
        .put("failover_flowed_streams", fs.flowed)
        .put("failover_flow_first_s", fs.firstFlowMicros > 0 ? round((fs.firstFlowMicros - kill) / 1e6, 3) : null)
        .put("failover_flow_all_s", fs.flowed == fs.watched && fs.lastFlowMicros > 0
            ? round((fs.lastFlowMicros - kill) / 1e6, 3) : null)
        .put("failover_flow_meaning", "streams of the killed master's tenants: kill to the stream's first delivery "
            + "of a message published after the kill; first: the earliest stream, all: the last, when every one got "
            + "one")
        .put("publish_refused_of_killed_master", publisher.refusedOfKilled)
        .put("publish_recovered_s", publisher.firstAcceptedAfterKillMicros > 0
            ? round((publisher.firstAcceptedAfterKillMicros - kill) / 1e6, 3) : null)
        .put("publish_recovered_meaning", "kill to the first accepted publish of a message sent after the kill to a "
            + "tenant of the killed master (by the promoted replica)");
    putPercentiles("failover_degraded", fs.degradedTime, false);
    putPercentiles("failover_restored", fs.restoredTime, false);
    putPercentiles("failover_flow", fs.flowTime, false);
    putTimeline(fs.timeline, kill, Double.MAX_VALUE);

    // Every accepted message of the killed master's tenants should be in the promoted replica's history (Redis
    // replicates asynchronously: one acknowledged just before the kill may not be): those missing cannot be replayed.
    long missing = 0;
    JsonArray examples = new JsonArray();
    try {
      Map<Integer, java.util.BitSet> history = publisher.block(
          ((Publisher.ClusterPublisher) publisher).historySeqs(f.tenants), 30_000, "reading the histories");
      for (int t : f.tenants) {
        java.util.BitSet in = history.getOrDefault(t, new java.util.BitSet());
        java.util.BitSet refused = publisher.refusedSeqs.getOrDefault(t, new java.util.BitSet());
        for (int q = 1; q <= publisher.sentSeq(t); q++) {
          if (!refused.get(q) && !in.get(q)) {
            missing++;
            if (examples.size() < 10) {
              examples.add("t" + t + " seq " + q);
            }
          }
        }
      }
      figures.put("history_accepted_missing", missing).put("history_accepted_missing_examples", examples);
    } catch (BenchException e) {
      notes.add("the history check failed: " + e.getMessage());
      figures.put("history_accepted_missing", (Object) null);
    }
    figures.put("history_check_meaning", "messages of the killed master's tenants accepted by the script (whole run) "
        + "but absent from their history stream after the failover (XRANGE on the promoted replica)");
    if (fs.restored < fs.degraded) {
      notes.add((fs.degraded - fs.restored) + " of the " + fs.degraded + " streams told DEGRADED got no STATUS "
          + "RESTORED within " + o.failoverTimeoutSeconds + " s of the kill");
    }
    if (fs.flowed < fs.watched) {
      notes.add((fs.watched - fs.flowed) + " of the " + fs.watched + " streams of the killed master's tenants got no "
          + "message published after the kill within " + o.failoverTimeoutSeconds + " s of it");
    }
    if (missing > 0) {
      notes.add(missing + " accepted messages of the killed master's tenants are missing from their history");
    }
    log(String.format("failover: promoted %s s, deliveries flowing again for its tenants %s s (all streams %s s), "
            + "every stream restored %s s after the kill; refused publishes %d (%d of its tenants), lost %d, "
            + "duplicated %d, accepted but not in history %d", figures.getValue("failover_promoted_s"),
        figures.getValue("failover_flow_first_s"), figures.getValue("failover_flow_all_s"),
        figures.getValue("failover_restored_all_s"), publisher.errors, publisher.refusedOfKilled, r.lost,
        r.duplicates, missing));
  }

  // ---------------------------------------------------------------- scenario n: the noisy neighbour

  /** Opens the noisy tenant's streams and starts flooding the publish API; runs until the measured drain ends. */
  private void startNoise() {
    noise = new Noise(o, jwtSecret, sut.ports.get(0));
    result.put("noise", noise.describe());
    long t0 = System.nanoTime();
    noise.openStreams();
    JsonObject streams = noise.streamFigures();
    figures.mergeIn(streams);
    log(String.format("noise: %d of %d streams of tenant %s established (%.1f s)%s",
        streams.getInteger("noise_streams_established"), o.noiseStreams, o.noiseTenant, (System.nanoTime() - t0) / 1e9,
        streams.getInteger("noise_streams_failed") > 0 ? "; failures " + streams.getValue("noise_failure_reasons")
            : ""));
    if (o.noiseStreams > 0 && streams.getInteger("noise_streams_established") == 0) {
      throw new BenchException("no noisy stream could be established: " + streams.getValue("noise_failure_reasons"));
    }
    noise.start();
    log("noise: POSTing " + o.noiseBytes + "-byte events for " + o.noiseTenant + " over " + o.noiseConnections
        + " connection(s), as fast as the server answers");
  }

  private void logNoise() {
    log(String.format("noise: %s POSTs/s: %s accepted, %s refused (429), %s other; %s MB/s to the noisy streams, "
            + "%s noisy stream(s) closed%s",
        figures.getValue("noise_posts_per_s"), figures.getValue("noise_accepted_per_s"),
        figures.getValue("noise_refused_per_s"), figures.getValue("noise_other_per_s"),
        figures.getValue("noise_mb_per_s"), figures.getValue("noise_streams_closed"),
        figures.getLong("noise_posts_other", 0L) > 0 ? "; other: " + figures.getValue("noise_other_reasons") : ""));
  }

  // ---------------------------------------------------------------- scenario s: slow consumers

  /**
   * Opens scenario s's slow streams (in this process, {@link SlowStreams}), reading at --slow-read-fraction of what
   * each stream is sent: rate × (payload + the SSE and HTTP framing of an event).
   */
  private void startSlow() {
    long bytesPerSecond = Math.max(1, Math.round(o.slowReadFraction * o.rate * (o.payloadBytes + FRAME_OVERHEAD)));
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwtSecret)));
    slow = new SlowStreams(o, sut.ports.get(0), bytesPerSecond, t -> auth.generateToken(new JsonObject()
        .put("sub", "bench-slow").put("tenant", "t" + t), new JWTOptions().setAlgorithm("HS256")
        .setExpiresInSeconds(7200)));
    result.put("slow", slow.describe());
    long t0 = System.nanoTime();
    slow.open();
    log(String.format("slow: %d of %d streams established (%.1f s), each reading at most %d bytes/s%s",
        slow.established(), o.slowStreams, (System.nanoTime() - t0) / 1e9, bytesPerSecond,
        slow.failureReasons().isEmpty() ? "" : "; failures " + slow.failureReasons()));
    if (slow.established() == 0) {
      throw new BenchException("no slow stream could be established: " + slow.failureReasons());
    }
  }

  /**
   * Bytes an event's SSE frame and HTTP chunk add to its payload (the envelope's type and timestamp, data:, CRLFs, the
   * update's key): 736 wire bytes per event for a 600-byte payload, measured.
   */
  static final int FRAME_OVERHEAD = 130;

  /** {@code messages} of /api/sse/stats summed over the instances: the service's counters. */
  private JsonObject serverMessages() {
    JsonObject sum = new JsonObject();
    JsonObject all = tenantcastStats();
    for (String port : all.fieldNames()) {
      if (!(all.getValue(port) instanceof JsonObject stats) || stats.getJsonObject("messages") == null) {
        continue;
      }
      JsonObject m = stats.getJsonObject("messages");
      for (String k : List.of("delivered", "dropped", "slowConsumersClosed", "collapsed", "collapsedBytes")) {
        if (m.getValue(k) instanceof Number n) {
          sum.put(k, sum.getLong(k, 0L) + n.longValue());
        }
      }
    }
    return sum;
  }

  /** The run's --server-env values of these keys (null: the service's default). */
  private JsonObject serverEnvOf(String... keys) {
    JsonObject j = new JsonObject();
    for (String k : keys) {
      j.put(k, o.serverEnv.get(k));
    }
    return j;
  }

  /** Scenario s: the slow streams' figures and the service's counters over the measured phase (incl. drains). */
  private void slowFigures(JsonObject before) {
    JsonObject after = serverMessages();
    java.util.function.Function<String, Long> delta = k -> after.containsKey(k)
        ? after.getLong(k) - before.getLong(k, 0L) : null;
    if (slow != null) {
      figures.mergeIn(slow.figures(publisher));
    }
    Long collapsedBytes = delta.apply("collapsedBytes");
    figures.put("server_collapsed", delta.apply("collapsed"))
        .put("server_collapsed_bytes", collapsedBytes)
        .put("server_collapsed_mb", collapsedBytes == null ? null : round(collapsedBytes / 1e6, 2))
        .put("server_slow_consumers_closed", delta.apply("slowConsumersClosed"))
        .put("server_slow_consumers_closed_total", after.getLong("slowConsumersClosed"))
        .put("server_dropped", delta.apply("dropped"))
        .put("server_collapsed_meaning", "/api/sse/stats messages.collapsed and collapsedBytes over the measured "
            + "phase incl. drains: frames (dashboard updates, and heartbeats) replaced by a newer state of their key "
            + "before they were written, and their bytes (without HTTP chunk framing): the bytes latest-state "
            + "delivery saved")
        .put("server_env_buffers", serverEnvOf("TENANTCAST_HTTP_STREAM_SEND_BUFFER_BYTES",
            "TENANTCAST_HTTP_STREAM_BUFFER_BYTES", "TENANTCAST_HTTP_STREAM_BACKLOG_BYTES",
            "TENANTCAST_HTTP_SLOW_CONSUMERS"));
    if (slow == null) {
      return;
    }
    long cut = figures.getLong("slow_streams_cut", 0L);
    long missing = figures.getLong("slow_notifications_missing", 0L);
    long wrong = figures.getLong("slow_final_state_wrong_streams", 0L);
    if (figures.getLong("slow_notifications_out_of_order", 0L) > 0 || figures.getLong("slow_key_regressions", 0L) > 0) {
      notes.add("slow streams: " + figures.getValue("slow_notifications_out_of_order") + " notifications out of "
          + "order, " + figures.getValue("slow_key_regressions") + " key states that went back");
    }
    if (missing > 0 || wrong > 0) {
      notes.add("slow streams: " + missing + " notifications missing, " + wrong + " streams without every key's last "
          + "state (" + cut + " cut); e.g. " + figures.getValue("slow_final_state_examples"));
    }
    log(String.format("slow: %s of %s updates received (%s %%), notifications %s of %s (missing %s, out of order "
            + "%s), final state right on %s of %s streams, %s cut; read %.2f MB of %.2f MB without collapsing; "
            + "server collapsed %s frames, %s MB", figures.getValue("slow_updates_received"),
        figures.getValue("slow_updates_sent"), figures.getValue("slow_updates_received_percent"),
        figures.getValue("slow_notifications_received"), figures.getValue("slow_notifications_expected"), missing,
        figures.getValue("slow_notifications_out_of_order"), figures.getValue("slow_final_state_ok_streams"),
        figures.getValue("slow_streams_established"), cut, figures.getLong("slow_bytes_read", 0L) / 1e6,
        figures.getLong("slow_bytes_without_collapsing", 0L) / 1e6, figures.getValue("server_collapsed"),
        figures.getValue("server_collapsed_mb")));
  }

  // ---------------------------------------------------------------- scenario r: resume at scale

  /**
   * The text of the service's publish script ({@code src/main/resources/redis/tenantcast-publish.lua} in the
   * repository), recorded with its SHA-1 and whether the jar under test carries the same.
   */
  private String publishScript() throws IOException {
    Path file = o.mainDir.resolve("src/main/resources/redis/tenantcast-publish.lua");
    if (!Files.isRegularFile(file)) {
      throw new BenchException("no " + file + ": --publish-via script (scenario r) publishes through Tenantcast's "
          + "publish script, which this checkout does not have (a build from before history and resume?)");
    }
    String text = Files.readString(file);
    String inJar;
    try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(o.tenantcastJar.toFile())) {
      java.util.zip.ZipEntry e = jar.getEntry("redis/tenantcast-publish.lua");
      inJar = e == null ? "absent"
          : new String(jar.getInputStream(e).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).equals(text)
              ? "same" : "differs";
    } catch (IOException e) {
      inJar = "unreadable: " + e.getMessage();
    }
    if (!inJar.equals("same")) {
      notes.add("the publish script of " + file + " and the one in " + o.tenantcastJar + ": " + inJar
          + " (rebuild the service?)");
    }
    result.put("publishScript", new JsonObject().put("file", file.toString()).put("sha1", sha1(text))
        .put("inJar", inJar));
    return text;
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-1")
          .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      return "?";
    }
  }

  /**
   * Scenario r: every stream on instance 0, warm-up, then the measured phase publishes through the script while
   * instance 0 is killed with SIGKILL after --kill-after seconds; the load generators reconnect each stream to the
   * other instances with Last-Event-ID. Waits until every stream open at the kill has an outcome (resumed, not
   * resumed, failed) or --resume-timeout, reads Redis' commandstats around that window, lets publishing run to the
   * end of the phase, drains, and reports deliveries over the whole run.
   */
  private void resumeAtScale(long rssIdle) {
    Snapshot opened = open(0, o.streams, false);
    putStreamFigures(opened, o.streams);
    if (opened.established == 0) {
      throw new BenchException("no stream could be established: " + opened.failureReasons
          + " e.g. " + opened.failureExamples);
    }
    Servers.sleep((long) (o.settleSeconds * 1000));
    sut.checkAlive();
    long rssStreams = ProcStats.rssKb(sut.pids());
    figures.put("rss_streams_mb", mb(rssStreams))
        .put("rss_per_stream_kb", round((rssStreams - rssIdle) / (double) opened.established, 2));
    log("RSS with " + opened.established + " streams (all on instance 0) " + mb(rssStreams) + " MB");

    // warm-up: every stream gets its ids; losses count over the whole run from here on
    publisher.mark();
    long warm = Math.round(o.rate * o.warmupSeconds);
    if (warm > 0) {
      log("warm-up: " + warm + " messages at " + o.rate + "/s through the publish script");
      publish(warm, "warm-up");
      Snapshot w = drain(publisher.publishedTotal.clone(), "warm-up");
      result.put("warmup", new JsonObject().put("messages", warm).put("expected", w.expected)
          .put("received", w.received).put("lost", w.lost).put("publish", publisher.phaseJson()));
      if (w.lost > 0) {
        notes.add("warm-up: " + w.lost + " of " + w.expected + " deliveries missing (counted as lost: scenario r "
            + "counts the whole run)");
      }
    }

    // measured phase: publishing in the background, the kill, the switch
    LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "reset"), "reset", 60_000);
    publisher.mark();
    int redisPort = redis.ports.get(0);
    List<Long> survivors = new ArrayList<>();
    for (int i = 1; i < sut.ports.size(); i++) {
      survivors.addAll(sut.pids(i));
    }
    double survivorsCpu0 = ProcStats.cpuSeconds(survivors);
    Map<String, long[]> stats0 = commandStats(redisPort);
    long wall0 = System.nanoTime();
    long total = o.measuredMessages();
    log("measured: " + total + " messages at " + o.rate + "/s; instance 0 (port " + sut.ports.get(0)
        + ") is killed after " + o.killAfterSeconds + " s");
    MeasuredPublishing pub = new MeasuredPublishing(total);
    sleepUntil(wall0 + (long) (o.killAfterSeconds * 1e9));
    sut.checkAlive();
    Snapshot atKill = lightStatus(0);
    Map<String, long[]> statsKill = commandStats(redisPort);
    double baselineSeconds = (System.nanoTime() - wall0) / 1e9;
    double survivorsCpuKill = ProcStats.cpuSeconds(survivors);
    double redisCpuKill = ProcStats.cpuSeconds(redis.pids());
    double lgCpuKill = loadgens.stream().mapToDouble(LoadgenProcess::cpuSeconds).sum();
    long sentAtKill = publisher.sent;
    long killMicros = LoadgenWorker.nowMicros();
    long killNanos = System.nanoTime();
    long pid = sut.kill(0);
    log("killed instance 0 (pid " + pid + ", port " + sut.ports.get(0) + ") with SIGKILL; " + atKill.open
        + " streams were open on it");
    figures.put("killed_instance", new JsonObject().put("index", 0).put("port", sut.ports.get(0)).put("pid", pid)
        .put("at", Instant.ofEpochSecond(killMicros / 1_000_000, (killMicros % 1_000_000) * 1000).toString())
        .put("after_s", round((killNanos - wall0) / 1e9, 3)));

    Snapshot w;
    long deadline = killNanos + (long) (o.resumeTimeoutSeconds * 1e9);
    while (true) {
      w = lightStatus(killMicros);
      ResumeStats rs = w.resume;
      if (rs != null && rs.switched >= atKill.open && rs.pending == 0) {
        break;
      }
      if (System.nanoTime() > deadline) {
        log("resume: not every stream had an outcome within " + o.resumeTimeoutSeconds + " s ("
            + (rs == null ? 0 : rs.switched) + " of " + atKill.open + " noticed the close, "
            + (rs == null ? 0 : rs.pending) + " pending)");
        break;
      }
      sut.checkAlive();
      Servers.sleep(100);
    }
    double windowSeconds = (System.nanoTime() - killNanos) / 1e9;
    Map<String, long[]> statsEnd = commandStats(redisPort);
    long sentInWindow = publisher.sent - sentAtKill;
    double survivorsCpuWindow = ProcStats.cpuSeconds(survivors) - survivorsCpuKill;
    double redisCpuWindow = ProcStats.cpuSeconds(redis.pids()) - redisCpuKill;
    double lgCpuWindow = loadgens.stream().mapToDouble(LoadgenProcess::cpuSeconds).sum() - lgCpuKill;
    ResumeStats ws = w.resume == null ? new ResumeStats() : w.resume;
    log(String.format("resume: %d of %d streams resumed, %d not resumed, %d failed, %d without an id, %d pending "
            + "(%.1f s after the kill)%s", ws.resumed, atKill.open, ws.notResumed, ws.failed, ws.noId, ws.pending,
        windowSeconds, ws.unresolvedReasons.isEmpty() ? "" : "; " + ws.unresolvedReasons));

    pub.await();
    long[] totals = publisher.publishedTotal.clone();
    JsonObject publishFigures = publisher.phaseJson();
    drain(totals, "measured phase");
    double wall = (System.nanoTime() - wall0) / 1e9;
    double survivorsCpu = ProcStats.cpuSeconds(survivors);
    Snapshot r = merge(LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "report")
        .put("published", toArray(totals)).put("killMicros", killMicros), "report", 120_000));
    ResumeStats rs = r.resume == null ? new ResumeStats() : r.resume;

    // the switch
    boolean allResumed = rs.resumed == atKill.open && rs.switched == atKill.open;
    figures.put("messages_published", publisher.succeeded)
        .put("publish_errors", publisher.errors)
        .put("streams_open_at_kill", atKill.open)
        .put("resume_switched", rs.switched)
        .put("resume_resumed", rs.resumed)
        .put("resume_not_resumed", rs.notResumed)
        .put("resume_failed", rs.failed)
        .put("resume_no_id", rs.noId)
        .put("resume_pending", rs.pending)
        .put("resume_unresolved", atKill.open - rs.resumed)
        .put("resume_unresolved_reasons", new JsonObject(new LinkedHashMap<>(rs.unresolvedReasons)))
        .put("resume_unresolved_examples", new JsonArray(new ArrayList<>(rs.unresolvedExamples)))
        .put("resume_resumed_again", rs.resumedAgain)
        .put("resume_attempts", rs.attempts)
        .put("resume_attempt_failures", rs.attemptFailures)
        .put("resume_attempt_failure_reasons", new JsonObject(new LinkedHashMap<>(rs.attemptFailureReasons)))
        .put("resume_all_s", allResumed && rs.lastResumedMicros > 0
            ? round((rs.lastResumedMicros - killMicros) / 1e6, 3) : null)
        .put("resume_last_s", rs.lastResumedMicros > 0 ? round((rs.lastResumedMicros - killMicros) / 1e6, 3) : null)
        .put("resume_all_meaning", "kill to the last CONNECTED with resume.resumed = true, when every stream open at "
            + "the kill resumed (else null; resume_last_s is then the last of those that did)")
        .put("resume_replayed_events", rs.replayed)
        .put("resume_replayed_max_per_stream", rs.replayedMax)
        .put("resume_wait_s", round(windowSeconds, 3));
    putPercentiles("resume", rs.resumeTime, false);
    putPercentiles("resume_notice", rs.notice, false);
    putPercentiles("resume_reconnect_ttfe", rs.reconnectTtfe, false);
    if (rs.firstNoticeMicros > 0) {
      figures.put("resume_first_notice_ms", ms(rs.firstNoticeMicros - killMicros))
          .put("resume_last_notice_ms", ms(rs.lastNoticeMicros - killMicros));
    }

    // deliveries over the whole run, latency by connection
    figures.put("deliveries_expected", r.expected)
        .put("deliveries_expected_meaning", "Σ over streams established of the messages accepted for the stream's "
            + "tenant over the whole run (warm-up included); lost and duplicates count distinct seqs")
        .put("deliveries_received", r.received)
        .put("deliveries_lost", r.lost)
        .put("streams_with_loss", r.streamsWithLoss)
        .put("deliveries_lost_on_resumed_streams", rs.lostOnResumed)
        .put("streams_with_loss_resumed", rs.streamsLostResumed)
        .put("duplicates", r.duplicates)
        .put("streams_with_duplicates", rs.streamsWithDuplicates)
        .put("duplicate_examples", new JsonArray(new ArrayList<>(rs.duplicateExamples)))
        .put("out_of_order", r.outOfOrder)
        .put("wrong_tenant", r.wrongTenant)
        .put("malformed_events", r.malformed)
        .put("streams_open_at_end", r.open)
        .put("loss_examples", new JsonArray(new ArrayList<>(r.lossExamples)))
        .put("close_reasons", new JsonObject(new LinkedHashMap<>(r.closeReasons)));
    putPercentiles("latency", r.latency, true);
    putPercentiles("latency_before_kill", rs.latencyBefore, true);
    putPercentiles("latency_catchup", rs.latencyCatchUp, true);
    putPercentiles("latency_live_after_switch", rs.latencyLive, true);
    figures.put("latency_meaning", "latency: every delivery of the measured phase; before_kill: on the first "
        + "connection; after a reconnect, catchup: published before the stream's CONNECTED (replayed or held), "
        + "live_after_switch: published at or after it; after_all_resumed: published after the last stream resumed");
    double lastResumedS = rs.lastResumedMicros > 0 ? (rs.lastResumedMicros - killMicros) / 1e6 : Double.MAX_VALUE;
    putPercentiles("latency_after_all_resumed", putTimeline(rs.timeline, killMicros, lastResumedS), true);

    // Redis and CPU during the switch
    figures.put("redis_commands_baseline_per_s", perSecond(diff(stats0, statsKill), baselineSeconds))
        .put("redis_commands_resume", commandsJson(diff(statsKill, statsEnd), windowSeconds))
        .put("redis_commands_resume_excess", excess(diff(statsKill, statsEnd), diff(stats0, statsKill),
            windowSeconds / baselineSeconds))
        .put("redis_commands_meaning", "INFO commandstats: baseline from the start of the measured phase to the kill "
            + "(per second: the publisher and the instances' steady traffic), resume from the kill until every stream "
            + "had an outcome; excess = "
            + "resume - baseline rate x window (what the switch cost); calls made inside the publish script count "
            + "too; the harness' own INFO calls are left out")
        .put("messages_published_in_resume_window", sentInWindow)
        .put("survivors_cpu_resume_s", round(survivorsCpuWindow, 3))
        .put("redis_cpu_resume_s", round(redisCpuWindow, 3))
        .put("loadgen_cpu_resume_s", round(lgCpuWindow, 3))
        .put("survivors_cpu_measured_s", round(survivorsCpu - survivorsCpu0, 3))
        .put("measured_wall_s", round(wall, 3))
        .put("publish", publishFigures);

    if (r.lost > 0) {
      notes.add(r.lost + " deliveries lost on " + r.streamsWithLoss + " stream(s) (" + rs.lostOnResumed
          + " on resumed streams); e.g. " + r.lossExamples);
    }
    if (r.duplicates > 0 || r.outOfOrder > 0 || r.wrongTenant > 0 || r.malformed > 0) {
      notes.add("duplicates " + r.duplicates + " on " + rs.streamsWithDuplicates + " stream(s), out-of-order "
          + r.outOfOrder + ", wrong tenant " + r.wrongTenant + ", malformed " + r.malformed);
    }
    if (!allResumed) {
      notes.add((atKill.open - rs.resumed) + " of " + atKill.open + " streams did not resume: "
          + rs.unresolvedReasons + (rs.pending > 0 ? ", " + rs.pending + " without an outcome" : ""));
    }
    log(String.format("resume: all resumed %s s after the kill (p50 %s ms, p99 %s ms); lost %d (%d on resumed "
            + "streams), duplicates %d; live after the switch p50 %s ms, p99 %s ms; Redis during the switch: %s",
        figures.getValue("resume_all_s"), figures.getValue("resume_p50_ms"), figures.getValue("resume_p99_ms"),
        r.lost, rs.lostOnResumed, r.duplicates, figures.getValue("latency_live_after_switch_p50_ms"),
        figures.getValue("latency_live_after_switch_p99_ms"),
        figures.getJsonObject("redis_commands_resume_excess").getValue("by_command")));
  }

  /**
   * {@code latency_timeline}: deliveries by the second they were published in, {@code from_s} relative to the kill;
   * returns the seconds from {@code fromS} on merged into one histogram (null when none).
   */
  private Histogram putTimeline(Map<Long, Histogram> bySecond, long killMicros, double fromS) {
    JsonArray timeline = new JsonArray();
    Histogram after = null;
    for (Map.Entry<Long, Histogram> e : bySecond.entrySet()) {
      double from = (e.getKey() * 1_000_000L - killMicros) / 1e6;
      Histogram h = e.getValue();
      timeline.add(new JsonObject().put("from_s", round(from, 3)).put("deliveries", h.getTotalCount())
          .put("p50_ms", ms(h.getValueAtPercentile(50))).put("p99_ms", ms(h.getValueAtPercentile(99)))
          .put("max_ms", ms(h.getMaxValue())));
      if (from >= fromS) {
        if (after == null) {
          after = h.copy();
        } else {
          after.add(h);
        }
      }
    }
    figures.put("latency_timeline", timeline)
        .put("latency_timeline_meaning", "deliveries by the second they were published in, from_s relative to the "
            + "kill (histograms of 2 significant digits)");
    return after;
  }

  /** {prefix}_p50_ms, _p90_ms, _p99_ms, _max_ms (and with {@code latency}: _p99_9_ms, _count) of a µs histogram. */
  private void putPercentiles(String prefix, Histogram h, boolean latency) {
    if (h == null || h.getTotalCount() == 0) {
      figures.put(prefix + "_p50_ms", (Object) null).put(prefix + "_p99_ms", (Object) null);
      return;
    }
    figures.put(prefix + "_p50_ms", ms(h.getValueAtPercentile(50)))
        .put(prefix + "_p90_ms", ms(h.getValueAtPercentile(90)))
        .put(prefix + "_p99_ms", ms(h.getValueAtPercentile(99)));
    if (latency) {
      figures.put(prefix + "_p99_9_ms", ms(h.getValueAtPercentile(99.9)));
    }
    figures.put(prefix + "_max_ms", ms(h.getMaxValue())).put(prefix + "_count", h.getTotalCount());
  }

  /** INFO commandstats: {command: [calls, usec]}; the harness' own INFO calls are left out. */
  private static Map<String, long[]> commandStats(int redisPort) {
    Map<String, String> info = Servers.redisInfo(redisPort, "commandstats");
    if (info == null) {
      throw new BenchException("redis on port " + redisPort + " does not answer INFO commandstats");
    }
    Map<String, long[]> r = new java.util.TreeMap<>();
    info.forEach((k, v) -> {
      if (!k.startsWith("cmdstat_") || k.equals("cmdstat_info")) {
        return;
      }
      long calls = 0;
      long usec = 0;
      for (String part : v.split(",")) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.startsWith("calls=")) {
          calls = Long.parseLong(part.substring(eq + 1));
        } else if (eq > 0 && part.startsWith("usec=")) {
          usec = Long.parseLong(part.substring(eq + 1));
        }
      }
      r.put(k.substring("cmdstat_".length()), new long[] {calls, usec});
    });
    return r;
  }

  private static Map<String, long[]> diff(Map<String, long[]> before, Map<String, long[]> after) {
    Map<String, long[]> r = new java.util.TreeMap<>();
    after.forEach((k, v) -> {
      long[] b = before.getOrDefault(k, new long[2]);
      if (v[0] - b[0] != 0) {
        r.put(k, new long[] {v[0] - b[0], v[1] - b[1]});
      }
    });
    return r;
  }

  private static JsonObject commandsJson(Map<String, long[]> d, double seconds) {
    JsonObject by = new JsonObject();
    long calls = 0;
    long usec = 0;
    for (Map.Entry<String, long[]> e : d.entrySet()) {
      by.put(e.getKey(), new JsonObject().put("calls", e.getValue()[0]).put("usec", e.getValue()[1]));
      calls += e.getValue()[0];
      usec += e.getValue()[1];
    }
    return new JsonObject().put("window_s", round(seconds, 3)).put("total_calls", calls).put("total_usec", usec)
        .put("by_command", by);
  }

  private static JsonObject perSecond(Map<String, long[]> d, double seconds) {
    JsonObject by = new JsonObject();
    long calls = 0;
    for (Map.Entry<String, long[]> e : d.entrySet()) {
      by.put(e.getKey(), round(e.getValue()[0] / seconds, 1));
      calls += e.getValue()[0];
    }
    return new JsonObject().put("window_s", round(seconds, 3)).put("total", round(calls / seconds, 1))
        .put("by_command", by);
  }

  /** Calls of the window beyond the baseline's rate (scaled by {@code factor} = window / baseline seconds). */
  private static JsonObject excess(Map<String, long[]> window, Map<String, long[]> baseline, double factor) {
    JsonObject by = new JsonObject();
    long total = 0;
    java.util.Set<String> names = new java.util.TreeSet<>(window.keySet());
    names.addAll(baseline.keySet());
    for (String k : names) {
      long w = window.getOrDefault(k, new long[2])[0];
      long b = Math.round(baseline.getOrDefault(k, new long[2])[0] * factor);
      if (w - b != 0) {
        by.put(k, w - b);
      }
      total += w - b;
    }
    return new JsonObject().put("total", total).put("by_command", by);
  }

  // ---------------------------------------------------------------- scenario c

  private void capacity(long rssIdle) {
    JsonArray steps = new JsonArray();
    int held = 0;
    int cleanMax = 0;
    Snapshot last = null;
    int prev = 0;
    while (prev < o.capacityCap) {
      int target = Math.min(prev + o.capacityStep, o.capacityCap);
      Snapshot s = open(prev, target, true);
      prev = target;
      last = s;
      Servers.sleep(1000);
      sut.checkAlive();
      long rss = ProcStats.rssKb(sut.pids());
      Snapshot st = status(null);
      steps.add(new JsonObject().put("target", target).put("established", s.established).put("failed", s.failed)
          .put("not_attempted", s.notAttempted).put("open", st.open).put("closed", st.closed)
          .put("rss_mb", mb(rss)));
      held = (int) st.open;
      if (s.failed > 0 || st.closed > 0 || s.notAttempted > 0) {
        log("capacity: failures at step " + target + ": " + s.failureReasons + " closed " + st.closeReasons);
        break;
      }
      cleanMax = held;
    }
    if (last == null) {
      throw new BenchException("--cap must be positive");
    }
    putStreamFigures(last, prev);
    figures.put("capacity_steps", steps);
    Servers.sleep((long) (o.settleSeconds * 1000));
    long rssHeld = ProcStats.rssKb(sut.pids());
    long pssHeld = ProcStats.pssKb(sut.pids());

    // the check message: one message per tenant; every held stream must get its tenant's
    LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "reset"), "reset", 60_000);
    publisher.mark();
    publisher.paced(o.tenants, Math.max(100, o.tenants), 60_000);
    Snapshot check = drain(publisher.published.clone(), "check");
    Snapshot r = merge(LoadgenProcess.callAll(loadgens, new JsonObject().put("cmd", "report")
        .put("published", toArray(publisher.published)), "report", 120_000));
    long verified = r.open - r.streamsWithLoss;
    figures.put("capacity_streams", verified)
        .put("capacity_meaning", "streams held open after the last step that received the check message")
        .put("max_streams_clean_step", cleanMax)
        .put("streams_held", held)
        .put("streams_at_first_failure", last.firstFailureEstablished >= 0 ? last.firstFailureEstablished : null)
        .put("capacity_cap", o.capacityCap)
        .put("capacity_reached_cap", held >= o.capacityCap)
        .put("check_deliveries_expected", r.expected)
        .put("check_deliveries_received", r.received)
        .put("check_deliveries_lost", r.lost)
        .put("rss_streams_mb", mb(rssHeld))
        .put("rss_per_stream_kb", held > 0 ? round((rssHeld - rssIdle) / (double) held, 2) : null)
        .put("pss_streams_mb", mb(pssHeld))
        .put("pss_per_stream_kb", held > 0 ? round((pssHeld - pssIdle) / (double) held, 2) : null)
        .put("rss_peak_mb", mb(ProcStats.hwmKb(sut.pids())))
        .put("close_reasons", new JsonObject(new LinkedHashMap<>(r.closeReasons)))
        .put("loss_examples", new JsonArray(new ArrayList<>(r.lossExamples)));
    if (check.lost > 0) {
      notes.add("check message: " + check.lost + " deliveries missing");
    }
    log("capacity: " + verified + " streams held and verified (clean step max " + cleanMax + "), RSS/stream "
        + figures.getValue("rss_per_stream_kb") + " kB");
  }

  // ---------------------------------------------------------------- results and shutdown

  private JsonObject tenantcastStats() {
    JWTAuth auth = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(
        new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(jwtSecret)));
    String token = auth.generateToken(new JsonObject().put("sub", "bench").put("tenant", "t0")
        .put("roles", new JsonArray().add("admin")), new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(600));
    JsonObject r = new JsonObject();
    for (int i = 0; i < sut.ports.size(); i++) {
      int port = sut.ports.get(i);
      if (sut.killed.contains(i)) {
        r.put(String.valueOf(port), "killed");
        continue;
      }
      String body = Servers.httpGet(port, "/api/sse/stats", token);
      try {
        r.put(String.valueOf(port), body == null ? null : new JsonObject(body));
      } catch (RuntimeException e) {
        r.put(String.valueOf(port), body);
      }
    }
    return r;
  }

  private void finishResult() {
    if (sut != null) {
      result.put("serverInfo", sutInfo);
    }
    if (redis != null) {
      result.put("redis", redisInfo);
    }
    result.put("figures", figures).put("notes", new JsonArray(new ArrayList<>(notes)))
        .put("durationSeconds", round((Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0, 1));
  }

  private JsonObject sutInfo;
  private long pssIdle;
  private JsonObject redisInfo;

  private void shutdown() {
    try {
      if (sut != null) {
        sutInfo = sut.describe();
        sutInfo.put("name", sut.name);
      }
      if (redis != null) {
        redisInfo = redis.describe();
      }
    } catch (RuntimeException ignored) {
      // describing is best effort
    }
    for (LoadgenProcess l : loadgens) {
      l.exit();
    }
    if (noise != null) {
      noise.stop();
    }
    if (slow != null) {
      slow.stop();
    }
    if (publisher != null) {
      publisher.close();
    }
    if (sut != null) {
      sut.stop();
    }
    if (redis != null) {
      redis.stop();
    }
    Children.stopAll();
    if (vertx != null) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // exiting anyway
      }
    }
  }

  private static void log(String s) {
    System.err.println("[" + Instant.now().toString().substring(11, 19) + "] " + s);
  }

  static double ms(long micros) {
    return round(micros / 1000.0, 3);
  }

  static double mb(long kb) {
    return round(kb / 1024.0, 1);
  }

  /** {thread group: {user_s, kernel_s}} used between two readings, largest first, groups under 10 ms left out. */
  private static JsonObject cpuByThread(Map<String, double[]> before, Map<String, double[]> after) {
    JsonObject out = new JsonObject();
    after.entrySet().stream()
        .map(e -> {
          double[] b = before.getOrDefault(e.getKey(), new double[2]);
          return Map.entry(e.getKey(), new double[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]});
        })
        .filter(e -> e.getValue()[0] + e.getValue()[1] >= 0.01)
        .sorted((x, y) -> Double.compare(y.getValue()[0] + y.getValue()[1], x.getValue()[0] + x.getValue()[1]))
        .forEach(e -> out.put(e.getKey(), new JsonObject().put("user_s", round(e.getValue()[0], 3))
            .put("kernel_s", round(e.getValue()[1], 3))));
    return out;
  }

  /** Starts or stops a JFR recording named "measured" in each server JVM (jcmd of the JDK running the bench). */
  private List<Path> jfr(List<Long> pids, String action) {
    Path jcmd = Path.of(Servers.javaBinary()).resolveSibling("jcmd");
    List<Path> files = new ArrayList<>();
    for (long pid : pids) {
      Path file = logDir.resolve("measured-" + pid + ".jfr");
      List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
      cmd.addAll("start".equals(action)
          ? List.of("JFR.start", "name=measured", "settings=profile", "filename=" + file)
          : List.of("JFR.stop", "name=measured"));
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readNBytes(8192), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
        log("jfr " + action + " in " + pid + ": " + out.trim().replace('\n', ' '));
      } catch (IOException | InterruptedException e) {
        throw new BenchException("jcmd " + pid + " " + action + " failed: " + e);
      }
      files.add(file);
    }
    return files;
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  /** Samples the summed VmRSS of the server's processes every 200 ms. */
  private static final class RssSampler {
    private final Servers.Sut sut;
    private final AtomicLong peak = new AtomicLong();
    private volatile boolean running;
    private Thread thread;

    RssSampler(Servers.Sut sut) {
      this.sut = sut;
    }

    void start() {
      running = true;
      thread = new Thread(() -> {
        while (running) {
          long v = ProcStats.rssKb(sut.pids());
          peak.accumulateAndGet(v, Math::max);
          try {
            Thread.sleep(200);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "rss-sampler");
      thread.setDaemon(true);
      thread.start();
    }

    void resetPeak() {
      peak.set(0);
    }

    long peakKb() {
      return peak.get();
    }

    void stop() {
      running = false;
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
