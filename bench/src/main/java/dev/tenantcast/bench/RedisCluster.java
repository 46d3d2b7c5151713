package dev.tenantcast.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Scenario k's Redis Cluster: 3 masters and 3 replicas of {@code redis-server} on free loopback ports, built with
 * {@code redis-cli --cluster create} as an operator would; its topology from {@code CLUSTER NODES}, each node's CPU,
 * and the kill of a master. Every node runs with {@code --repl-diskless-sync-delay 0} and a short
 * {@code --cluster-node-timeout}, and the start waits until every replica's link to its master is up: a replica that
 * has not synced refuses to take over ("Disconnected from master for longer than allowed").
 */
final class RedisCluster {
  static final int SLOTS = 16384;
  private static final int NODES = 6;

  /** One node as CLUSTER NODES shows it. */
  record Node(int port, String id, boolean master, boolean failed, String masterId, List<int[]> slots) {
    int slotCount() {
      return slots.stream().mapToInt(r -> r[1] - r[0] + 1).sum();
    }

    boolean owns(int slot) {
      return slots.stream().anyMatch(r -> slot >= r[0] && slot <= r[1]);
    }
  }

  final Servers.Sut sut;
  private final Map<Integer, Double> cpuAtKill = new TreeMap<>();

  private RedisCluster(Servers.Sut sut) {
    this.sut = sut;
  }

  static RedisCluster start(Options o, Path logDir) throws IOException {
    Servers.Sut s = new Servers.Sut("redis-cluster");
    RedisCluster c = new RedisCluster(s);
    s.info.put("version", Servers.firstLine(o.redisServer, "--version"))
        .put("nodeTimeoutMs", o.clusterNodeTimeoutMs);
    for (int i = 0; i < NODES; i++) {
      int port = Servers.freePort();
      int busPort = Servers.freePort(); // the default (port + 10000) may be taken, or above 65535
      Path dir = logDir.resolve("redis-" + i).toAbsolutePath();
      Files.createDirectories(dir);
      List<String> cmd = List.of(o.redisServer, "--port", String.valueOf(port), "--bind", "127.0.0.1",
          "--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort),
          "--cluster-config-file", dir.resolve("nodes.conf").toString(),
          "--cluster-node-timeout", String.valueOf(o.clusterNodeTimeoutMs),
          // a replica syncs at once instead of after the default 5 s wait for more replicas
          "--repl-diskless-sync-delay", "0",
          "--dir", dir.toString(), "--save", "", "--appendonly", "no", "--daemonize", "no",
          "--protected-mode", "yes", "--maxclients", "10000");
      Path log = logDir.resolve("redis-" + i + ".log");
      s.processes.add(Children.start(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())));
      s.logs.add(log);
      s.ports.add(port);
      s.commands.add(Servers.shell(cmd));
    }
    for (int port : s.ports) {
      long deadline = System.currentTimeMillis() + 15_000;
      while (!Servers.redisPing(port)) {
        s.checkAlive();
        if (System.currentTimeMillis() > deadline) {
          throw new BenchException("redis-server on port " + port + " did not answer PING within 15 s");
        }
        Servers.sleep(100);
      }
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    s.ports.forEach(p -> create.add("127.0.0.1:" + p));
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    s.commands.add(Servers.shell(create));
    Path createLog = logDir.resolve("redis-cluster-create.log");
    try {
      Process p = new ProcessBuilder(create).redirectErrorStream(true).redirectOutput(createLog.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new BenchException("redis-cli --cluster create did not finish within 60 s; " + createLog);
      }
      if (p.exitValue() != 0) {
        throw new BenchException("redis-cli --cluster create failed (exit " + p.exitValue() + "):\n"
            + Servers.tail(createLog, 20));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BenchException("interrupted");
    }
    long t0 = System.nanoTime();
    c.awaitSteady(60);
    s.info.put("steadyAfterCreateSeconds", Bench.round((System.nanoTime() - t0) / 1e9, 2));
    return c;
  }

  /**
   * Waits until every node says cluster_state:ok with all 16384 slots and all 6 nodes known, every master has its
   * replica, and every replica's link to its master is up.
   */
  void awaitSteady(double seconds) {
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    String why = "";
    while (System.nanoTime() < deadline) {
      sut.checkAlive();
      why = notSteady();
      if (why == null) {
        return;
      }
      Servers.sleep(100);
    }
    throw new BenchException("the Redis Cluster was not steady within " + seconds + " s: " + why);
  }

  /** Why the cluster is not steady yet, or null when it is. */
  private String notSteady() {
    int masters = 0;
    int replicas = 0;
    for (int port : sut.ports) {
      String info = Servers.redisText(port, "CLUSTER", "INFO");
      if (info == null || !info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:" + SLOTS)
          || !info.contains("cluster_known_nodes:" + NODES)) {
        return "node " + port + ": " + (info == null ? "no answer" : info.replaceAll("\\s+", " "));
      }
      Map<String, String> repl = Servers.redisInfo(port, "replication");
      if (repl == null) {
        return "node " + port + ": no INFO replication";
      }
      if ("master".equals(repl.get("role"))) {
        if (!"1".equals(repl.get("connected_slaves"))) {
          return "master " + port + " has " + repl.get("connected_slaves") + " replicas";
        }
        masters++;
      } else {
        if (!"up".equals(repl.get("master_link_status"))) {
          return "replica " + port + ": master_link_status " + repl.get("master_link_status");
        }
        replicas++;
      }
    }
    return masters == 3 && replicas == 3 ? null : masters + " masters, " + replicas + " replicas";
  }

  /** The ports of the nodes, in the order they were started. */
  List<Integer> ports() {
    return sut.ports;
  }

  /** How Tenantcast is told about the cluster: every node a seed, interest mode, the pub/sub of the run. */
  Map<String, String> tenantcastEnv(String clusterPubSub) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("TENANTCAST_REDIS_MODE", "cluster");
    env.put("TENANTCAST_REDIS_ENDPOINTS", String.join(",",
        sut.ports.stream().map(p -> "redis://127.0.0.1:" + p).toList()));
    env.put("TENANTCAST_REDIS_SUBSCRIPTION_MODE", "interest");
    env.put("TENANTCAST_REDIS_CLUSTER_PUB_SUB", clusterPubSub);
    return env;
  }

  /** The cluster's view from a live node (the first that answers), or an empty list. */
  List<Node> nodes() {
    for (int i = 0; i < sut.ports.size(); i++) {
      if (sut.killed.contains(i)) {
        continue;
      }
      String text = Servers.redisText(sut.ports.get(i), "CLUSTER", "NODES");
      if (text != null) {
        return parseNodes(text);
      }
    }
    return List.of();
  }

  /**
   * {@code CLUSTER NODES}: {@code <id> <ip:port@cport> <flags> <master id or -> <ping> <pong> <epoch> <link>
   * <slot ranges...>}; importing or migrating slots ({@code [..]}) are left out.
   */
  static List<Node> parseNodes(String text) {
    List<Node> r = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 8) {
        continue;
      }
      int at = f[1].indexOf('@');
      String hostPort = at < 0 ? f[1] : f[1].substring(0, at); // 127.0.0.1:30001@40001[,hostname]
      int port = Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
      List<String> flags = List.of(f[2].split(","));
      List<int[]> slots = new ArrayList<>();
      for (int k = 8; k < f.length; k++) {
        if (f[k].startsWith("[")) {
          continue;
        }
        String[] range = f[k].split("-");
        int first = Integer.parseInt(range[0]);
        slots.add(new int[] {first, range.length > 1 ? Integer.parseInt(range[1]) : first});
      }
      r.add(new Node(port, f[0], flags.contains("master"), flags.contains("fail"), f[3].equals("-") ? null : f[3],
          slots));
    }
    return r;
  }

  /** The live master that serves {@code slot} in {@code nodes}, or null. */
  static Node masterOf(List<Node> nodes, int slot) {
    for (Node n : nodes) {
      if (n.master() && !n.failed() && n.owns(slot)) {
        return n;
      }
    }
    return null;
  }

  /** Per master port: the tenants t0..t(n-1) whose keys and channels ({@code {tenant:t<i>}}) its slots hold. */
  static Map<Integer, List<Integer>> tenantsByMaster(List<Node> nodes, int tenants) {
    Map<Integer, List<Integer>> r = new TreeMap<>();
    for (Node n : nodes) {
      if (n.master() && !n.failed()) {
        r.put(n.port(), new ArrayList<>());
      }
    }
    for (int t = 0; t < tenants; t++) {
      Node m = masterOf(nodes, slot(tenantTag(t)));
      if (m != null) {
        r.get(m.port()).add(t);
      }
    }
    return r;
  }

  /** The hash tag's content of tenant t's keys and channels: {@code tenant:t<i>}. */
  static String tenantTag(int t) {
    return "tenant:t" + t;
  }

  /** The hash slot of a key or shard channel: CRC16 (XMODEM) of its hash tag's content, or of the whole key. */
  static int slot(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        key = key.substring(open + 1, close);
      }
    }
    int crc = 0;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
    }
    return (crc & 0xffff) % SLOTS;
  }

  /**
   * Kills the node on {@code port} with SIGKILL and waits until it is gone; its CPU time is read just before, so that
   * the measured phase still counts what it used until then. Returns its pid.
   */
  long kill(int port) {
    int i = sut.ports.indexOf(port);
    cpuAtKill.put(port, ProcStats.cpuSeconds(sut.processes.get(i).pid()));
    return sut.kill(i);
  }

  /** Per port: CPU seconds (utime + stime) of each node so far; a killed node's as it was at the kill. */
  Map<Integer, Double> cpuByPort() {
    Map<Integer, Double> r = new TreeMap<>();
    for (int i = 0; i < sut.ports.size(); i++) {
      int port = sut.ports.get(i);
      r.put(port, sut.killed.contains(i) ? cpuAtKill.getOrDefault(port, 0.0)
          : ProcStats.cpuSeconds(sut.processes.get(i).pid()));
    }
    return r;
  }

  /**
   * Each node's figures over a phase: role at the start (and at the end when it changed), its replica or master,
   * for a master the slots and tenants it owned, and its CPU seconds between {@code cpu0} and now. Masters come by
   * tenants, most first, each followed by its replica.
   */
  JsonArray nodeFigures(List<Node> atStart, Map<Integer, Double> cpu0, int tenants) {
    Map<Integer, Double> cpu1 = cpuByPort();
    List<Node> atEnd = nodes();
    Map<Integer, List<Integer>> owned = tenantsByMaster(atStart, tenants);
    Map<String, Node> byId = new LinkedHashMap<>();
    atStart.forEach(n -> byId.put(n.id(), n));
    List<Node> masters = new ArrayList<>(atStart.stream().filter(Node::master).toList());
    masters.sort((a, b) -> Integer.compare(owned.getOrDefault(b.port(), List.of()).size(),
        owned.getOrDefault(a.port(), List.of()).size()));
    List<Node> ordered = new ArrayList<>();
    for (Node m : masters) {
      ordered.add(m);
      atStart.stream().filter(n -> !n.master() && m.id().equals(n.masterId())).forEach(ordered::add);
    }
    atStart.stream().filter(n -> !ordered.contains(n)).forEach(ordered::add);
    JsonArray out = new JsonArray();
    for (Node n : ordered) {
      Node end = atEnd.stream().filter(e -> e.id().equals(n.id())).findFirst().orElse(null);
      int i = sut.ports.indexOf(n.port());
      boolean killed = i >= 0 && sut.killed.contains(i);
      JsonObject j = new JsonObject().put("port", n.port()).put("role", n.master() ? "master" : "replica");
      if (n.master()) {
        j.put("slots", n.slotCount()).put("tenants", owned.getOrDefault(n.port(), List.of()).size());
      } else {
        Node m = byId.get(n.masterId());
        j.put("replica_of", m == null ? null : m.port());
      }
      j.put("cpu_s", Bench.round(cpu1.getOrDefault(n.port(), 0.0) - cpu0.getOrDefault(n.port(), 0.0), 3))
          .put("killed", killed)
          .put("role_at_end", killed ? "killed" : end == null ? "?" : end.master() ? "master" : "replica");
      if (end != null && end.master() && !n.master()) {
        j.put("slots_at_end", end.slotCount());
      }
      out.add(j);
    }
    return out;
  }

  /** The nodes' roles and slots as JSON (for the result's "redis" section). */
  static JsonArray describe(List<Node> nodes) {
    JsonArray a = new JsonArray();
    for (Node n : nodes) {
      a.add(new JsonObject().put("port", n.port()).put("id", n.id()).put("role", n.master() ? "master" : "replica")
          .put("failed", n.failed()).put("masterId", n.masterId()).put("slots", n.slotCount()));
    }
    return a;
  }
}
