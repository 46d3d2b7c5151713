package dev.tenantcast.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Publishes the benchmark's messages {@code {"seq":n,"sent":micros,"tenant":"t17","pad":"..."}} (seq counts per tenant
 * over the whole run; sent is {@code Instant.now()} in epoch microseconds, taken just before the message is written),
 * round robin over the tenants: paced by a periodic timer, or as fast as possible in bounded pipelined batches.
 * Redis {@code PUBLISH dashboard-update-<tenant>} over one connection (Tenantcast, Node), Tenantcast's atomic publish
 * script ({@code EVALSHA}, history and live message in one step: the resumable events of scenario r) over one
 * connection, the same script on a Redis Cluster (scenario k: each message to the master that owns its tenant's slot,
 * one pipelined connection per master), or HTTP {@code POST /pub/<tenant>} (Nchan). All work runs on one Vert.x
 * context; callers block with a timeout.
 */
abstract class Publisher {
  /** @param key scenario s: the update's {@code key}, or null for a notification (and outside scenario s) */
  record Msg(int tenant, long seq, long sent, String payload, String key, boolean notification) {
  }

  final Vertx vertx;
  final int tenants;
  private final String pad;
  private final long[] seq;
  long[] published;            // per tenant since mark(): messages the broker accepted (failed ones are not expected)
  final long[] publishedTotal; // per tenant over the whole run (never reset): what a stream open from the start expects
  /** Per tenant, the seqs whose publish failed (paced publishing, whole run): tracked runs leave them out exactly. */
  final Map<Integer, BitSet> refusedSeqs = new TreeMap<>();
  private long roundRobin;

  // scenario s (latest state): updates carry "key":"k<seq % keys>", every notificationEvery-th seq is a NOTIFICATION
  private int keys;
  private int notificationEvery;
  /** Scenario s, per tenant over the whole run: each key's last accepted seq (what a stream's final state must be). */
  final List<Map<String, Long>> lastOfKey = new ArrayList<>();
  final long[] notificationsTotal;  // per tenant over the whole run: notifications accepted
  long updatesPublished;           // since mark(): updates accepted (all tenants)
  long notificationsPublished;     // since mark(): notifications accepted (all tenants)
  long[] notificationsPhase;       // since mark(), per tenant: notifications accepted

  // since mark()
  long sent;
  long succeeded;
  long acked;
  long errors;
  long noReceivers;
  String firstError;
  final Map<String, Integer> errorReasons = new TreeMap<>();
  long firstSendMicros;
  long lastSendMicros;
  long lastAckMicros;

  // scenario k's failover: the killed master's tenants, and when the first of their messages sent after the kill was
  // accepted (by the promoted replica)
  private java.util.Set<Integer> killedTenants = java.util.Set.of();
  private long killMicros;
  long refusedOfKilled;          // since mark(): refusals of the killed master's tenants' messages
  long firstAcceptedAfterKillMicros;

  Publisher(Vertx vertx, int tenants, int payloadBytes) {
    this.vertx = vertx;
    this.tenants = tenants;
    this.seq = new long[tenants];
    this.published = new long[tenants];
    this.publishedTotal = new long[tenants];
    this.notificationsTotal = new long[tenants];
    this.notificationsPhase = new long[tenants];
    // {"seq":123456,"sent":1764000000000000,"tenant":"t17","pad":""} is about 64 bytes
    this.pad = "x".repeat(Math.max(0, payloadBytes - 64));
  }

  static Publisher redis(Vertx vertx, int tenants, int payloadBytes, int redisPort) {
    return new RedisPublisher(vertx, tenants, payloadBytes, redisPort);
  }

  /**
   * Tenantcast's publish script on a Redis Cluster (scenario k): each {@code EVALSHA} goes to the master that owns the
   * slot of the tenant's hash tag ({@code CLUSTER SLOTS} read from the nodes on {@code seedPorts}), over one pipelined
   * connection per master; the channel is {@code dashboard-update-{tenant:t<i>}} and the script publishes with
   * {@code SPUBLISH} ({@code sharded}) or {@code PUBLISH}.
   */
  static Publisher cluster(Vertx vertx, int tenants, int payloadBytes, List<Integer> seedPorts, String script,
                           boolean sharded) {
    return new ClusterPublisher(vertx, tenants, payloadBytes, seedPorts, script, sharded);
  }

  /**
   * Tenantcast's publish script ({@code script}, the text of {@code src/main/resources/redis/tenantcast-publish.lua}):
   * {@code EVALSHA <sha> 2 tenantcast:{tenant:t<i>}:history tenantcast:{tenant:t<i>}:meta dashboard-update-t<i>
   * <payload>}, the history's length and age left at the script's defaults.
   */
  static Publisher script(Vertx vertx, int tenants, int payloadBytes, int redisPort, String script) {
    return new RedisPublisher(vertx, tenants, payloadBytes, redisPort, script);
  }

  static Publisher http(Vertx vertx, int tenants, int payloadBytes, int port, int connections, int pipelining) {
    return new HttpPublisher(vertx, tenants, payloadBytes, port, connections, pipelining);
  }

  /**
   * Scenario s: messages become dashboard updates of {@code keys} keys ({@code "key":"k<seq % keys>"}, so each key's
   * states are numbered) and, every {@code notificationEvery}-th seq of a tenant, a {@code NOTIFICATION} on
   * {@code notification-<tenant>} instead (Redis PUBLISH only). Seqs count over both, so a stream that gets everything
   * sees 1, 2, 3, ... in order.
   */
  void latestState(int keys, int notificationEvery) {
    this.keys = keys;
    this.notificationEvery = notificationEvery;
    for (int t = 0; t < tenants; t++) {
      lastOfKey.add(new TreeMap<>());
    }
  }

  /** Messages in flight at most when publishing as fast as possible one by one (HTTP). */
  int window() {
    return 1;
  }

  abstract Future<Void> connect();

  abstract Future<Void> sendOne(Msg m);

  abstract Future<Void> sendBatch(List<Msg> batch);

  abstract String describe();

  void close() {
  }

  /** Zeroes the per-phase counters (call between phases, while nothing is in flight). */
  void mark() {
    published = new long[tenants];
    sent = 0;
    succeeded = 0;
    acked = 0;
    errors = 0;
    noReceivers = 0;
    firstError = null;
    errorReasons.clear();
    refusedOfKilled = 0;
    updatesPublished = 0;
    notificationsPublished = 0;
    notificationsPhase = new long[tenants];
    firstSendMicros = 0;
    lastSendMicros = 0;
    lastAckMicros = 0;
  }

  private Msg next() {
    int t = (int) (roundRobin++ % tenants);
    long s = ++seq[t];
    long now = LoadgenWorker.nowMicros();
    if (firstSendMicros == 0) {
      firstSendMicros = now;
    }
    lastSendMicros = now;
    sent++;
    if (keys > 0) {
      boolean notification = notificationEvery > 0 && s % notificationEvery == 0;
      String key = notification ? null : "k" + s % keys;
      String payload = "{\"seq\":" + s + ",\"sent\":" + now + ",\"tenant\":\"t" + t + "\","
          + (key == null ? "" : "\"key\":\"" + key + "\",") + "\"pad\":\"" + pad + "\"}";
      return new Msg(t, s, now, payload, key, notification);
    }
    String payload = "{\"seq\":" + s + ",\"sent\":" + now + ",\"tenant\":\"t" + t + "\",\"pad\":\"" + pad + "\"}";
    return new Msg(t, s, now, payload, null, false);
  }

  /** The seqs sent so far to tenant t (accepted or refused): 1 .. this. */
  long sentSeq(int t) {
    return seq[t];
  }

  /** The broker accepted {@code m}: its deliveries are expected. */
  void ok(Msg m) {
    published[m.tenant()]++;
    publishedTotal[m.tenant()]++;
    succeeded++;
    if (m.notification()) {
      notificationsTotal[m.tenant()]++;
      notificationsPhase[m.tenant()]++;
      notificationsPublished++;
    } else if (m.key() != null) {
      lastOfKey.get(m.tenant()).merge(m.key(), m.seq(), Math::max);
      updatesPublished++;
    }
    if (killMicros > 0 && firstAcceptedAfterKillMicros == 0 && m.sent() >= killMicros
        && killedTenants.contains(m.tenant())) {
      firstAcceptedAfterKillMicros = LoadgenWorker.nowMicros();
    }
  }

  /** The publish of {@code m} failed: not expected anywhere, and its seq is remembered. */
  void refused(Msg m, Throwable t) {
    refusedSeqs.computeIfAbsent(m.tenant(), k -> new BitSet()).set((int) m.seq());
    if (killedTenants.contains(m.tenant())) {
      refusedOfKilled++;
    }
    failed(t);
  }

  void failed(Throwable t) {
    errors++;
    if (firstError == null) {
      firstError = Loadgen.full(t);
    }
    errorReasons.merge(Loadgen.normalize(Loadgen.describe(t)), 1, Integer::sum);
  }

  /** Scenario k: a master owning {@code tenants} was killed at {@code micros} (call on any thread, before it matters). */
  void markKill(long micros, java.util.Set<Integer> tenants) {
    vertx.runOnContext(v -> {
      killedTenants = tenants;
      killMicros = micros;
    });
  }

  /** {"tenant": [seq, ...]} of the refused publishes, for the load generators (null when none). */
  JsonObject refusedJson() {
    if (refusedSeqs.isEmpty()) {
      return null;
    }
    JsonObject r = new JsonObject();
    refusedSeqs.forEach((t, b) -> r.put(String.valueOf(t), new io.vertx.core.json.JsonArray(
        b.stream().boxed().toList())));
    return r;
  }

  void acked(long n) {
    acked += n;
    lastAckMicros = LoadgenWorker.nowMicros();
  }

  /** Publishes {@code total} messages at {@code rate} per second; returns when all are answered. */
  void paced(long total, double rate, long timeoutMillis) {
    if (total <= 0) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    long tickMs = Math.max(1, Math.min(10, (long) (1000 / rate)));
    long[] timer = {-1};
    vertx.runOnContext(v -> {
      long start = System.nanoTime();
      long[] issued = {0};
      Runnable tick = () -> {
        long due = Math.min(total, (long) Math.floor((System.nanoTime() - start) / 1e9 * rate) + 1);
        while (issued[0] < due) {
          issued[0]++;
          Msg m = next();
          sendOne(m).onComplete(ar -> {
            if (ar.failed()) {
              refused(m, ar.cause());
            }
            acked(1);
            if (acked >= total) {
              done.complete(null);
            }
          });
        }
        if (issued[0] >= total && timer[0] >= 0) {
          vertx.cancelTimer(timer[0]);
          timer[0] = -1;
        }
      };
      tick.run();
      if (issued[0] < total) {
        timer[0] = vertx.setPeriodic(tickMs, id -> tick.run());
      }
    });
    await(done, timeoutMillis, "paced publishing of " + total + " messages at " + rate + "/s");
  }

  /** Publishes {@code total} messages as fast as possible: batches of {@code batch}, {@code window} in flight. */
  void burst(long total, int batch, int window, long timeoutMillis) {
    if (total <= 0) {
      return;
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      long[] issued = {0};
      int[] inFlight = {0};
      Runnable[] pump = new Runnable[1];
      pump[0] = () -> {
        while (inFlight[0] < window && issued[0] < total) {
          int n = (int) Math.min(batch, total - issued[0]);
          issued[0] += n;
          List<Msg> msgs = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            msgs.add(next());
          }
          inFlight[0]++;
          sendBatch(msgs).onComplete(ar -> {
            inFlight[0]--;
            if (ar.failed()) {
              msgs.forEach(m -> refusedSeqs.computeIfAbsent(m.tenant(), k -> new BitSet()).set((int) m.seq()));
              failed(ar.cause());
            }
            acked(n);
            if (acked >= total) {
              done.complete(null);
            } else {
              pump[0].run();
            }
          });
        }
      };
      pump[0].run();
    });
    await(done, timeoutMillis, "burst publishing of " + total + " messages");
  }

  private void await(CompletableFuture<Void> done, long timeoutMillis, String what) {
    try {
      done.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new BenchException(what + " did not finish within " + timeoutMillis / 1000 + " s (sent " + sent
          + ", answered " + acked + ", errors " + errors + (firstError == null ? "" : ", first: " + firstError) + ")");
    } catch (Exception e) {
      throw new BenchException(what + " failed: " + Loadgen.full(e), e);
    }
  }

  <T> T block(Future<T> f, long timeoutMillis, String what) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new BenchException(what + ": " + Loadgen.full(e), e);
    }
  }

  JsonObject phaseJson() {
    JsonObject j = keys == 0 ? new JsonObject() : new JsonObject().put("updatesAccepted", updatesPublished)
        .put("notificationsAccepted", notificationsPublished);
    return j.put("sent", sent).put("accepted", succeeded).put("answered", acked).put("errors", errors)
        .put("errorReasons", new JsonObject(new java.util.LinkedHashMap<>(errorReasons)))
        .put("noReceivers", noReceivers).put("firstError", firstError)
        .put("seconds", firstSendMicros == 0 ? 0 : (lastSendMicros - firstSendMicros) / 1e6)
        .put("ratePerSecond", lastSendMicros > firstSendMicros
            ? sent / ((lastSendMicros - firstSendMicros) / 1e6) : null);
  }

  // ---------------------------------------------------------------- Redis

  private static final class RedisPublisher extends Publisher {
    private final int port;
    private final String script;   // null: PUBLISH
    private String sha;
    private RedisConnection conn;

    RedisPublisher(Vertx vertx, int tenants, int payloadBytes, int port) {
      this(vertx, tenants, payloadBytes, port, null);
    }

    RedisPublisher(Vertx vertx, int tenants, int payloadBytes, int port, String script) {
      super(vertx, tenants, payloadBytes);
      this.port = port;
      this.script = script;
    }

    @Override
    Future<Void> connect() {
      return Redis.createClient(vertx, new RedisOptions()
              .setConnectionString("redis://127.0.0.1:" + port)
              .setMaxWaitingHandlers(1_000_000))
          .connect()
          .compose(c -> {
            conn = c;
            c.exceptionHandler(e -> failed(e));
            if (script == null) {
              return Future.succeededFuture();
            }
            return c.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).map(r -> {
              sha = r.toString();
              return null;
            });
          });
    }

    private Request request(Msg m) {
      String channel = (m.notification() ? "notification-t" : "dashboard-update-t") + m.tenant();
      if (script == null) {
        return Request.cmd(Command.PUBLISH).arg(channel).arg(m.payload());
      }
      String prefix = "tenantcast:{tenant:t" + m.tenant() + "}";
      return Request.cmd(Command.EVALSHA).arg(sha).arg(2).arg(prefix + ":history").arg(prefix + ":meta")
          .arg(channel).arg(m.payload());
    }

    @Override
    Future<Void> sendOne(Msg m) {
      return conn.send(request(m)).map(r -> {
        check(r);
        ok(m);
        return null;
      });
    }

    @Override
    Future<Void> sendBatch(List<Msg> batch) {
      List<Request> reqs = new ArrayList<>(batch.size());
      for (Msg m : batch) {
        reqs.add(request(m));
      }
      return conn.batch(reqs).map(rs -> {
        for (Response r : rs) {
          check(r);
        }
        for (Msg m : batch) {
          ok(m);
        }
        return null;
      });
    }

    /** PUBLISH: counts a message no subscriber got; the script: its answer must be an event id. */
    private void check(Response r) {
      if (script == null) {
        if (r != null && r.toLong() == 0) {
          noReceivers++;
        }
        return;
      }
      checkEventId(r);
    }

    @Override
    String describe() {
      if (script == null) {
        return "Redis PUBLISH dashboard-update-<tenant> over one pipelined connection to 127.0.0.1:" + port;
      }
      return "Tenantcast's publish script (EVALSHA " + sha + " 2 tenantcast:{tenant:<tenant>}:history "
          + "tenantcast:{tenant:<tenant>}:meta dashboard-update-<tenant> <payload>) over one pipelined connection to "
          + "127.0.0.1:" + port;
    }

    @Override
    void close() {
      if (conn != null) {
        conn.close();
      }
    }
  }

  /** The publish script's answer must be an event id ({@code <epoch>.<ms>-<seq>}). */
  static void checkEventId(Response r) {
    String id = r == null ? null : r.toString();
    if (id == null || id.startsWith("dup:") || id.equals("expired") || id.indexOf('.') < 0) {
      throw new IllegalStateException("the publish script answered " + id + ", not an event id");
    }
  }

  // ---------------------------------------------------------------- Redis Cluster (scenario k)

  /**
   * The publish script on a Redis Cluster, routed as a cluster client would: the slot of each tenant's hash tag
   * ({@link RedisCluster#slot}), the slot's master from {@code CLUSTER SLOTS}, one pipelined connection per master
   * with the script loaded ({@code SCRIPT LOAD} on connect; a {@code NOSCRIPT} answer is retried once with
   * {@code EVAL}). It does not retry: a message whose master is unreachable or refuses it (a dead master,
   * {@code CLUSTERDOWN} during a failover, {@code MOVED}) is refused at once, counted with its reason, and the slot map
   * is read again (at most every 100 ms), so that publishing follows the cluster to a promoted replica.
   */
  static final class ClusterPublisher extends Publisher {
    private static final long MIN_REFRESH_MILLIS = 100;

    /** One master: its address, its connection once connected and the script loaded. */
    private static final class Node {
      final int port;
      Redis client;
      RedisConnection conn;
      boolean connecting;

      Node(int port) {
        this.port = port;
      }
    }

    private final List<Integer> seeds;
    private final String script;
    private final boolean sharded;
    private final int[] slotOf;                               // per tenant
    private final int[] ownerOf = new int[RedisCluster.SLOTS]; // per slot: the master's port, 0 unknown
    private final Map<Integer, Node> nodes = new java.util.HashMap<>();
    private String sha;
    private boolean refreshing;
    private boolean refreshPending;
    private long lastRefreshMillis;
    long refreshes;
    long noscriptRetries;

    ClusterPublisher(Vertx vertx, int tenants, int payloadBytes, List<Integer> seeds, String script,
                     boolean sharded) {
      super(vertx, tenants, payloadBytes);
      this.seeds = List.copyOf(seeds);
      this.script = script;
      this.sharded = sharded;
      this.slotOf = new int[tenants];
      for (int t = 0; t < tenants; t++) {
        slotOf[t] = RedisCluster.slot(RedisCluster.tenantTag(t));
      }
    }

    @Override
    Future<Void> connect() {
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> readSlots(false).compose(x -> {
        List<Future<Void>> all = new ArrayList<>();
        for (Node n : nodes.values()) {
          all.add(connectNode(n));
        }
        return Future.all(all).<Void>mapEmpty();
      }).onComplete(done));
      return done.future();
    }

    /**
     * CLUSTER SLOTS from a connected master, else from the seeds in turn; masters that left the map are dropped, and
     * with {@code connectNew} the new ones (a promoted replica) connected.
     */
    private Future<Void> readSlots(boolean connectNew) {
      lastRefreshMillis = System.currentTimeMillis();
      refreshes++;
      Node any = nodes.values().stream().filter(n -> n.conn != null).findFirst().orElse(null);
      Future<Response> answer = any != null
          ? any.conn.send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
          : slotsFromSeed(0);
      return answer.map(r -> {
        java.util.Arrays.fill(ownerOf, 0);
        java.util.Set<Integer> masters = new java.util.HashSet<>();
        for (Response range : r) {
          int port = range.get(2).get(1).toInteger();
          masters.add(port);
          for (int s = range.get(0).toInteger(); s <= range.get(1).toInteger(); s++) {
            ownerOf[s] = port;
          }
        }
        for (Integer port : new ArrayList<>(nodes.keySet())) {
          if (!masters.contains(port)) {
            drop(nodes.remove(port)); // no longer a master (or dead and replaced)
          }
        }
        for (int port : masters) {
          Node n = nodes.computeIfAbsent(port, Node::new);
          if (connectNew && n.conn == null && !n.connecting) {
            connectNode(n);
          }
        }
        return null;
      });
    }

    private Future<Response> slotsFromSeed(int i) {
      if (i >= seeds.size()) {
        return Future.failedFuture(new IllegalStateException("no seed node answers CLUSTER SLOTS"));
      }
      Redis client = Redis.createClient(vertx, new RedisOptions()
          .setConnectionString("redis://127.0.0.1:" + seeds.get(i)));
      return client.connect().compose(c -> c.send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
              .eventually(c::close))
          .eventually(client::close)
          .recover(e -> slotsFromSeed(i + 1));
    }

    /** Connects a master and loads the script there; a lost connection makes the next message read the map again. */
    private Future<Void> connectNode(Node n) {
      n.connecting = true;
      n.client = Redis.createClient(vertx, new RedisOptions()
          .setConnectionString("redis://127.0.0.1:" + n.port)
          .setMaxWaitingHandlers(1_000_000));
      return n.client.connect().compose(c -> c.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script)).map(r -> {
        sha = r.toString();
        c.exceptionHandler(e -> lost(n, c));
        c.endHandler(v -> lost(n, c));
        n.conn = c;
        n.connecting = false;
        return (Void) null;
      })).onFailure(e -> {
        n.connecting = false;
        if (n.client != null) {
          n.client.close();
          n.client = null;
        }
      });
    }

    private void lost(Node n, RedisConnection c) {
      if (n.conn == c) {
        n.conn = null;
        c.close();
        if (n.client != null) {
          n.client.close();
          n.client = null;
        }
        refreshSoon();
      }
    }

    private void drop(Node n) {
      if (n != null) {
        if (n.conn != null) {
          n.conn.close();
          n.conn = null;
        }
        if (n.client != null) {
          n.client.close();
          n.client = null;
        }
      }
    }

    /** Reads the slot map again, at most once per MIN_REFRESH_MILLIS (a node may still answer the old map). */
    private void refreshSoon() {
      if (refreshing) {
        return;
      }
      long wait = lastRefreshMillis + MIN_REFRESH_MILLIS - System.currentTimeMillis();
      if (wait > 0) {
        if (!refreshPending) {
          refreshPending = true;
          vertx.setTimer(wait, id -> {
            refreshPending = false;
            refreshSoon();
          });
        }
        return;
      }
      refreshing = true;
      readSlots(true).onComplete(ar -> refreshing = false);
    }

    private Request request(Command command, String scriptOrSha, Msg m) {
      String tag = "{" + RedisCluster.tenantTag(m.tenant()) + "}";
      return Request.cmd(command).arg(scriptOrSha).arg(2)
          .arg("tenantcast:" + tag + ":history").arg("tenantcast:" + tag + ":meta")
          .arg("dashboard-update-" + tag).arg(m.payload())
          // length and age of the history at the script's defaults, no idempotency key, no deadline
          .arg("").arg("").arg("").arg("").arg("0")
          .arg(sharded ? "SPUBLISH" : "PUBLISH");
    }

    @Override
    Future<Void> sendOne(Msg m) {
      int slot = slotOf[m.tenant()];
      Node n = nodes.get(ownerOf[slot]);
      RedisConnection c = n == null ? null : n.conn;
      if (c == null) {
        refreshSoon();
        return Future.failedFuture(new IllegalStateException("no connection to the master of the tenant's slot"
            + (ownerOf[slot] == 0 ? " (none in the slot map)" : " (127.0.0.1:" + ownerOf[slot] + ")")));
      }
      return c.send(request(Command.EVALSHA, sha, m)).recover(e -> {
        String msg = String.valueOf(e.getMessage());
        if (msg.startsWith("NOSCRIPT")) {
          noscriptRetries++;
          return c.send(request(Command.EVAL, script, m));
        }
        if (msg.startsWith("MOVED") || msg.startsWith("ASK") || msg.startsWith("CLUSTERDOWN")
            || msg.startsWith("TRYAGAIN")) {
          refreshSoon();
        }
        return Future.failedFuture(e);
      }).map(r -> {
        checkEventId(r);
        ok(m);
        return null;
      });
    }

    @Override
    Future<Void> sendBatch(List<Msg> batch) {
      List<Future<Void>> fs = new ArrayList<>(batch.size());
      for (Msg m : batch) {
        fs.add(sendOne(m).recover(e -> {
          refused(m, e);
          return Future.succeededFuture();
        }));
      }
      Promise<Void> p = Promise.promise();
      Future.join(fs).onComplete(ar -> p.complete());
      return p.future();
    }

    /**
     * The seqs in each tenant's history now (the {@code "seq":N} of each entry's data), read from the tenant's master
     * with {@code XRANGE}: after a failover, which accepted messages the promoted replica has.
     */
    Future<Map<Integer, BitSet>> historySeqs(java.util.Collection<Integer> tenants) {
      Promise<Map<Integer, BitSet>> done = Promise.promise();
      vertx.runOnContext(v -> {
        Map<Integer, BitSet> out = new TreeMap<>();
        List<Future<Void>> all = new ArrayList<>();
        for (int t : tenants) {
          Node n = nodes.get(ownerOf[slotOf[t]]);
          if (n == null || n.conn == null) {
            all.add(Future.failedFuture("no connection to the master of tenant t" + t));
            continue;
          }
          String key = "tenantcast:{" + RedisCluster.tenantTag(t) + "}:history";
          all.add(n.conn.send(Request.cmd(Command.XRANGE).arg(key).arg("-").arg("+")).map(r -> {
            BitSet seqs = new BitSet();
            for (Response entry : r) {
              Response fields = entry.get(1);
              for (int k = 0; k + 1 < fields.size(); k += 2) {
                if (fields.get(k).toString().equals("d")) {
                  java.util.regex.Matcher mm = SEQ.matcher(fields.get(k + 1).toString());
                  if (mm.find()) {
                    seqs.set(Integer.parseInt(mm.group(1)));
                  }
                }
              }
            }
            out.put(t, seqs);
            return null;
          }));
        }
        Future.all(all).map(x -> out).onComplete(done);
      });
      return done.future();
    }

    private static final java.util.regex.Pattern SEQ = java.util.regex.Pattern.compile("\"seq\":(\\d+)");

    @Override
    String describe() {
      return "Tenantcast's publish script (EVALSHA " + sha + " 2 tenantcast:{tenant:<t>}:history "
          + "tenantcast:{tenant:<t>}:meta dashboard-update-{tenant:<t>} <payload> '' '' '' '' 0 "
          + (sharded ? "SPUBLISH" : "PUBLISH") + ") sent to the master that owns the slot of {tenant:<t>} (CLUSTER "
          + "SLOTS, CRC16 of the hash tag), over one pipelined connection per master (" + nodes.size() + "); no "
          + "retries: a refused message is counted as refused";
    }

    JsonObject figures() {
      return new JsonObject().put("slotMapReads", refreshes).put("noscriptRetries", noscriptRetries)
          .put("masters", new io.vertx.core.json.JsonArray(nodes.keySet().stream().sorted().toList()));
    }

    @Override
    void close() {
      nodes.values().forEach(this::drop);
    }
  }

  // ---------------------------------------------------------------- HTTP (Nchan)

  /**
   * Nchan: {@code POST /pub/<tenant>}. Tenant t always goes over connection {@code t % connections}, and each
   * connection keeps its requests in order (HTTP/1.1 pipelining, up to {@code pipelining} in flight), so each tenant's
   * messages reach Nchan in seq order, as over the one pipelined Redis connection.
   */
  private static final class HttpPublisher extends Publisher {
    private final int port;
    private final int connections;
    private final int pipelining;
    private final List<HttpClientAgent> clients = new ArrayList<>();

    HttpPublisher(Vertx vertx, int tenants, int payloadBytes, int port, int connections, int pipelining) {
      super(vertx, tenants, payloadBytes);
      this.port = port;
      this.connections = Math.max(1, Math.min(connections, tenants));
      this.pipelining = Math.max(1, pipelining);
    }

    int window() {
      return connections * pipelining;
    }

    @Override
    Future<Void> connect() {
      for (int i = 0; i < connections; i++) {
        clients.add(vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setConnectTimeout(5000).setPipelining(pipelining > 1).setPipeliningLimit(pipelining),
            new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(-1)));
      }
      return Future.succeededFuture();
    }

    @Override
    Future<Void> sendOne(Msg m) {
      RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
          .setURI("/pub/t" + m.tenant()).putHeader("Content-Type", "application/json");
      return clients.get(m.tenant() % connections).request(ro)
          .compose(req -> req.send(Buffer.buffer(m.payload())))
          .compose(resp -> resp.body().map(body -> {
            int sc = resp.statusCode();
            if (sc == 202) {
              noReceivers++; // Nchan: queued, no subscriber
            }
            if (sc / 100 != 2) {
              throw new IllegalStateException("POST /pub/t" + m.tenant() + " answered " + sc + ": " + body);
            }
            ok(m);
            return null;
          }));
    }

    @Override
    Future<Void> sendBatch(List<Msg> batch) {
      List<Future<Void>> fs = new ArrayList<>(batch.size());
      for (Msg m : batch) {
        fs.add(sendOne(m).recover(e -> {
          refused(m, e);
          return Future.succeededFuture();
        }));
      }
      Promise<Void> p = Promise.promise();
      Future.join(fs).onComplete(ar -> p.complete());
      return p.future();
    }

    @Override
    String describe() {
      return "HTTP POST /pub/<tenant> to 127.0.0.1:" + port + " over " + connections + " keep-alive connection(s), "
          + "tenant t on connection t % " + connections + ", up to " + pipelining + " pipelined per connection";
    }

    @Override
    void close() {
      for (HttpClientAgent c : clients) {
        c.close();
      }
    }
  }
}
