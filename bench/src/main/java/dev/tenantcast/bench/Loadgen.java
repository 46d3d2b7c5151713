package dev.tenantcast.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load generator child process: holds SSE streams and measures deliveries. Driven by {@link Bench} over stdin/stdout,
 * one JSON object per line (logs go to stderr):
 *
 * <pre>
 * -> started  {"event":"started","pid":..}
 * <- {"cmd":"open","from":a,"to":b,"stopOnFailure":false,"deadlineSeconds":300}
 *    opens the streams g in [a,b) with g % of == index; answers {"event":"opened", figures}
 * <- {"cmd":"status","published":[n per tenant],"refused":{"t":[seq,..]},"killMicros":t,"light":false}
 *                                                  answers {"event":"status", figures without histograms but the
 *                                                  time to first event's; "light": true leaves that out too}
 * <- {"cmd":"reset"}                               zeroes the delivery figures, collects garbage; answers {"event":"reset"}
 * <- {"cmd":"mark","killMicros":t,"tenants":[..]}  scenario k: a master was killed at t; the streams of these tenants
 *                                                  time their first delivery published after it; answers {"event":"marked"}
 * <- {"cmd":"report","published":[...],"refused":{..},"killMicros":t}  answers {"event":"report", figures with histograms}
 * <- {"cmd":"exit"}                                exits; so does the end of stdin and --max-seconds
 * </pre>
 *
 * <p>Stream g: tenant {@code t(g % tenants)}; server port {@code ports[g % ports]} ("spread"),
 * {@code ports[tenant % ports]} ("by-tenant") or {@code ports[0]} ("first"); source address
 * {@code sources[(g / of) % sources]}; event loop {@code (g / of) % eventLoops}. With {@code --resume true} (scenario r) a stream whose connection closes reconnects
 * to one of {@code --reconnect-ports} with its last SSE id as Last-Event-ID ({@link LoadgenWorker}); "published" is
 * then counted over the whole run, and "killMicros" (epoch µs of the kill) dates the switch's figures. With
 * {@code --track true} (scenario k; implied by resume) each seq counts once per stream over the whole run and STATUS
 * events are timed, without any reconnect.
 */
public final class Loadgen {
  enum Kind { TENANTCAST, NODE, NCHAN, FLOOR }

  static final class Settings {
    Kind kind = Kind.TENANTCAST;
    String host = "127.0.0.1";
    int[] ports = {8080};
    int tenants = 1;
    boolean byTenant;
    boolean first;              // every stream on ports[0]
    boolean resume;             // scenario r: reconnect closed streams with Last-Event-ID (implies track)
    boolean track;              // scenarios r and k: count each seq once per stream, keep SSE ids, time STATUS events
    int[] reconnectPorts = {};
    long reconnectDelayMaxMs = 500;
    int resumeAttempts = 5;
    String[] sources = defaultSources();
    int eventLoops = 2;
    int openConcurrency = 200;
    long openTimeoutMs = 30_000;
    /** SO_RCVBUF of each stream's socket, set before connecting; 0: the kernel's default and autotuning. */
    int receiveBufferBytes;
    long maxSeconds = 4 * 3600;
    int index;
    int of = 1;
    boolean peerJwt = true;
    long tokenTtlSeconds = 7200;
    String jwtSecret;
  }

  static String[] defaultSources() {
    String[] s = new String[8];
    for (int i = 0; i < 8; i++) {
      s[i] = "127.0.0." + (i + 2);
    }
    return s;
  }

  private static final PrintStream OUT = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out),
      true, StandardCharsets.UTF_8);

  private final Settings settings;
  private final Vertx vertx;
  private final List<LoadgenWorker> workers = new ArrayList<>();

  private Loadgen(Settings settings) {
    this.settings = settings;
    this.vertx = Vertx.vertx(new VertxOptions()
        .setEventLoopPoolSize(settings.eventLoops)
        .setPreferNativeTransport(true)
        .setWorkerPoolSize(2)
        .setBlockedThreadCheckInterval(10_000));
  }

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    long deadline = System.currentTimeMillis() + s.maxSeconds * 1000;
    Thread watchdog = new Thread(() -> {
      while (System.currentTimeMillis() < deadline) {
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.err.println("loadgen: --max-seconds " + s.maxSeconds + " reached, exiting");
      Runtime.getRuntime().halt(4);
    }, "watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    Loadgen lg = new Loadgen(s);
    try {
      lg.run();
    } catch (Throwable t) {
      System.err.println("loadgen: fatal: " + full(t));
      t.printStackTrace();
      Runtime.getRuntime().halt(3);
    }
    Runtime.getRuntime().halt(0);
  }

  private void run() throws Exception {
    for (int i = 0; i < settings.eventLoops; i++) {
      LoadgenWorker w = new LoadgenWorker(settings);
      vertx.deployVerticle(w, new DeploymentOptions()).toCompletionStage().toCompletableFuture()
          .get(30, TimeUnit.SECONDS);
      workers.add(w);
    }
    if (!vertx.isNativeTransportEnabled()) {
      System.err.println("loadgen: native transport unavailable, using NIO: " + vertx.unavailableNativeTransportCause());
    }
    send(new JsonObject().put("event", "started").put("pid", ProcessHandle.current().pid())
        .put("index", settings.index).put("nativeTransport", vertx.isNativeTransportEnabled()));
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject cmd;
      try {
        cmd = new JsonObject(line);
      } catch (RuntimeException e) {
        send(new JsonObject().put("event", "error").put("message", "not JSON: " + line));
        continue;
      }
      String c = cmd.getString("cmd", "");
      try {
        switch (c) {
          case "open" -> open(cmd);
          case "status" -> send(snapshot(published(cmd), refused(cmd), false, cmd.getLong("killMicros", 0L),
              cmd.getBoolean("light", false)).toJson().put("event", "status"));
          case "mark" -> {
            java.util.Set<Integer> tenants = new java.util.HashSet<>();
            cmd.getJsonArray("tenants", new JsonArray()).forEach(t -> tenants.add(((Number) t).intValue()));
            long killMicros = cmd.getLong("killMicros");
            onWorkers(w -> {
              w.mark(killMicros, tenants);
              return null;
            });
            send(new JsonObject().put("event", "marked"));
          }
          case "reset" -> {
            // Collect now, before the measured phase: with the young generation sized by the coordinator
            // (-Xmn), the phase then runs without a pause of the load generator's own inside the figures.
            System.gc();
            onWorkers(w -> {
              w.reset();
              return null;
            });
            send(new JsonObject().put("event", "reset"));
          }
          case "report" -> send(snapshot(published(cmd), refused(cmd), true, cmd.getLong("killMicros", 0L), false)
              .toJson().put("event", "report"));
          case "exit" -> {
            send(new JsonObject().put("event", "bye"));
            return;
          }
          default -> send(new JsonObject().put("event", "error").put("message", "unknown cmd " + c));
        }
      } catch (Exception e) {
        send(new JsonObject().put("event", "error").put("cmd", c).put("message", full(e)));
      }
    }
    System.err.println("loadgen: stdin closed, exiting");
  }

  private static long[] published(JsonObject cmd) {
    JsonArray a = cmd.getJsonArray("published");
    if (a == null) {
      return null;
    }
    long[] r = new long[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.getLong(i);
    }
    return r;
  }

  /** {"refused": {"tenant": [seq, ...]}}: the seqs whose publish failed, per tenant (tracked runs), or null. */
  private static java.util.Map<Integer, java.util.BitSet> refused(JsonObject cmd) {
    JsonObject o = cmd.getJsonObject("refused");
    if (o == null || o.isEmpty()) {
      return null;
    }
    java.util.Map<Integer, java.util.BitSet> r = new java.util.HashMap<>();
    o.forEach(e -> {
      java.util.BitSet b = new java.util.BitSet();
      ((JsonArray) e.getValue()).forEach(v -> b.set(((Number) v).intValue()));
      r.put(Integer.parseInt(e.getKey()), b);
    });
    return r;
  }

  private void open(JsonObject cmd) throws Exception {
    int from = cmd.getInteger("from");
    int to = cmd.getInteger("to");
    boolean stopOnFailure = cmd.getBoolean("stopOnFailure", false);
    long deadlineSeconds = cmd.getLong("deadlineSeconds", 600L);
    List<List<StreamState>> perWorker = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      perWorker.add(new ArrayList<>());
    }
    for (int g = from; g < to; g++) {
      if (g % settings.of != settings.index) {
        continue;
      }
      int local = g / settings.of;
      int tenant = g % settings.tenants;
      int port = settings.first ? settings.ports[0]
          : settings.ports[(settings.byTenant ? tenant : g) % settings.ports.length];
      String source = settings.sources[local % settings.sources.length];
      perWorker.get(local % workers.size()).add(new StreamState(g, tenant, port, source));
    }
    long started = System.nanoTime();
    List<CompletableFuture<Void>> done = new ArrayList<>();
    for (int i = 0; i < workers.size(); i++) {
      LoadgenWorker w = workers.get(i);
      List<StreamState> batch = perWorker.get(i);
      CompletableFuture<Void> f = new CompletableFuture<>();
      w.ctx().runOnContext(v -> w.open(batch, stopOnFailure, deadlineSeconds * 1000)
          .onComplete(ar -> f.complete(null)));
      done.add(f);
    }
    try {
      CompletableFuture.allOf(done.toArray(new CompletableFuture[0]))
          .get(deadlineSeconds + settings.openTimeoutMs / 1000 + 30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      System.err.println("loadgen: open did not finish in time");
    }
    JsonObject r = snapshot(null, null, false, 0, false).toJson().put("event", "opened")
        .put("openSeconds", (System.nanoTime() - started) / 1e9);
    send(r);
  }

  private Snapshot snapshot(long[] published, java.util.Map<Integer, java.util.BitSet> refused, boolean histograms,
                            long killMicros, boolean light) throws Exception {
    List<Snapshot> parts = onWorkers(w -> w.snapshot(published, refused, histograms, killMicros, light));
    Snapshot total = new Snapshot();
    for (Snapshot p : parts) {
      total.add(p);
    }
    return total;
  }

  private <T> List<T> onWorkers(java.util.function.Function<LoadgenWorker, T> f) throws Exception {
    List<CompletableFuture<T>> fs = new ArrayList<>();
    for (LoadgenWorker w : workers) {
      CompletableFuture<T> cf = new CompletableFuture<>();
      w.ctx().runOnContext(v -> {
        try {
          cf.complete(f.apply(w));
        } catch (Throwable t) {
          cf.completeExceptionally(t);
        }
      });
      fs.add(cf);
    }
    List<T> r = new ArrayList<>();
    for (CompletableFuture<T> cf : fs) {
      r.add(cf.get(60, TimeUnit.SECONDS));
    }
    return r;
  }

  private static synchronized void send(JsonObject o) {
    OUT.println(o.encode());
    OUT.flush();
  }

  // ---------------------------------------------------------------- helpers

  static String describe(Throwable t) {
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  static String full(Throwable t) {
    StringBuilder b = new StringBuilder(describe(t));
    Throwable c = t.getCause();
    int depth = 0;
    while (c != null && depth++ < 5) {
      b.append(" <- ").append(describe(c));
      c = c.getCause();
    }
    return b.toString();
  }

  private static final Pattern ERROR_CODE = Pattern.compile("\"error\"\\s*:\\s*\"([A-Za-z0-9_]+)\"");
  private static final Pattern VARIABLE = Pattern.compile("/?\\d+\\.\\d+\\.\\d+\\.\\d+(:\\d+)?|\\b\\d{4,}\\b");

  /** " too_many_streams" from a Tenantcast error body, else the first 40 printable characters, else "". */
  static String errorCode(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    Matcher m = ERROR_CODE.matcher(body);
    if (m.find()) {
      return " " + m.group(1);
    }
    String flat = body.replaceAll("\\s+", " ").trim();
    return " " + (flat.length() > 40 ? flat.substring(0, 40) : flat);
  }

  /** Strips addresses, ports and numbers so that failures of one kind count under one reason. */
  static String normalize(String reason) {
    // most reasons have no number at all: skip the regex (thousands of closes at once in scenario r)
    String r = hasDigit(reason) ? VARIABLE.matcher(reason).replaceAll("#") : reason;
    return r.length() > 160 ? r.substring(0, 160) : r;
  }

  private static boolean hasDigit(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= '0' && s.charAt(i) <= '9') {
        return true;
      }
    }
    return false;
  }

  private static Settings parse(String[] args) {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--kind" -> s.kind = Kind.valueOf(v.toUpperCase());
        case "--host" -> s.host = v;
        case "--ports" -> s.ports = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt).toArray();
        case "--tenants" -> s.tenants = Integer.parseInt(v);
        case "--placement" -> {
          s.byTenant = "by-tenant".equals(v);
          s.first = "first".equals(v);
        }
        case "--resume" -> s.resume = Boolean.parseBoolean(v);
        case "--track" -> s.track = Boolean.parseBoolean(v);
        case "--reconnect-ports" -> s.reconnectPorts = Arrays.stream(v.split(",")).mapToInt(Integer::parseInt)
            .toArray();
        case "--reconnect-delay-max-ms" -> s.reconnectDelayMaxMs = Long.parseLong(v);
        case "--resume-attempts" -> s.resumeAttempts = Integer.parseInt(v);
        case "--sources" -> s.sources = v.split(",");
        case "--event-loops" -> s.eventLoops = Integer.parseInt(v);
        case "--open-concurrency" -> s.openConcurrency = Integer.parseInt(v);
        case "--open-timeout-ms" -> s.openTimeoutMs = Long.parseLong(v);
        case "--receive-buffer" -> s.receiveBufferBytes = Integer.parseInt(v);
        case "--max-seconds" -> s.maxSeconds = Long.parseLong(v);
        case "--index" -> s.index = Integer.parseInt(v);
        case "--of" -> s.of = Integer.parseInt(v);
        case "--peer-jwt" -> s.peerJwt = Boolean.parseBoolean(v);
        default -> throw new IllegalArgumentException("unknown loadgen option " + a);
      }
      i++;
    }
    s.track |= s.resume;
    if (s.resume && s.reconnectPorts.length == 0) {
      throw new IllegalArgumentException("--resume true needs --reconnect-ports");
    }
    s.jwtSecret = System.getenv("BENCH_JWT_SECRET");
    if (s.jwtSecret == null || s.jwtSecret.length() < 32) {
      throw new IllegalArgumentException("BENCH_JWT_SECRET (32+ bytes) must be set");
    }
    return s;
  }
}
