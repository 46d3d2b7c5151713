package dev.tenantcast.bench;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** One load-generator child process and its JSON-lines protocol (see {@link Loadgen}). */
final class LoadgenProcess {
  final int index;
  final Process process;
  final Path log;
  final List<String> command;
  private final LinkedBlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final OutputStream stdin;
  JsonObject started;

  private LoadgenProcess(int index, Process process, Path log, List<String> command) {
    this.index = index;
    this.process = process;
    this.log = log;
    this.command = command;
    this.stdin = process.getOutputStream();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          try {
            events.add(new JsonObject(line));
          } catch (RuntimeException e) {
            System.err.println("bench: loadgen " + index + " printed a non-JSON line: " + line);
          }
        }
      } catch (IOException ignored) {
        // process gone
      }
    }, "loadgen-" + index + "-reader");
    reader.setDaemon(true);
    reader.start();
  }

  static LoadgenProcess start(int index, List<String> command, java.util.Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
    pb.environment().putAll(env);
    LoadgenProcess p = new LoadgenProcess(index, Children.start(pb), log, command);
    p.started = p.await("started", 60_000);
    return p;
  }

  synchronized void send(JsonObject cmd) {
    try {
      stdin.write((cmd.encode() + "\n").getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    } catch (IOException e) {
      throw new BenchException("loadgen " + index + " does not take commands (" + e.getMessage() + "); log "
          + log + ":\n" + Servers.tail(log, 20));
    }
  }

  JsonObject await(String event, long timeoutMillis) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        throw new BenchException("loadgen " + index + " sent no '" + event + "' within " + timeoutMillis / 1000
            + " s; log " + log + ":\n" + Servers.tail(log, 20));
      }
      JsonObject e;
      try {
        e = events.poll(Math.min(left, 500), TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new BenchException("interrupted");
      }
      if (e == null) {
        if (!process.isAlive()) {
          throw new BenchException("loadgen " + index + " exited with " + process.exitValue() + " while waiting for '"
              + event + "'; log " + log + ":\n" + Servers.tail(log, 20));
        }
        continue;
      }
      String name = e.getString("event", "");
      if (name.equals(event)) {
        return e;
      }
      if (name.equals("error")) {
        throw new BenchException("loadgen " + index + " failed: " + e.getString("message"));
      }
      // an answer to an earlier command that timed out: drop it
    }
  }

  double cpuSeconds() {
    return ProcStats.cpuSeconds(process.pid());
  }

  /** Sends {@code cmd} to all, then collects each one's {@code event} within the timeout. */
  static List<JsonObject> callAll(List<LoadgenProcess> all, JsonObject cmd, String event, long timeoutMillis) {
    for (LoadgenProcess p : all) {
      p.send(cmd);
    }
    long deadline = System.currentTimeMillis() + timeoutMillis;
    List<JsonObject> r = new ArrayList<>();
    for (LoadgenProcess p : all) {
      r.add(p.await(event, Math.max(1000, deadline - System.currentTimeMillis())));
    }
    return r;
  }

  void exit() {
    try {
      send(new JsonObject().put("cmd", "exit"));
      stdin.close();
    } catch (RuntimeException | IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        Children.stop(process, 2000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      Children.stop(process, 0);
    }
  }
}
