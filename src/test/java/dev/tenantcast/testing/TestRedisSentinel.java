package dev.tenantcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis with Sentinel, of the machine's redis-server: a master, one replica and three sentinels (quorum 2) on
 * free loopback ports, with short timeouts so that a failover takes seconds. Closing it kills every process and
 * removes its files.
 */
public final class TestRedisSentinel implements AutoCloseable {
  public static final String MASTER_NAME = "tenantcast";

  private final RedisProcesses processes = new RedisProcesses("sentinel");
  private final List<Integer> redisPorts = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();

  private TestRedisSentinel() {
  }

  public static TestRedisSentinel start() {
    TestRedisSentinel setup = new TestRedisSentinel();
    try {
      int master = setup.redis(List.of());
      setup.redis(List.of("--replicaof", "127.0.0.1", String.valueOf(master)));
      for (int i = 0; i < 3; i++) {
        setup.sentinel(master);
      }
      setup.awaitSentinelsAgree(master);
      return setup;
    } catch (RuntimeException | AssertionError e) {
      setup.close();
      throw e;
    }
  }

  private int redis(List<String> extra) {
    int port = TestService.freePort();
    List<String> args = new ArrayList<>(List.of("--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "",
        "--appendonly", "no", "--dir", processes.dir(port).toString(), "--repl-diskless-sync-delay", "0"));
    args.addAll(extra);
    processes.start(port, args);
    redisPorts.add(port);
    return port;
  }

  private void sentinel(int master) {
    int port = TestService.freePort();
    Path conf = processes.dir(port).resolve("sentinel.conf");
    try {
      Files.writeString(conf, String.join("\n",
          "port " + port,
          "bind 127.0.0.1",
          "dir " + processes.dir(port),
          "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master + " 2",
          "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
          "sentinel failover-timeout " + MASTER_NAME + " 5000",
          "sentinel parallel-syncs " + MASTER_NAME + " 1",
          ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    processes.start(port, List.of(conf.toString(), "--sentinel"));
    sentinelPorts.add(port);
  }

  /** The sentinels, as {@code redis.endpoints} takes them. */
  public List<String> sentinels() {
    return sentinelPorts.stream().map(p -> "redis://127.0.0.1:" + p).toList();
  }

  /** The port of the master that the sentinels name now. */
  public int master() {
    String answer = cli(sentinelPorts.get(0), "SENTINEL", "get-master-addr-by-name", MASTER_NAME);
    return Integer.parseInt(answer.split("\n")[1].trim());
  }

  /** Kills the current master (SIGKILL), as a crash would, and returns its port. */
  public int killMaster() {
    int port = master();
    processes.kill(port);
    return port;
  }

  /** Waits until the sentinels name another master than {@code old}, and it accepts writes. */
  public int awaitNewMaster(int old) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      int now = master();
      if (now != old && cli(now, "ROLE").startsWith("master")) {
        return now;
      }
      RedisProcesses.pause();
    }
    throw new AssertionError("the sentinels did not promote a replica of " + old);
  }

  private void awaitSentinelsAgree(int master) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      boolean all = cli(redisPorts.get(1), "INFO", "replication").contains("master_link_status:up");
      for (int sentinel : sentinelPorts) {
        String info = cli(sentinel, "SENTINEL", "master", MASTER_NAME);
        String others = cli(sentinel, "SENTINEL", "sentinels", MASTER_NAME);
        all &= info.contains(String.valueOf(master)) && !info.contains("s_down")
            && !cli(sentinel, "SENTINEL", "replicas", MASTER_NAME).isBlank()
            && others.lines().filter(l -> l.equals("runid")).count() >= 2;
      }
      if (all) {
        return;
      }
      RedisProcesses.pause();
    }
    throw new AssertionError("the sentinels did not agree on the master and its replica");
  }

  private static String cli(int port, String... args) {
    return RedisProcesses.cli(port, List.of(args));
  }

  @Override
  public void close() {
    processes.close();
  }
}
