package dev.tenantcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The redis-server processes of a multi-node test setup (a cluster, sentinels), each in a directory of its own under
 * one temporary directory, driven with redis-cli as an operator would. Closing kills them all and removes the files.
 */
final class RedisProcesses implements AutoCloseable {
  private final Path dir;
  private final Map<Integer, Process> byPort = new HashMap<>();
  private final Map<Integer, List<String>> argsByPort = new HashMap<>();

  RedisProcesses(String name) {
    try {
      this.dir = Files.createTempDirectory("tenantcast-" + name + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The directory for the process on this port (its config, data and log). */
  Path dir(int port) {
    Path node = dir.resolve(String.valueOf(port));
    try {
      Files.createDirectories(node);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return node;
  }

  /**
   * Starts {@code redis-server <args>}, which listens on {@code port}, and waits until it answers PING. Accepting a
   * connection is not enough: a cluster node listens on its client port before it binds its bus port, and exits when
   * that port was taken meanwhile (one CI run's cluster then failed to form, "Connection refused").
   */
  void start(int port, List<String> args) {
    List<String> command = new ArrayList<>(List.of("redis-server"));
    command.addAll(args);
    Path log = dir(port).resolve("log");
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
      byPort.put(port, process);
      argsByPort.put(port, List.copyOf(args));
      long deadline = System.currentTimeMillis() + 15_000;
      while (!answersPing(port)) {
        if (System.currentTimeMillis() > deadline || !process.isAlive()) {
          throw new AssertionError(String.join(" ", command) + " did not start (is redis-server 7 installed? "
              + "apt-get install redis-server): " + Files.readString(log));
        }
        process.waitFor(20, TimeUnit.MILLISECONDS);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Whether the redis-server on this port answers PING: its event loop runs, so every port it needs is bound. */
  private static boolean answersPing(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      socket.setSoTimeout(1000);
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      return "+PONG\r\n".equals(new String(socket.getInputStream().readNBytes(7), StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false;
    }
  }

  boolean alive(int port) {
    Process process = byPort.get(port);
    return process != null && process.isAlive();
  }

  /** Kills the process on this port (SIGKILL), as a crash would. */
  void kill(int port) {
    Process process = byPort.get(port);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends a signal to the process on this port: STOP freezes it (sockets open, nothing answers), CONT thaws it. */
  void signal(int port, String name) {
    signal(byPort.get(port).pid(), name);
  }

  /** Sends a signal to a process, as {@code kill -NAME pid}. */
  static void signal(long pid, String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid)).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new AssertionError("kill -" + name + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Starts the killed process on this port again, with its arguments and directory (a cluster node its nodes.conf). */
  void restart(int port) {
    start(port, argsByPort.get(port));
  }

  /** Runs redis-cli against a port and returns its output; fails on a non-zero exit. */
  static String cli(int port, List<String> args) {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", String.valueOf(port)));
    command.addAll(args);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " failed: " + output);
      }
      return output.trim();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Polls at 50 ms: for waits on Redis's own view, each with its caller's deadline. */
  static void pause() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    byPort.values().forEach(Process::destroyForcibly);
    for (Process process : byPort.values()) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException ignored) {
      // temp files left behind are harmless
    }
  }
}
