package dev.tenantcast.bench;

import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The options of one coordinator run: the scenario's defaults, then the command line. */
final class Options {
  String scenario;
  String server;

  // load shape
  int streams;
  int tenants = 1;
  long messages = -1;          // measured messages; -1: rate x duration
  double rate = 100;           // messages per second; 0: as fast as possible (burst)
  double durationSeconds = 10;
  double warmupSeconds = 10;
  long warmupMessages = -1;    // burst warm-up (scenario d)
  int payloadBytes = 160;
  String placement = "spread"; // spread | by-tenant | first (every stream on the first instance: scenario r)
  String publishVia = "publish"; // publish: Redis PUBLISH (live only); script: Tenantcast's publish script (resumable)

  // servers
  int instances = 1;           // Tenantcast instances
  int nchanWorkers = 2;
  int floorProcesses = 1;
  final Map<String, String> serverEnv = new LinkedHashMap<>();
  String serverJava;           // Tenantcast's java binary (null: the coordinator's, i.e. the java on PATH)
  boolean aotCache = false;    // JDK 25+: train an AOT cache with Tenantcast's warm-up command, start the instances on it
  boolean peerJwt = true;      // Node checks a JWT too (nchan has no authentication)
  int maxStreamsPerInstance = 19_800;
  boolean snapshotJar = true;  // run a temporary copy of target/tenantcast.jar (rebuilds during a run are harmless)
  boolean jfr = false;         // tenantcast: record JFR (settings=profile) over the measured phase only

  // noisy neighbour (scenario n): a second tenant's streams and a publisher flooding the publish API
  boolean noise = true;
  String noiseTenant = "noisy";
  int noiseStreams = 500;
  int noiseConnections = 8;    // POST /api/events connections, one request in flight on each
  int noiseBytes = 60_000;     // body of each noise POST
  int noiseTokens = 1;         // publisher tokens (connection i uses token i % n); each token has its own rate limit

  // slow consumers (scenario s): streams beside the measured ones that read at a fixed fraction of the bytes each
  // stream is sent; the publisher's messages are dashboard updates of a few keys and, every so often, a notification
  boolean slow = true;           // false: the fast streams alone (variant alone), for reference
  int slowStreams = 50;
  double slowReadFraction = 0.1; // read rate: this fraction of rate x (payload + SSE framing) bytes per second
  int slowReceiveBuffer = 4096;  // SO_RCVBUF of a slow stream's socket (set before connecting)
  int keys = 8;                  // dashboard updates carry "key":"k<seq % keys>"
  int notificationEvery = 20;    // every n-th seq of a tenant is a NOTIFICATION (0: none)

  // resume at scale (scenario r): every stream on instance 0, which is killed (SIGKILL) while publishing goes on;
  // the load generators reconnect each stream to another instance with its last SSE id as Last-Event-ID
  double killAfterSeconds = 5;    // into the measured phase
  long reconnectDelayMaxMs = 500; // each reconnect waits a random 0..this ms after the close is seen
  int resumeAttempts = 5;         // connection attempts per stream (a failed one is retried after a new delay)
  double resumeTimeoutSeconds = 30; // how long the coordinator waits for every stream's outcome after the kill

  // Redis Cluster (scenario k): 3 masters + 3 replicas started by the harness, Tenantcast in cluster mode
  String clusterPubSub = "sharded";   // sharded: SSUBSCRIBE/SPUBLISH on the slot's master; classic: PUBLISH, which the
                                      // cluster broadcasts to every node (TENANTCAST_REDIS_CLUSTER_PUB_SUB)
  int clusterNodeTimeoutMs = 1000;    // cluster-node-timeout of every node: how soon a dead master is failed over
  double killMasterAfterSeconds = -1; // failover variant: SIGKILL the master that owns the most tenants this many
                                      // seconds into the measured phase (-1: no kill)
  double failoverTimeoutSeconds = 30; // how long the coordinator waits after the kill for every stream's RESTORED

  // capacity (scenario c)
  int capacityCap = -1;        // -1: 20,000 per Tenantcast instance or nchan worker, 20,000 for node
  int capacityStep = 2000;

  // load generators
  int loadgens = 0;            // 0: ceil(streams / streamsPerLoadgen)
  int streamsPerLoadgen = 15_000;
  String loadgenHeap = "1536m";
  String loadgenYoung = "1g";  // eden large enough that a measured phase (after the GC at reset) needs no collection
  final List<String> loadgenJvm = new ArrayList<>(List.of("-XX:+UseSerialGC", "-XX:+AlwaysPreTouch"));
  int eventLoops = 2;
  int openConcurrency = 200;
  double openTimeoutSeconds = 30;
  /** SO_RCVBUF of the load generator's stream sockets (0: the kernel's default, autotuned). */
  int loadgenReceiveBuffer;
  double openDeadlineSeconds = 600;
  String sources = String.join(",", Loadgen.defaultSources());

  // publishing
  int burstBatch = 500;        // PUBLISHes per pipelined Redis batch
  int burstWindow = 4;         // batches in flight
  int httpPublishConnections = 8; // nchan: tenant t publishes over connection t % n (capped at tenants)
  int httpPipelining = 1;         // nchan: POSTs in flight per connection (>1 pipelines; nginx closes a keep-alive
                                  // connection after 1000 requests, which fails the pipelined ones behind it)

  // timing
  double settleSeconds = 3;
  double drainIdleSeconds = 5;
  double drainMaxSeconds = 60;
  double readySeconds = 90;

  // places (bench/run passes --main-dir and --bench-dir; without them they are found from this jar's place)
  Path mainDir;                // the repository
  Path benchDir;               // <repository>/bench
  Path peersSrc;               // the reference peers: $BENCH_PEERS_SRC, else <repository>/../shared/bench-peers
  Path resultsDir;
  Path tenantcastJar;
  Path jvmOptions;
  Path nodeDir;                // the installed copy of the Node peer: $BENCH_PEERS_DIR/node-sse
  Path nchanTemplate;          // <peersSrc>/nchan.conf.template
  Path nchanModule = Path.of("/usr/lib/nginx/modules/ngx_nchan_module.so");
  String redisServer = "/usr/bin/redis-server";
  String variant;
  String command;

  final List<String> args = new ArrayList<>();

  boolean burst() {
    return rate <= 0;
  }

  long measuredMessages() {
    return messages >= 0 ? messages : Math.round(rate * durationSeconds);
  }

  static Options parse(String[] argv) {
    Options o = new Options();
    o.args.addAll(List.of(argv));
    // scenario and server first: they choose the defaults
    List<String> rest = new ArrayList<>();
    for (int i = 0; i < argv.length; i++) {
      String a = argv[i];
      if (a.equals("--scenario") || a.equals("--server")) {
        if (i + 1 >= argv.length) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        if (a.equals("--scenario")) {
          o.scenario = argv[++i];
        } else {
          o.server = argv[++i];
        }
      } else if (!a.startsWith("--") && o.scenario == null) {
        o.scenario = a;
      } else if (!a.startsWith("--") && o.server == null) {
        o.server = a;
      } else {
        rest.add(a);
      }
    }
    if (o.scenario == null || o.server == null) {
      throw new IllegalArgumentException(
          "usage: Bench <scenario a|b|c|d|e|i|k|n|r|s> <server tenantcast|node|nchan|floor> [options]");
    }
    if (!List.of("tenantcast", "node", "nchan", "floor").contains(o.server)) {
      throw new IllegalArgumentException("unknown server " + o.server + " (tenantcast, node, nchan, floor)");
    }
    o.defaults();
    for (int i = 0; i < rest.size(); i++) {
      String a = rest.get(i);
      String v = i + 1 < rest.size() ? rest.get(i + 1) : null;
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + a);
      }
      String key = a.substring(2);
      if (key.equals("no-peer-jwt")) {
        o.peerJwt = false;
        continue;
      }
      if (v == null) {
        throw new IllegalArgumentException(a + " needs a value");
      }
      i++;
      switch (key) {
        case "streams" -> o.streams = Integer.parseInt(v);
        case "tenants" -> o.tenants = Integer.parseInt(v);
        case "messages" -> o.messages = Long.parseLong(v);
        case "rate" -> o.rate = v.equals("max") ? 0 : Double.parseDouble(v);
        case "duration" -> o.durationSeconds = Double.parseDouble(v);
        case "warmup" -> o.warmupSeconds = Double.parseDouble(v);
        case "warmup-messages" -> o.warmupMessages = Long.parseLong(v);
        case "payload-bytes" -> o.payloadBytes = Integer.parseInt(v);
        case "placement" -> o.placement = v;
        case "publish-via" -> o.publishVia = v;
        case "kill-after" -> o.killAfterSeconds = Double.parseDouble(v);
        case "reconnect-delay-max" -> o.reconnectDelayMaxMs = Long.parseLong(v);
        case "resume-attempts" -> o.resumeAttempts = Integer.parseInt(v);
        case "resume-timeout" -> o.resumeTimeoutSeconds = Double.parseDouble(v);
        case "cluster-pubsub" -> o.clusterPubSub = v;
        case "cluster-node-timeout" -> o.clusterNodeTimeoutMs = Integer.parseInt(v);
        case "kill-master-after" -> o.killMasterAfterSeconds = Double.parseDouble(v);
        case "failover-timeout" -> o.failoverTimeoutSeconds = Double.parseDouble(v);
        case "instances" -> o.instances = Integer.parseInt(v);
        case "nchan-workers" -> o.nchanWorkers = Integer.parseInt(v);
        case "floor-processes" -> o.floorProcesses = Integer.parseInt(v);
        case "server-env" -> {
          int eq = v.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--server-env needs KEY=VALUE, got " + v);
          }
          o.serverEnv.put(v.substring(0, eq), v.substring(eq + 1));
        }
        case "peer-jwt" -> o.peerJwt = Boolean.parseBoolean(v);
        case "snapshot-jar" -> o.snapshotJar = Boolean.parseBoolean(v);
        case "jfr" -> o.jfr = Boolean.parseBoolean(v);
        case "max-streams-per-instance" -> o.maxStreamsPerInstance = Integer.parseInt(v);
        case "slow" -> o.slow = bool(a, v);
        case "slow-streams" -> o.slowStreams = Integer.parseInt(v);
        case "slow-read-fraction" -> o.slowReadFraction = Double.parseDouble(v);
        case "slow-receive-buffer" -> o.slowReceiveBuffer = Integer.parseInt(v);
        case "keys" -> o.keys = Integer.parseInt(v);
        case "notification-every" -> o.notificationEvery = Integer.parseInt(v);
        case "noise" -> o.noise = bool(a, v);
        case "noise-streams" -> o.noiseStreams = Integer.parseInt(v);
        case "noise-connections" -> o.noiseConnections = Integer.parseInt(v);
        case "noise-bytes" -> o.noiseBytes = Integer.parseInt(v);
        case "noise-tokens" -> o.noiseTokens = Integer.parseInt(v);
        case "cap" -> o.capacityCap = Integer.parseInt(v);
        case "step" -> o.capacityStep = Integer.parseInt(v);
        case "loadgens" -> o.loadgens = Integer.parseInt(v);
        case "streams-per-loadgen" -> o.streamsPerLoadgen = Integer.parseInt(v);
        case "loadgen-heap" -> o.loadgenHeap = v;
        case "loadgen-young" -> o.loadgenYoung = v;
        case "loadgen-jvm" -> {
          o.loadgenJvm.clear();
          for (String f : v.trim().split("\\s+")) {
            if (!f.isEmpty()) {
              o.loadgenJvm.add(f);
            }
          }
        }
        case "event-loops" -> o.eventLoops = Integer.parseInt(v);
        case "open-concurrency" -> o.openConcurrency = Integer.parseInt(v);
        case "open-timeout" -> o.openTimeoutSeconds = Double.parseDouble(v);
        case "loadgen-receive-buffer" -> o.loadgenReceiveBuffer = Integer.parseInt(v);
        case "open-deadline" -> o.openDeadlineSeconds = Double.parseDouble(v);
        case "sources" -> o.sources = v;
        case "burst-batch" -> o.burstBatch = Integer.parseInt(v);
        case "burst-window" -> o.burstWindow = Integer.parseInt(v);
        case "http-publish-connections" -> o.httpPublishConnections = Integer.parseInt(v);
        case "http-pipelining" -> o.httpPipelining = Integer.parseInt(v);
        case "settle" -> o.settleSeconds = Double.parseDouble(v);
        case "drain-idle" -> o.drainIdleSeconds = Double.parseDouble(v);
        case "drain-max" -> o.drainMaxSeconds = Double.parseDouble(v);
        case "ready-timeout" -> o.readySeconds = Double.parseDouble(v);
        case "main-dir" -> o.mainDir = Path.of(v);
        case "bench-dir" -> o.benchDir = Path.of(v);
        case "peers-src" -> o.peersSrc = Path.of(v);
        case "results-dir" -> o.resultsDir = Path.of(v);
        case "tenantcast-jar" -> o.tenantcastJar = Path.of(v);
        case "jvm-options" -> o.jvmOptions = Path.of(v);
        case "server-java" -> o.serverJava = v;
        case "aot-cache" -> o.aotCache = bool(a, v);
        case "node-dir" -> o.nodeDir = Path.of(v);
        case "nchan-template" -> o.nchanTemplate = Path.of(v);
        case "redis-server" -> o.redisServer = v;
        case "variant" -> o.variant = v;
        case "command" -> o.command = v;
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (o.benchDir == null) {
      o.benchDir = o.mainDir != null ? o.mainDir.resolve("bench") : benchDirOfThisJar();
    }
    if (o.mainDir == null) {
      o.mainDir = o.benchDir.toAbsolutePath().getParent();
    }
    if (o.peersSrc == null) {
      String env = System.getenv("BENCH_PEERS_SRC");
      o.peersSrc = env != null && !env.isEmpty() ? Path.of(env)
          : o.mainDir.toAbsolutePath().resolve("../shared/bench-peers").normalize();
    }
    if (o.nodeDir == null) {
      String env = System.getenv("BENCH_PEERS_DIR");
      o.nodeDir = Path.of(env != null && !env.isEmpty() ? env : "/tmp/tenantcast-bench-peers").resolve("node-sse");
    }
    if (o.nchanTemplate == null) {
      o.nchanTemplate = o.peersSrc.resolve("nchan.conf.template");
    }
    if (o.resultsDir == null) {
      o.resultsDir = o.benchDir.resolve("results");
    }
    if (o.tenantcastJar == null) {
      o.tenantcastJar = o.mainDir.resolve("target/tenantcast.jar");
    }
    if (o.jvmOptions == null) {
      o.jvmOptions = o.mainDir.resolve("conf/jvm.options");
    }
    if (o.capacityCap < 0) {
      int units = switch (o.server) {
        case "tenantcast" -> o.instances;
        case "nchan" -> o.nchanWorkers;
        case "floor" -> o.floorProcesses;
        default -> 1;
      };
      o.capacityCap = 20_000 * units;
    }
    if (o.variant == null && o.scenario.equals("n")) {
      o.variant = o.noise ? "noisy" : "alone";
    }
    if (o.variant == null && o.scenario.equals("k")) {
      o.variant = o.clusterPubSub + (o.failover() ? "-failover" : "");
    }
    if (o.variant == null && o.scenario.equals("s")) {
      o.variant = o.serverEnv.get("TENANTCAST_HTTP_SLOW_CONSUMERS"); // collapse (the default) has no variant
      if ("collapse".equals(o.variant)) {
        o.variant = null;
      }
      if (!o.slow) {
        o.variant = "alone" + (o.variant == null ? "" : "-" + o.variant);
      }
    }
    if (o.variant == null && !o.scenario.equals("r") && o.publishVia.equals("script")) {
      o.variant = "script";
    }
    if (o.variant == null && o.aotCache) {
      o.variant = "aot";
    }
    if (o.variant == null) {
      String mode = o.serverEnv.get("TENANTCAST_REDIS_SUBSCRIPTION_MODE");
      if (mode != null) {
        o.variant = mode;
      } else if (o.server.equals("nchan") && o.nchanWorkers != 2) {
        o.variant = o.nchanWorkers + "workers";
      } else if (o.server.equals("floor") && o.floorProcesses != 1 && !o.scenario.equals("e")) {
        o.variant = o.floorProcesses + "processes";
      }
    }
    o.validate();
    return o;
  }

  /** {@code <repository>/bench}, from this jar's place: bench/target/tenantcast-bench.jar (or bench/target/classes). */
  private static Path benchDirOfThisJar() {
    try {
      Path jar = Path.of(Options.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return jar.toAbsolutePath().getParent().getParent();
    } catch (java.net.URISyntaxException | RuntimeException e) {
      throw new IllegalArgumentException("cannot find the bench folder from this jar's place (" + e
          + "): pass --bench-dir");
    }
  }

  private void defaults() {
    switch (scenario) {
      case "a" -> {
        streams = 1000;
        tenants = 1;
        messages = 1000;
        rate = 100;
      }
      case "b" -> {
        streams = 10_000;
        tenants = 100;
        rate = 100;
        durationSeconds = 20;
      }
      case "c" -> {
        tenants = 100;
        warmupSeconds = 0;
        openTimeoutSeconds = 20;
      }
      case "d" -> {
        streams = 2000;
        tenants = 1;
        messages = 5000;
        rate = 0;
        warmupMessages = 1000;
        drainMaxSeconds = 300;
        drainIdleSeconds = 60; // Node pauses for more than 10 s in this burst and then catches up
        // The burst is about 1.25 MB per stream, seconds ahead of what the load generator reads: Tenantcast's default
        // stream buffer (256 kB) would count such a stream as behind and collapse its updates to the newest (as it
        // should for a slow client), where this scenario counts every delivery. Its frames are shared by the streams
        // (views of one buffer), so a buffer that holds the burst costs references, not copies.
        serverEnv.put("TENANTCAST_HTTP_STREAM_BUFFER_BYTES", "4194304");
        // The load generator shares this machine's TCP memory with the server: autotuned, the 2,000 connections'
        // socket buffers (send up to 4 MB, receive up to 32 MB each here) held the burst until the kernel was under
        // memory pressure and dropped segments, whose retransmits cost seconds and kernel CPU (TcpExtTCPTimeouts in
        // the thousands per run, every server). Capped on both sides, what does not fit waits in the server.
        serverEnv.put("TENANTCAST_HTTP_STREAM_SEND_BUFFER_BYTES", "262144");
        loadgenReceiveBuffer = 262_144;
      }
      case "e" -> {
        streams = 45_000;
        tenants = 100;
        rate = 100;
        durationSeconds = 20;
        if (server.equals("tenantcast")) {
          instances = 3;
        } else if (server.equals("nchan")) {
          nchanWorkers = 4;
        } else if (server.equals("floor")) {
          floorProcesses = 3; // 45,000 streams: each process holds at most 20,000 open files
        }
      }
      case "i" -> {
        streams = 3000;
        tenants = 1000;
        rate = 100;
        durationSeconds = 30;
        instances = 3;
        placement = "by-tenant";
      }
      case "n" -> {
        streams = 500;
        tenants = 1;
        rate = 10;
        durationSeconds = 20;
        warmupSeconds = 5;
      }
      case "k" -> {
        // scenario i's shape on a Redis Cluster, at 10 times its rate: enough for the nodes' CPU to show where each
        // message travels (sharded: its shard; classic: every node), little enough for 2 cores (3,000 deliveries/s)
        streams = 3000;
        tenants = 1000;
        rate = 1000;
        durationSeconds = 30;
        instances = 3;
        placement = "by-tenant";
        publishVia = "script";
      }
      case "r" -> {
        streams = 10_000;
        tenants = 100;
        rate = 100;
        durationSeconds = 20;
        instances = 3;
        placement = "first";
        publishVia = "script";
      }
      case "s" -> {
        // beside the fast streams, slow ones that read a tenth of what they are sent: the server's send buffer and its
        // stream buffer are capped at 16 kB, so that a slow stream is behind after about 30 kB, not after MBs
        streams = 200;
        tenants = 1;
        rate = 500;
        durationSeconds = 20;
        payloadBytes = 600;
        serverEnv.put("TENANTCAST_HTTP_STREAM_SEND_BUFFER_BYTES", "16384");
        serverEnv.put("TENANTCAST_HTTP_STREAM_BUFFER_BYTES", "16384");
      }
      default -> throw new IllegalArgumentException("unknown scenario " + scenario
          + " (a, b, c, d, e, i, k, n, r, s)");
    }
  }

  private void validate() {
    if (scenario.equals("e") && server.equals("floor")) {
      throw new Skip("scenario e for the floor needs 3 processes, and the CPU of forked processes is not measured yet");
    }
    if (scenario.equals("e") && server.equals("node")) {
      throw new Skip("scenario e (scale-out) is run for tenantcast and nchan (4 workers) only");
    }
    if (scenario.equals("i") && !server.equals("tenantcast")) {
      throw new Skip("scenario i (interest) is defined for tenantcast only");
    }
    if (scenario.equals("n") && !server.equals("tenantcast")) {
      throw new Skip("scenario n (noisy neighbour) floods Tenantcast's publish API and is defined for tenantcast only");
    }
    if (scenario.equals("r") && !server.equals("tenantcast")) {
      throw new Skip("scenario r (resume at scale) is defined for tenantcast only");
    }
    if (scenario.equals("k") && !server.equals("tenantcast")) {
      throw new Skip("scenario k (Redis Cluster) is defined for tenantcast only");
    }
    if (!scenario.equals("k") && args.stream().anyMatch(K_OPTIONS::contains)) {
      throw new IllegalArgumentException(String.join(", ", K_OPTIONS) + " belong to scenario k");
    }
    if (scenario.equals("k")) {
      if (!clusterPubSub.equals("sharded") && !clusterPubSub.equals("classic")) {
        throw new IllegalArgumentException("--cluster-pubsub is sharded or classic");
      }
      if (!publishVia.equals("script")) {
        throw new IllegalArgumentException("scenario k publishes through the script (SPUBLISH or PUBLISH inside it)");
      }
      if (failover() && (burst() || killMasterAfterSeconds >= durationSeconds)) {
        throw new IllegalArgumentException("scenario k: a paced --rate, and 0 < --kill-master-after < --duration");
      }
      if (killMasterAfterSeconds != -1 && killMasterAfterSeconds <= 0) {
        throw new IllegalArgumentException("--kill-master-after must be positive");
      }
      if (clusterNodeTimeoutMs < 100 || failoverTimeoutSeconds <= 0) {
        throw new IllegalArgumentException("--cluster-node-timeout >= 100 ms, --failover-timeout > 0");
      }
      for (String key : CLUSTER_ENV) {
        if (serverEnv.containsKey(key)) {
          throw new IllegalArgumentException("scenario k sets " + key + " itself (use --cluster-pubsub)");
        }
      }
    }
    if (!scenario.equals("r") && args.stream().anyMatch(a -> R_OPTIONS.contains(a))) {
      throw new IllegalArgumentException(String.join(", ", R_OPTIONS) + " belong to scenario r");
    }
    if (!publishVia.equals("publish") && !publishVia.equals("script")) {
      throw new IllegalArgumentException("--publish-via is publish or script");
    }
    if (publishVia.equals("script") && !server.equals("tenantcast")) {
      throw new IllegalArgumentException("--publish-via script publishes through Tenantcast's script: tenantcast only");
    }
    if (scenario.equals("r")) {
      if (!publishVia.equals("script")) {
        throw new IllegalArgumentException(
            "scenario r publishes through the script (PUBLISH events are not resumable)");
      }
      if (!placement.equals("first")) {
        throw new IllegalArgumentException("scenario r opens every stream on the first instance (--placement first)");
      }
      if (instances < 2) {
        throw new IllegalArgumentException("scenario r needs --instances 2 or more (one is killed)");
      }
      if (burst() || killAfterSeconds <= 0 || killAfterSeconds >= durationSeconds) {
        throw new IllegalArgumentException("scenario r: a paced --rate, and 0 < --kill-after < --duration");
      }
      if (reconnectDelayMaxMs < 0 || resumeAttempts < 1 || resumeTimeoutSeconds <= 0) {
        throw new IllegalArgumentException("scenario r: --reconnect-delay-max >= 0, --resume-attempts >= 1, "
            + "--resume-timeout > 0");
      }
      if (streams > maxStreamsPerInstance) {
        throw new IllegalArgumentException(streams + " streams on one instance exceed " + maxStreamsPerInstance
            + " (TENANTCAST_HTTP_MAX_STREAMS)");
      }
    }
    if (scenario.equals("s") && !server.equals("tenantcast")) {
      throw new Skip("scenario s (slow consumers: latest-state delivery) is defined for tenantcast only");
    }
    if (!scenario.equals("s") && args.stream().anyMatch(S_OPTIONS::contains)) {
      throw new IllegalArgumentException(String.join(", ", S_OPTIONS) + " belong to scenario s");
    }
    if (scenario.equals("s")) {
      if (!publishVia.equals("publish") || burst()) {
        throw new IllegalArgumentException("scenario s publishes with Redis PUBLISH at a paced --rate");
      }
      if (slowStreams < 0 || slowReadFraction <= 0 || slowReceiveBuffer < 1024 || keys < 1 || notificationEvery < 0
          || notificationEvery == 1) {
        throw new IllegalArgumentException("scenario s: --slow-streams >= 0, --slow-read-fraction > 0, "
            + "--slow-receive-buffer >= 1024, --keys >= 1, --notification-every 0 (none) or >= 2");
      }
    }
    if (!scenario.equals("n") && args.stream().anyMatch(a -> a.startsWith("--noise"))) {
      throw new IllegalArgumentException("--noise options belong to scenario n");
    }
    if (scenario.equals("n") && (noiseStreams < 0 || noiseConnections < 1 || noiseTokens < 1 || noiseBytes < 100)) {
      throw new IllegalArgumentException("--noise-streams >= 0, --noise-connections >= 1, --noise-tokens >= 1, "
          + "--noise-bytes >= 100");
    }
    if (tenants < 1 || (streams < 1 && !scenario.equals("c"))) {
      throw new IllegalArgumentException("--streams and --tenants must be positive");
    }
    if (!placement.equals("spread") && !placement.equals("by-tenant") && !placement.equals("first")) {
      throw new IllegalArgumentException("--placement is spread, by-tenant or first");
    }
    if (streamsPerLoadgen > 18_000) {
      throw new IllegalArgumentException("--streams-per-loadgen above 18,000 would hit the 20,000 open-files limit");
    }
    int noiseStreamsTotal = noiseActive() ? noiseStreams : slowActive() ? slowStreams : 0;
    if (server.equals("tenantcast") && streams + noiseStreamsTotal > instances * maxStreamsPerInstance
        && !scenario.equals("c")) {
      throw new IllegalArgumentException(streams + " streams exceed " + instances + " instance(s) x "
          + maxStreamsPerInstance + " (TENANTCAST_HTTP_MAX_STREAMS): use --instances");
    }
  }

  /** Scenario k's own options. */
  static final List<String> K_OPTIONS = List.of("--cluster-pubsub", "--cluster-node-timeout", "--kill-master-after",
      "--failover-timeout");

  /** What scenario k tells Tenantcast about Redis itself: no --server-env may change it. */
  static final List<String> CLUSTER_ENV = List.of("TENANTCAST_REDIS_MODE", "TENANTCAST_REDIS_ENDPOINTS",
      "TENANTCAST_REDIS_URL", "TENANTCAST_REDIS_EMBEDDED", "TENANTCAST_REDIS_SUBSCRIPTION_MODE",
      "TENANTCAST_REDIS_CLUSTER_PUB_SUB");

  /** Scenario k's failover variant kills its master at this time; another time changes the shape. */
  static final double STANDARD_KILL_MASTER_AFTER = 5;

  /** Scenario s's own options. */
  static final List<String> S_OPTIONS = List.of("--slow", "--slow-streams", "--slow-read-fraction",
      "--slow-receive-buffer", "--keys", "--notification-every");

  /** Scenario r's own options. */
  static final List<String> R_OPTIONS = List.of("--kill-after", "--reconnect-delay-max", "--resume-attempts",
      "--resume-timeout");

  /** Options that change the load shape: a run that sets one is not the scenario as defined (see summarize). */
  private static final List<String> SHAPE = List.of("--streams", "--tenants", "--messages", "--rate", "--duration",
      "--warmup", "--warmup-messages", "--payload-bytes", "--placement", "--instances", "--nchan-workers", "--cap",
      "--step", "--max-streams-per-instance", "--noise-streams", "--noise-connections", "--noise-bytes",
      "--noise-tokens", "--kill-after", "--reconnect-delay-max", "--cluster-node-timeout", "--slow-streams",
      "--slow-read-fraction", "--slow-receive-buffer", "--keys", "--notification-every");

  /**
   * True when no option changed the scenario's load shape (server env, timeouts and tuning may differ). Scenario k's
   * failover variant is standard with the kill at {@link #STANDARD_KILL_MASTER_AFTER} seconds.
   */
  boolean standardShape() {
    for (String a : args) {
      if (SHAPE.contains(a)) {
        return false;
      }
    }
    return !failover() || killMasterAfterSeconds == STANDARD_KILL_MASTER_AFTER;
  }

  /** Scenario k's failover variant: a master is killed during the measured phase. */
  boolean failover() {
    return scenario.equals("k") && killMasterAfterSeconds > 0;
  }

  /** Deliveries counted by distinct seq per stream over the whole run (scenarios r and k). */
  boolean tracksSeqs() {
    return scenario.equals("r") || scenario.equals("k");
  }

  /** Scenario s with its slow streams (--slow true, the default). */
  boolean slowActive() {
    return scenario.equals("s") && slow && slowStreams > 0;
  }

  /** Scenario n with its noisy tenant on (--noise true, the default). */
  boolean noiseActive() {
    return scenario.equals("n") && noise;
  }

  private static boolean bool(String option, String v) {
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(option + " is true or false, got " + v);
    }
    return Boolean.parseBoolean(v);
  }

  /** The most streams the run opens. */
  int maxStreams() {
    return scenario.equals("c") ? capacityCap : streams;
  }

  String label() {
    return server + (variant == null || variant.isEmpty() ? "" : "-" + variant);
  }

  JsonObject toJson() {
    JsonObject j = new JsonObject()
        .put("streams", scenario.equals("c") ? null : streams)
        .put("tenants", tenants)
        .put("placement", placement)
        .put("publish", burst() ? "as fast as possible" : rate + " messages/s")
        .put("rate", rate)
        .put("payloadBytes", payloadBytes)
        .put("publishVia", publishVia);
    if (!scenario.equals("c")) {
      j.put("messages", measuredMessages());
      j.put("warmupSeconds", burst() ? null : warmupSeconds);
      j.put("warmupMessages", burst() ? warmupMessages : Math.round(rate * warmupSeconds));
    } else {
      j.put("cap", capacityCap).put("step", capacityStep);
    }
    j.put("instances", server.equals("tenantcast") ? instances : null)
        .put("nchanWorkers", server.equals("nchan") ? nchanWorkers : null)
        .put("floorProcesses", server.equals("floor") ? floorProcesses : null)
        .put("serverEnv", new JsonObject(new LinkedHashMap<>(serverEnv)))
        .put("aotCache", server.equals("tenantcast") ? aotCache : null)
        .put("peerJwt", server.equals("node") ? peerJwt : null)
        .put("openConcurrency", openConcurrency)
        .put("openTimeoutSeconds", openTimeoutSeconds)
        .put("drainIdleSeconds", drainIdleSeconds)
        .put("drainMaxSeconds", drainMaxSeconds)
        .put("burstBatch", burst() ? burstBatch : null)
        .put("httpPublishConnections", server.equals("nchan") ? Math.min(httpPublishConnections, tenants) : null)
        .put("httpPipelining", server.equals("nchan") ? httpPipelining : null);
    if (scenario.equals("k")) {
      j.put("redis", "cluster: 3 masters + 3 replicas").put("clusterPubSub", clusterPubSub)
          .put("clusterNodeTimeoutMs", clusterNodeTimeoutMs)
          .put("killMasterAfterSeconds", failover() ? killMasterAfterSeconds : null)
          .put("failoverTimeoutSeconds", failover() ? failoverTimeoutSeconds : null);
    }
    if (scenario.equals("r")) {
      j.put("killAfterSeconds", killAfterSeconds).put("reconnectDelayMaxMs", reconnectDelayMaxMs)
          .put("resumeAttempts", resumeAttempts).put("resumeTimeoutSeconds", resumeTimeoutSeconds);
    }
    if (scenario.equals("s")) {
      j.put("slow", slow).put("slowStreams", slow ? slowStreams : 0).put("slowReadFraction", slowReadFraction)
          .put("slowReceiveBufferBytes", slowReceiveBuffer).put("keys", keys)
          .put("notificationEvery", notificationEvery);
    }
    if (scenario.equals("n")) {
      j.put("noise", noise).put("noiseTenant", noiseTenant).put("noiseStreams", noiseStreams)
          .put("noiseConnections", noiseConnections).put("noiseBytes", noiseBytes).put("noiseTokens", noiseTokens);
    }
    return j;
  }

  /** A scenario that is not defined for this server: bench/run reports it and goes on. */
  static final class Skip extends RuntimeException {
    Skip(String message) {
      super(message);
    }
  }
}
