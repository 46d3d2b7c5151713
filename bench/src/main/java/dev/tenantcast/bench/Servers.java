package dev.tenantcast.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts redis-server and the servers under test, waits until they are ready, and describes them. */
final class Servers {
  private Servers() {
  }

  /** A started server: its processes (with descendants, e.g. nginx workers), ports and exact commands. */
  static final class Sut {
    final String name;
    final List<Process> processes = new ArrayList<>();
    final List<Integer> ports = new ArrayList<>();
    final List<Path> logs = new ArrayList<>();
    final JsonArray commands = new JsonArray();
    final JsonObject info = new JsonObject();
    final List<Runnable> cleanup = new ArrayList<>();
    /** Instances killed on purpose (scenario r): left out of pids() and checkAlive(). */
    final java.util.Set<Integer> killed = new java.util.TreeSet<>();

    Sut(String name) {
      this.name = name;
    }

    /** The pids to measure: every process and its descendants that are alive now (but the killed instances). */
    List<Long> pids() {
      List<Long> r = new ArrayList<>();
      for (int i = 0; i < processes.size(); i++) {
        if (!killed.contains(i)) {
          r.addAll(ProcStats.withDescendants(processes.get(i)));
        }
      }
      return r;
    }

    /** The pids of instance i and its descendants. */
    List<Long> pids(int i) {
      return ProcStats.withDescendants(processes.get(i));
    }

    /**
     * Kills instance i with SIGKILL (what {@code kill -9} sends; {@link Process#destroyForcibly()} on Linux) and waits
     * until it is gone (5 s at most). Returns its pid.
     */
    long kill(int i) {
      Process p = processes.get(i);
      killed.add(i);
      p.destroyForcibly();
      try {
        if (!p.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          throw new BenchException(name + " instance " + i + " (pid " + p.pid() + ") still alive 5 s after SIGKILL");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
      return p.pid();
    }

    void checkAlive() {
      for (int i = 0; i < processes.size(); i++) {
        Process p = processes.get(i);
        if (!p.isAlive() && !killed.contains(i)) {
          throw new BenchException(name + " process " + p.pid() + " exited with " + p.exitValue()
              + "; last lines of " + logs.get(i) + ":\n" + tail(logs.get(i), 20));
        }
      }
    }

    void stop() {
      for (Process p : processes) {
        Children.stop(p, 10_000);
      }
      cleanup.forEach(Runnable::run);
      cleanup.clear();
    }

    JsonObject describe() {
      return info.copy().put("commands", commands.copy()).put("ports", new JsonArray(new ArrayList<>(ports)))
          .put("pids", new JsonArray(pids()))
          .put("logs", new JsonArray(logs.stream().map(Path::toString).toList()));
    }
  }

  // ---------------------------------------------------------------- redis

  static Sut redis(Options o, Path logDir) throws IOException {
    int port = freePort();
    List<String> cmd = List.of(o.redisServer, "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes", "--maxclients", "10000");
    Sut s = new Sut("redis");
    Path log = logDir.resolve("redis.log");
    s.processes.add(Children.start(new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile())));
    s.logs.add(log);
    s.ports.add(port);
    s.commands.add(shell(cmd));
    s.info.put("version", firstLine(o.redisServer, "--version"));
    long deadline = System.currentTimeMillis() + 15_000;
    while (!redisPing(port)) {
      s.checkAlive();
      if (System.currentTimeMillis() > deadline) {
        throw new BenchException("redis-server on port " + port + " did not answer PING within 15 s; log "
            + log + ":\n" + tail(log, 20));
      }
      sleep(100);
    }
    return s;
  }

  /**
   * {@code INFO <section>} over a connection of its own (plain RESP): the answer's lines {@code name:value}, comments
   * left out; null when Redis does not answer.
   */
  static Map<String, String> redisInfo(int port, String section) {
    String text = redisText(port, "INFO", section);
    if (text == null) {
      return null;
    }
    Map<String, String> r = new LinkedHashMap<>();
    for (String line : text.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (!line.startsWith("#") && colon > 0) {
        r.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
      }
    }
    return r;
  }

  /**
   * One command whose answer is text (INFO, CLUSTER INFO, CLUSTER NODES, or a status reply) over a connection of its
   * own (plain RESP): the text; null when Redis does not answer or answers with an error.
   */
  static String redisText(int port, String... args) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(5000);
      StringBuilder cmd = new StringBuilder("*").append(args.length).append("\r\n");
      for (String a : args) {
        cmd.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(cmd.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder first = new StringBuilder();
      int c;
      while ((c = in.read()) >= 0 && c != '\n') {
        if (c != '\r') {
          first.append((char) c);
        }
      }
      if (first.length() >= 1 && first.charAt(0) == '+') {
        return first.substring(1);
      }
      if (first.length() < 2 || first.charAt(0) != '$') {
        return null;
      }
      int len = Integer.parseInt(first.substring(1));
      return len < 0 ? null : new String(in.readNBytes(len), StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static boolean redisPing(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] b = new byte[7];
      int n = in.readNBytes(b, 0, 7);
      return n == 7 && new String(b, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- tenantcast

  /** How a standalone Redis is named to Tenantcast. */
  static Map<String, String> standaloneRedisEnv(int redisPort) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TENANTCAST_REDIS_URL", "redis://127.0.0.1:" + redisPort);
    env.put("TENANTCAST_REDIS_EMBEDDED", "never");
    return env;
  }

  /** Starts the Tenantcast instances; {@code redisEnv} names Redis (standalone or cluster, see {@link RedisCluster}). */
  static Sut tenantcast(Options o, Map<String, String> redisEnv, String jwtSecret, Path logDir)
      throws IOException, InterruptedException {
    if (!Files.isRegularFile(o.tenantcastJar)) {
      throw new BenchException("no " + o.tenantcastJar + ": build it with (cd " + o.mainDir
          + " && flock /tmp/maven.lock mvn -q -DskipTests package)");
    }
    if (!Files.isRegularFile(o.jvmOptions)) {
      throw new BenchException("no " + o.jvmOptions);
    }
    Sut s = new Sut("tenantcast");
    String java = o.serverJava != null ? o.serverJava : javaBinary();
    List<String> flags = jvmFlags(o.jvmOptions);
    // Run a private copy: a JVM loads classes from its jar lazily, and a rebuild of target/tenantcast.jar during the
    // run (mvn package in the repository) would break the running instances with NoClassDefFoundError.
    Path jar = o.tenantcastJar;
    if (o.snapshotJar) {
      Path dir = Files.createTempDirectory("tenantcast-bench-jar-");
      jar = dir.resolve("tenantcast.jar");
      Files.copy(o.tenantcastJar, jar);
      dir.toFile().deleteOnExit();  // deleted in reverse order of registration: the jar first, then its folder
      jar.toFile().deleteOnExit();
      Path copy = jar;
      s.cleanup.add(() -> {
        try {
          Files.deleteIfExists(copy);
          Files.deleteIfExists(copy.getParent());
        } catch (IOException ignored) {
          // a temp file left behind
        }
      });
    }
    s.info.put("jvmOptionsFile", o.jvmOptions.toString()).put("jvmFlags", new JsonArray(new ArrayList<>(flags)))
        .put("java", firstLine(java, "-version")).put("instances", o.instances)
        .put("jar", o.tenantcastJar.toString()).put("jarModified", Files.getLastModifiedTime(o.tenantcastJar).toString())
        .put("jarSha256", sha256(jar)).put("jarRunCopy", o.snapshotJar ? jar.toString() : null)
        .put("workingDirectory", o.mainDir.toString()).put("gitHead", gitHead(o.mainDir));
    List<String> aot = o.aotCache
        ? List.of("-XX:AOTCache=" + trainAotCache(o, s, java, jar, redisEnv, jwtSecret, logDir)) : List.of();
    JsonArray envs = new JsonArray();
    for (int i = 0; i < o.instances; i++) {
      int port = freePort();
      List<String> cmd = new ArrayList<>(List.of(java));
      cmd.addAll(aot);
      cmd.addAll(List.of("@" + o.jvmOptions, "-jar", jar.toString()));
      // c reads RSS per stream against the idle RSS: the start's warm-up grows the heap before that reading
      Map<String, String> env = tenantcastEnv(o, port, "bench" + i, redisEnv, jwtSecret,
          o.scenario.equals("c") ? Map.of("TENANTCAST_HTTP_WARM_UP_STREAMS", "0") : Map.of());
      Path log = logDir.resolve("tenantcast-" + i + ".log");
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(o.mainDir.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().putAll(env);
      s.processes.add(Children.start(pb));
      s.logs.add(log);
      s.ports.add(port);
      JsonObject shownEnv = new JsonObject();
      env.forEach((k, v) -> shownEnv.put(k, k.equals("TENANTCAST_JWT_SECRET") ? "<random per run>" : v));
      envs.add(shownEnv);
      s.commands.add("cd " + o.mainDir + " && " + envString(shownEnv) + " " + shell(cmd));
    }
    s.info.put("env", envs);
    for (int port : s.ports) {
      awaitHttp(s, port, "/ready", o.readySeconds);
    }
    return s;
  }

  /** The environment of a Tenantcast process of the run: {@code scenario} before the run's --server-env values. */
  private static Map<String, String> tenantcastEnv(Options o, int port, String instanceId,
      Map<String, String> redisEnv, String jwtSecret, Map<String, String> scenario) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TENANTCAST_HTTP_HOST", "127.0.0.1");
    env.put("TENANTCAST_HTTP_PORT", String.valueOf(port));
    env.putAll(redisEnv);
    env.put("TENANTCAST_JWT_SECRET", jwtSecret);
    env.put("TENANTCAST_HTTP_MAX_STREAMS", String.valueOf(o.maxStreamsPerInstance));
    // the service refuses to start with fewer connections than streams; 100 more for API calls (stats, publishes)
    env.put("TENANTCAST_HTTP_MAX_CONNECTIONS", String.valueOf(o.maxStreamsPerInstance + 100));
    env.put("TENANTCAST_HTTP_MAX_STREAMS_PER_TENANT", "100000");
    // every stream token the harness signs has the same sub ("bench"): lift the per-user cap (default 100)
    env.put("TENANTCAST_HTTP_MAX_STREAMS_PER_USER", "1000000");
    env.put("TENANTCAST_INSTANCE_ID", instanceId);
    env.putAll(scenario);
    env.putAll(o.serverEnv);
    return env;
  }

  /**
   * Trains a JDK 25+ AOT cache as README says (Operations): Tenantcast's {@code warm-up} command, with the run's jar,
   * flags and Redis, under {@code -XX:AOTCacheOutput}; returns the cache, deleted after the run.
   */
  private static Path trainAotCache(Options o, Sut s, String java, Path jar, Map<String, String> redisEnv,
      String jwtSecret, Path logDir) throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("tenantcast-bench-aot-");
    Path cache = dir.resolve("tenantcast.aot");
    s.cleanup.add(() -> {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // a temp file left behind
      }
    });
    List<String> cmd = List.of(java, "-XX:AOTCacheOutput=" + cache, "@" + o.jvmOptions, "-jar", jar.toString(),
        "warm-up");
    Map<String, String> env = tenantcastEnv(o, freePort(), "bench-aot-training", redisEnv, jwtSecret, Map.of());
    Path log = logDir.resolve("tenantcast-aot-training.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(o.mainDir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    long began = System.nanoTime();
    Process p = Children.start(pb);
    if (!p.waitFor(180, TimeUnit.SECONDS) || p.exitValue() != 0 || !Files.isRegularFile(cache)) {
      Children.stop(p, 5_000);
      throw new BenchException("AOT cache training failed (JDK 25 or newer needed; --server-java): see " + log);
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    s.info.put("aotCache", new JsonObject().put("trainingSeconds", Math.round(seconds * 10) / 10.0)
        .put("bytes", Files.size(cache)).put("command", shell(cmd)));
    return cache;
  }

  static List<String> jvmFlags(Path file) throws IOException {
    List<String> flags = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      int hash = line.indexOf('#');
      String l = (hash >= 0 ? line.substring(0, hash) : line).trim();
      if (!l.isEmpty()) {
        for (String f : l.split("\\s+")) {
          flags.add(f);
        }
      }
    }
    return flags;
  }

  // ---------------------------------------------------------------- node

  static Sut node(Options o, int redisPort, String jwtSecret, Path logDir) throws IOException {
    if (!Files.isDirectory(o.nodeDir.resolve("node_modules/ioredis"))) {
      throw new BenchException("the Node peer is not installed in " + o.nodeDir + ": cp -r "
          + o.peersSrc.resolve("node-sse") + " " + o.nodeDir.getParent() + "/ && (cd " + o.nodeDir
          + " && npm install)  (bench/run does this; the peers live outside the repository at ../shared/bench-peers, "
          + "or where BENCH_PEERS_SRC says)");
    }
    Sut s = new Sut("node");
    int port = freePort();
    List<String> cmd = List.of("node", "server.js");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("HOST", "127.0.0.1");
    env.put("PORT", String.valueOf(port));
    env.put("REDIS_URL", "redis://127.0.0.1:" + redisPort);
    if (o.peerJwt) {
      env.put("JWT_SECRET", jwtSecret);
    }
    env.putAll(o.serverEnv);
    Path log = logDir.resolve("node.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(o.nodeDir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    s.processes.add(Children.start(pb));
    s.logs.add(log);
    s.ports.add(port);
    JsonObject shownEnv = new JsonObject();
    env.forEach((k, v) -> shownEnv.put(k, k.equals("JWT_SECRET") ? "<random per run>" : v));
    s.commands.add("cd " + o.nodeDir + " && " + envString(shownEnv) + " " + shell(cmd));
    s.info.put("env", shownEnv).put("node", firstLine("node", "--version")).put("dir", o.nodeDir.toString())
        .put("jwt", o.peerJwt);
    awaitHttp(s, port, "/health", o.readySeconds);
    return s;
  }

  // ---------------------------------------------------------------- floor

  /**
   * The floor (../shared/bench-peers/floor/floor.c): a minimal C epoll server, built by bench/run into
   * $BENCH_PEERS_DIR/floor/floor. It has no health path: a stream request answering 200 says it is up.
   */
  static Sut floor(Options o, int redisPort, Path logDir) throws IOException {
    Path binary = o.nodeDir.resolveSibling("floor").resolve("floor");
    if (!Files.isExecutable(binary)) {
      throw new BenchException(binary + " is missing: gcc -O2 -Wall -o " + binary + " "
          + o.peersSrc.resolve("floor/floor.c") + " (bench/run does this)");
    }
    Sut s = new Sut("floor");
    int port = freePort();
    List<String> cmd = List.of(binary.toString(), String.valueOf(port), String.valueOf(redisPort),
        String.valueOf(o.floorProcesses));
    Path log = logDir.resolve("floor.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    s.processes.add(Children.start(pb));
    s.logs.add(log);
    s.ports.add(port);
    s.commands.add(shell(cmd));
    s.info.put("processes", o.floorProcesses).put("source", o.peersSrc.resolve("floor/floor.c").toString());
    long deadline = System.currentTimeMillis() + (long) (o.readySeconds * 1000);
    // its streams never end, so the probe reads only the status line of one and closes it
    while (!streamAnswers(port)) {
      s.checkAlive();
      if (System.currentTimeMillis() > deadline) {
        throw new BenchException("the floor on port " + port + " did not answer a stream request within "
            + o.readySeconds + " s\n" + tail(log, 20));
      }
      sleep(200);
    }
    return s;
  }

  private static boolean streamAnswers(int port) {
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      socket.getOutputStream().write("GET /sse/ready-probe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      byte[] head = socket.getInputStream().readNBytes(12);
      return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200");
    } catch (IOException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- nchan

  static Sut nchan(Options o, int redisPort, Path logDir) throws IOException {
    if (!Files.isRegularFile(o.nchanModule)) {
      throw new BenchException(o.nchanModule + " is missing: apt-get install -y nginx-light libnginx-mod-nchan "
          + "(bench/run does this)");
    }
    if (!Files.isRegularFile(o.nchanTemplate)) {
      throw new BenchException("no " + o.nchanTemplate + ": the reference peers live outside the repository at "
          + "../shared/bench-peers (from the repository root), or where BENCH_PEERS_SRC (or --nchan-template) says");
    }
    Sut s = new Sut("nchan");
    int port = freePort();
    Path dir = logDir.resolve("nchan").toAbsolutePath();
    Files.createDirectories(dir);
    String conf = Files.readString(o.nchanTemplate)
        .replace("@WORKERS@", String.valueOf(o.nchanWorkers))
        .replace("@PORT@", String.valueOf(port))
        .replace("@REDIS_PORT@", String.valueOf(redisPort));
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    List<String> cmd = List.of("nginx", "-c", confFile.toString(), "-p", dir + "/", "-g",
        "pid " + dir + "/nginx.pid; error_log " + dir + "/error.log warn; daemon off;");
    Path log = logDir.resolve("nginx.log");
    s.processes.add(Children.start(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile())));
    s.logs.add(log);
    s.ports.add(port);
    s.commands.add(shell(cmd));
    s.info.put("workers", o.nchanWorkers).put("config", confFile.toString())
        .put("template", o.nchanTemplate.toString()).put("nginx", firstLine("nginx", "-v"))
        .put("errorLog", dir.resolve("error.log").toString());
    awaitHttp(s, port, "/nchan_stub_status", o.readySeconds);
    long deadline = System.currentTimeMillis() + 15_000;
    while (s.pids().size() < 1 + o.nchanWorkers) {
      if (System.currentTimeMillis() > deadline) {
        throw new BenchException("nginx started " + (s.pids().size() - 1) + " workers, not " + o.nchanWorkers);
      }
      sleep(100);
    }
    Children.remember(s.pids());
    return s;
  }

  // ---------------------------------------------------------------- helpers

  static void awaitHttp(Sut s, int port, String path, double seconds) {
    long deadline = System.currentTimeMillis() + (long) (seconds * 1000);
    int last = -1;
    while (true) {
      s.checkAlive();
      last = httpStatus(port, path);
      if (last == 200) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        StringBuilder logs = new StringBuilder();
        for (Path l : s.logs) {
          logs.append("\n--- ").append(l).append(":\n").append(tail(l, 20));
        }
        throw new BenchException(s.name + " on port " + port + ": GET " + path + " did not answer 200 within "
            + seconds + " s (last status " + last + ")" + logs);
      }
      sleep(200);
    }
  }

  static int httpStatus(int port, String path) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
        if (in != null) {
          in.readNBytes(65536);
        }
      }
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  static String httpGet(int port, String path, String bearer) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL("http://127.0.0.1:" + port + path).openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(5000);
      if (bearer != null) {
        c.setRequestProperty("Authorization", "Bearer " + bearer);
      }
      int code = c.getResponseCode();
      try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
        return in == null ? "" : new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return null;
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  static String firstLine(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readNBytes(4096);
      p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
      p.destroyForcibly();
      String s = new String(out, StandardCharsets.UTF_8).trim();
      int nl = s.indexOf('\n');
      return nl >= 0 ? s.substring(0, nl).trim() : s;
    } catch (Exception e) {
      return "?";
    }
  }

  static String sha256(Path file) throws IOException {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      try (InputStream in = Files.newInputStream(file)) {
        byte[] b = new byte[1 << 16];
        int n;
        while ((n = in.read(b)) > 0) {
          md.update(b, 0, n);
        }
      }
      return java.util.HexFormat.of().formatHex(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      return "?";
    }
  }

  static String gitHead(Path dir) {
    String head = firstLine("git", "-C", dir.toString(), "rev-parse", "--short", "HEAD");
    String dirty = firstLine("git", "-C", dir.toString(), "status", "--porcelain", "--untracked-files=no");
    return head + (dirty.isEmpty() ? "" : " (with uncommitted changes)");
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

  static String shell(List<String> cmd) {
    StringBuilder b = new StringBuilder();
    for (String c : cmd) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(c.isEmpty() || !c.matches("[A-Za-z0-9_./@=:,+-]+") ? "'" + c.replace("'", "'\\''") + "'" : c);
    }
    return b.toString();
  }

  private static String envString(JsonObject env) {
    StringBuilder b = new StringBuilder();
    env.forEach(e -> {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(e.getKey()).append('=').append(shell(List.of(String.valueOf(e.getValue()))));
    });
    return b.toString();
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
  }
}
