package dev.tenantcast.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every process the coordinator starts, so that all of them (and their children, e.g. nginx workers) end when the
 * run ends, fails or is killed: {@link #stopAll()} runs in a finally block and in a shutdown hook. The pids are also
 * written to the file named by BENCH_PIDFILE, which bench/run's trap kills as a last resort.
 */
final class Children {
  private static final List<Process> PROCESSES = new ArrayList<>();
  /** pid -> start time (clock ticks after boot, field 22 of /proc/PID/stat): a pid reused later is not killed. */
  private static final java.util.Map<Long, Long> PIDS = new java.util.LinkedHashMap<>();
  private static final Path PIDFILE = System.getenv("BENCH_PIDFILE") == null ? null
      : Path.of(System.getenv("BENCH_PIDFILE"));
  private static boolean hooked;

  private Children() {
  }

  static synchronized Process start(ProcessBuilder pb) throws IOException {
    if (!hooked) {
      Runtime.getRuntime().addShutdownHook(new Thread(Children::stopAll, "stop-children"));
      hooked = true;
    }
    Process p = pb.start();
    PROCESSES.add(p);
    remember(List.of(p.pid()));
    return p;
  }

  /** Adds pids (e.g. of nginx workers) to the pid file. */
  static synchronized void remember(List<Long> pids) {
    for (long pid : pids) {
      long start = startTime(pid);
      if (start >= 0) {
        PIDS.put(pid, start);
      }
    }
    if (PIDFILE != null) {
      try {
        StringBuilder b = new StringBuilder();
        for (var e : PIDS.entrySet()) {
          b.append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        Files.writeString(PIDFILE, b.toString());
      } catch (IOException e) {
        System.err.println("bench: cannot write " + PIDFILE + ": " + e.getMessage());
      }
    }
  }

  /** Stops one process and its descendants: SIGTERM, up to {@code graceMillis}, then SIGKILL. */
  static void stop(Process p, long graceMillis) {
    List<ProcessHandle> all = new ArrayList<>();
    p.descendants().forEach(all::add);
    all.add(0, p.toHandle());
    for (ProcessHandle h : all) {
      h.destroy();
    }
    long deadline = System.currentTimeMillis() + graceMillis;
    for (ProcessHandle h : all) {
      long left = deadline - System.currentTimeMillis();
      try {
        if (left > 0) {
          h.onExit().get(left, TimeUnit.MILLISECONDS);
        }
      } catch (Exception ignored) {
        // still alive: killed below
      }
      if (h.isAlive()) {
        h.destroyForcibly();
      }
    }
  }

  static synchronized void stopAll() {
    List<Process> copy = new ArrayList<>(PROCESSES);
    java.util.Collections.reverse(copy);
    for (Process p : copy) {
      if (p.isAlive() || p.descendants().findAny().isPresent()) {
        stop(p, 5000);
      }
    }
    PROCESSES.clear();
    // nginx workers outlive a killed master only briefly; kill any remembered pid that is still alive
    for (var e : PIDS.entrySet()) {
      long pid = e.getKey();
      if (startTime(pid) == e.getValue()) {
        ProcessHandle.of(pid).ifPresent(h -> {
          if (h.isAlive()) {
            h.destroyForcibly();
          }
        });
      }
    }
  }

  /** Field 22 of /proc/PID/stat, or -1 when the process is gone. */
  static long startTime(long pid) {
    try {
      String stat = ProcStats.readProc("/proc/" + pid + "/stat");
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
