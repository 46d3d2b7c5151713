package dev.tenantcast.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster of the machine's redis-server (7.x, for sharded pub/sub): 3 masters and 3 replicas on free
 * loopback ports, with a short node timeout so that a failover takes seconds. Nodes can be added, killed, and slots
 * migrated, with redis-cli as an operator would. Closing it kills every node and removes its files.
 */
public final class TestRedisCluster implements AutoCloseable {
  private final RedisProcesses processes = new RedisProcesses("cluster");
  private final List<Integer> ports = new ArrayList<>();

  private TestRedisCluster() {
  }

  public static TestRedisCluster start() {
    TestRedisCluster cluster = new TestRedisCluster();
    try {
      for (int i = 0; i < 6; i++) {
        cluster.launch();
      }
      List<String> create = new ArrayList<>(List.of("--cluster", "create"));
      cluster.ports.forEach(p -> create.add("127.0.0.1:" + p));
      create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      cluster.cli(cluster.ports.get(0), create);
      cluster.awaitHealthy();
      cluster.awaitReplicasInSync();
      return cluster;
    } catch (RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  /**
   * Starts one node on two free ports of its own, the client port and the cluster bus port. The bus port is given
   * explicitly: by default it is the client port + 10,000, which may be taken or even above 65,535 for a free port.
   * Another process may take a chosen port before the node binds it, so a node that could not bind is retried.
   */
  private int launch() {
    for (int attempt = 1; ; attempt++) {
      int[] free = TestService.twoFreePorts();
      int port = free[0];
      int busPort = free[1];
      try {
        processes.start(port, List.of("--port", String.valueOf(port), "--bind", "127.0.0.1",
            "--cluster-enabled", "yes", "--cluster-port", String.valueOf(busPort),
            "--cluster-config-file", processes.dir(port).resolve("nodes.conf").toString(),
            "--cluster-node-timeout", "1000", "--save", "", "--appendonly", "no",
            "--dir", processes.dir(port).toString(),
            // a new replica syncs at once, instead of after the default 5 s wait for other replicas
            "--repl-diskless-sync-delay", "0"));
        ports.add(port);
        return port;
      } catch (AssertionError e) {
        if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
          throw e;
        }
      }
    }
  }

  /** The seed nodes, as {@code redis.endpoints} takes them. */
  public List<String> endpoints() {
    return ports.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  public String cli(int port, List<String> args) {
    return RedisProcesses.cli(port, args);
  }

  public String cli(int port, String... args) {
    return RedisProcesses.cli(port, List.of(args));
  }

  /** The port of the master that owns the slot of {@code key}. */
  public int masterOf(String key) {
    return masterOfSlot(slot(key));
  }

  /** The port of the live master that serves a slot, by the cluster's own view. */
  public int masterOfSlot(int slot) {
    for (String line : cli(livePorts().get(0), "CLUSTER", "NODES").split("\n")) {
      String[] fields = line.split(" ");
      if (!fields[2].contains("master") || fields[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        if (fields[i].startsWith("[")) {
          continue; // a slot being imported or migrated
        }
        String[] range = fields[i].split("-");
        int first = Integer.parseInt(range[0]);
        int last = range.length > 1 ? Integer.parseInt(range[1]) : first;
        if (slot >= first && slot <= last) {
          return Integer.parseInt(fields[1].split("[:@]")[1]);
        }
      }
    }
    throw new AssertionError("no live master serves slot " + slot);
  }

  /** The hash slot of a key or shard channel, as the cluster computes it. */
  public int slot(String key) {
    return Integer.parseInt(cli(ports.get(0), "CLUSTER", "KEYSLOT", key));
  }

  /** The ports of the live masters that serve slots. */
  public List<Integer> masters() {
    List<Integer> masters = new ArrayList<>();
    for (String line : cli(livePorts().get(0), "CLUSTER", "NODES").split("\n")) {
      String[] fields = line.split(" ");
      if (fields[2].contains("master") && !fields[2].contains("fail") && fields.length > 8) {
        masters.add(Integer.parseInt(fields[1].split("[:@]")[1]));
      }
    }
    return masters;
  }

  /** Adds an empty master (no slots yet) to the cluster, as an operator scaling out would, and returns its port. */
  public int addMaster() {
    int port = launch();
    cli(port, "--cluster", "add-node", "127.0.0.1:" + port, "127.0.0.1:" + livePorts().get(0));
    awaitHealthy();
    return port;
  }

  /**
   * Moves one slot, with its keys, to the master on {@code toPort}: the resharding steps of the Redis Cluster
   * specification (IMPORTING, MIGRATING, MIGRATE the keys in batches, then SETSLOT NODE on both and every master).
   */
  public void migrateSlot(int slot, int toPort) {
    int fromPort = masterOfSlot(slot);
    String from = nodeId(fromPort);
    String to = nodeId(toPort);
    String s = String.valueOf(slot);
    cli(toPort, "CLUSTER", "SETSLOT", s, "IMPORTING", from);
    cli(fromPort, "CLUSTER", "SETSLOT", s, "MIGRATING", to);
    while (true) {
      String keys = cli(fromPort, "CLUSTER", "GETKEYSINSLOT", s, "100");
      if (keys.isBlank()) {
        break;
      }
      List<String> migrate = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", String.valueOf(toPort), "", "0",
          "5000", "KEYS"));
      migrate.addAll(List.of(keys.split("\n")));
      cli(fromPort, migrate);
    }
    cli(toPort, "CLUSTER", "SETSLOT", s, "NODE", to);
    cli(fromPort, "CLUSTER", "SETSLOT", s, "NODE", to);
    for (int master : masters()) {
      if (master != toPort && master != fromPort) {
        cli(master, "CLUSTER", "SETSLOT", s, "NODE", to);
      }
    }
    awaitHealthy();
  }

  /** The number of clients of the node on {@code port} that hold shard-channel subscriptions (SSUBSCRIBE). */
  public int shardSubscribers(int port) {
    int count = 0;
    for (String client : cli(port, "CLIENT", "LIST").split("\n")) {
      for (String field : client.split(" ")) {
        if (field.startsWith("ssub=") && !field.equals("ssub=0")) {
          count++;
        }
      }
    }
    return count;
  }

  /** The node id of the node on this port. */
  public String nodeId(int port) {
    return cli(port, "CLUSTER", "MYID");
  }

  /** Kills a node (SIGKILL), as a crash would. */
  public void kill(int port) {
    processes.kill(port);
  }

  /** Freezes a node (SIGSTOP), as a hung host or a network partition would: its sockets stay open, nothing answers. */
  public void freeze(int port) {
    processes.signal(port, "STOP");
  }

  /** Lets a frozen node go on (SIGCONT). */
  public void thaw(int port) {
    processes.signal(port, "CONT");
  }

  /** Sets how long the nodes wait before they take a silent node for failed and fail it over (1 s here by default). */
  public void nodeTimeout(long millis) {
    for (int port : livePorts()) {
      cli(port, "CONFIG", "SET", "cluster-node-timeout", String.valueOf(millis));
    }
  }

  /** Starts a killed node again on its port, with its cluster config: it rejoins with the role and slots it had. */
  public void restart(int port) {
    processes.restart(port);
  }

  /** Makes every node serve the slots it can while others are not served ({@code cluster-require-full-coverage no}). */
  public void serveWithoutFullCoverage() {
    for (int port : livePorts()) {
      cli(port, "CONFIG", "SET", "cluster-require-full-coverage", "no");
    }
  }

  /**
   * The port of a replica of the master on {@code masterPort}, as the master sees it: waited for (up to 10 s), since
   * the master learns a new replica's role by gossip, after the replica itself knows it (seen once, right after start).
   */
  public int replicaOf(int masterPort) {
    String masterId = nodeId(masterPort);
    long deadline = System.currentTimeMillis() + 10_000;
    do {
      for (String line : cli(masterPort, "CLUSTER", "NODES").split("\n")) {
        String[] fields = line.split(" ");
        if (fields[2].contains("slave") && fields[3].equals(masterId)) {
          return Integer.parseInt(fields[1].split("[:@]")[1]);
        }
      }
      RedisProcesses.pause();
    } while (System.currentTimeMillis() < deadline);
    throw new AssertionError("the master on " + masterPort + " has no replica: " + cli(masterPort, "CLUSTER", "NODES"));
  }

  /** How many slots the node on {@code port} serves, by the cluster's own view. */
  public int slotsOf(int port) {
    int slots = 0;
    for (String line : cli(livePorts().get(0), "CLUSTER", "NODES").split("\n")) {
      String[] fields = line.split(" ");
      if (!fields[1].startsWith("127.0.0.1:" + port + "@")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        if (!fields[i].startsWith("[")) {
          String[] range = fields[i].split("-");
          slots += range.length > 1 ? Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1 : 1;
        }
      }
    }
    return slots;
  }

  /**
   * Leaves a slot unassigned on every live node, as a resharding that went wrong would, and waits until they agree.
   * The owner lets go first: a node that still heard the owner claim the slot would take it back.
   */
  public void unassignSlot(int slot) {
    int owner = masterOfSlot(slot);
    cli(owner, "CLUSTER", "DELSLOTS", String.valueOf(slot));
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      boolean all = true;
      for (int port : livePorts()) {
        if (!cli(port, "CLUSTER", "INFO").contains("cluster_slots_assigned:16383")) {
          all = false;
          cli(port, "CLUSTER", "DELSLOTS", String.valueOf(slot)); // "already unassigned" is an answer too
        }
      }
      if (all) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("slot " + slot + " is still assigned: " + cli(livePorts().get(0), "CLUSTER", "INFO"));
      }
      RedisProcesses.pause();
    }
  }

  /** Assigns an unassigned slot to the master on {@code port}, and waits until every live node serves it again. */
  public void assignSlot(int slot, int port) {
    cli(port, "CLUSTER", "ADDSLOTS", String.valueOf(slot));
    awaitOnEveryNode("cluster_slots_assigned:16384");
  }

  private void awaitOnEveryNode(String info) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!livePorts().stream().allMatch(p -> cli(p, "CLUSTER", "INFO").contains(info))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not every node says " + info + ": " + cli(livePorts().get(0), "CLUSTER", "INFO"));
      }
      RedisProcesses.pause();
    }
  }

  /** Waits until every live node says the cluster is down (a slot that no live master serves). */
  public void awaitDown() {
    awaitOnEveryNode("cluster_state:fail");
  }

  /** Calls of a command (as INFO commandstats names it, e.g. {@code cluster|slots}) on every live node together. */
  public long calls(String command) {
    long calls = 0;
    for (int port : livePorts()) {
      for (String line : cli(port, "INFO", "commandstats").split("\n")) {
        if (line.startsWith("cmdstat_" + command + ":calls=")) {
          calls += Long.parseLong(line.substring(line.indexOf('=') + 1, line.indexOf(',')));
        }
      }
    }
    return calls;
  }

  /** Waits until the cluster has promoted a replica in place of the killed master on {@code port}. */
  public void awaitFailover(int port) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      String nodes = cli(livePorts().get(0), "CLUSTER", "NODES");
      boolean failed = nodes.lines().anyMatch(l -> l.contains(":" + port + "@") && l.contains("fail")
          && !l.contains("fail?"));
      if (failed && masters().size() == 3) {
        awaitHealthy();
        return;
      }
      RedisProcesses.pause();
    }
    throw new AssertionError("no replica took over from the master on " + port + ": "
        + cli(livePorts().get(0), "CLUSTER", "NODES"));
  }

  /**
   * Makes the master on {@code port} announce {@code announced} as its client port (as a wrong
   * {@code cluster-announce-port} would), and waits until every live node's slot map says so.
   */
  public void announcePort(int port, int announced) {
    cli(port, "CONFIG", "SET", "cluster-announce-port", String.valueOf(announced));
    String address = "127.0.0.1:" + announced;
    long deadline = System.currentTimeMillis() + 30_000;
    for (int node : livePorts()) {
      while (!cli(node, "CLUSTER", "SLOTS").replace("\n", ":").contains(address)) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("the node on " + node + " never announced " + address);
        }
        RedisProcesses.pause();
      }
    }
  }

  /** Waits until every live node says the cluster is ok and every slot is served. */
  public void awaitHealthy() {
    long deadline = System.currentTimeMillis() + 30_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      boolean ok = true;
      for (int port : livePorts()) {
        last = cli(port, "CLUSTER", "INFO");
        ok &= last.contains("cluster_state:ok") && last.contains("cluster_slots_ok:16384");
      }
      if (ok) {
        return;
      }
      RedisProcesses.pause();
    }
    throw new AssertionError("the cluster did not become healthy: " + last);
  }

  /** Waits until every replica has its master's data: until then, it would refuse to take over. */
  private void awaitReplicasInSync() {
    long deadline = System.currentTimeMillis() + 30_000;
    for (int port : livePorts()) {
      String info = cli(port, "INFO", "replication");
      while (info.contains("role:slave") && !info.contains("master_link_status:up")) {
        if (System.currentTimeMillis() > deadline) {
          throw new AssertionError("the replica on " + port + " did not sync: " + info);
        }
        RedisProcesses.pause();
        info = cli(port, "INFO", "replication");
      }
    }
  }

  private List<Integer> livePorts() {
    return ports.stream().filter(processes::alive).toList();
  }

  @Override
  public void close() {
    processes.close();
  }
}
