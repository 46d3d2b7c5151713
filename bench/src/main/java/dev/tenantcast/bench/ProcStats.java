package dev.tenantcast.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/** Reads memory and CPU figures of processes from /proc, and facts about the machine. */
final class ProcStats {
  private ProcStats() {
  }

  private static long clockTicks = -1;

  static synchronized long clockTicks() {
    if (clockTicks < 0) {
      clockTicks = 100;
      try {
        Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() == 0) {
          clockTicks = Long.parseLong(out);
        }
      } catch (Exception ignored) {
        // keep 100, Linux' usual USER_HZ
      }
    }
    return clockTicks;
  }

  /** A field of /proc/PID/status in kB (VmRSS, VmHWM), or 0 when the process is gone. */
  static long statusKb(long pid, String field) {
    try {
      for (String line : readProc("/proc/" + pid + "/status").split("\n")) {
        if (line.startsWith(field + ":")) {
          String v = line.substring(field.length() + 1).trim();
          return Long.parseLong(v.split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException ignored) {
      // process gone
    }
    return 0;
  }

  static long rssKb(Collection<Long> pids) {
    return pids.stream().mapToLong(p -> statusKb(p, "VmRSS")).sum();
  }

  /** Summed Pss (/proc/PID/smaps_rollup): shared pages (nginx' shared memory) count once over all processes. */
  static long pssKb(Collection<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      try {
        for (String line : readProc("/proc/" + pid + "/smaps_rollup").split("\n")) {
          if (line.startsWith("Pss:")) {
            sum += Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
            break;
          }
        }
      } catch (IOException | RuntimeException ignored) {
        // gone or not readable
      }
    }
    return sum;
  }

  static long hwmKb(Collection<Long> pids) {
    return pids.stream().mapToLong(p -> statusKb(p, "VmHWM")).sum();
  }

  /** utime + stime of the process (all its threads) in seconds; 0 when gone. */
  static double cpuSeconds(long pid) {
    return statTicks(pid, true, true) / (double) clockTicks();
  }

  static double cpuSeconds(Collection<Long> pids) {
    return pids.stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  /** stime only: the part spent in the kernel (socket writes and reads, epoll, page faults). */
  static double kernelCpuSeconds(Collection<Long> pids) {
    return pids.stream().mapToDouble(p -> statTicks(p, false, true) / (double) clockTicks()).sum();
  }

  /**
   * CPU seconds {user, kernel} per thread group of the processes: threads are grouped by name without digits
   * ("vert.x-eventloo", "C2 CompilerThre", "VM Thread", ...), so GC, JIT and event loops show separately.
   */
  static Map<String, double[]> cpuByThread(Collection<Long> pids) {
    Map<String, double[]> out = new java.util.TreeMap<>();
    for (long pid : pids) {
      try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
        for (Path task : tasks.toList()) {
          try {
            String stat = readProc(task.resolve("stat").toString());
            String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[0-9]+", "#");
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            double[] t = out.computeIfAbsent(name, k -> new double[2]);
            t[0] += Long.parseLong(f[11]) / (double) clockTicks();
            t[1] += Long.parseLong(f[12]) / (double) clockTicks();
          } catch (IOException | RuntimeException e) {
            // thread gone
          }
        }
      } catch (IOException | RuntimeException e) {
        // process gone
      }
    }
    return out;
  }

  private static long statTicks(long pid, boolean user, boolean kernel) {
    try {
      String stat = readProc("/proc/" + pid + "/stat");
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": state=0 ... utime=11 stime=12 (fields 14 and 15 of proc(5))
      return (user ? Long.parseLong(f[11]) : 0) + (kernel ? Long.parseLong(f[12]) : 0);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** Resets VmHWM to the current RSS (writes 5 to /proc/PID/clear_refs); best effort. */
  static void resetPeak(Collection<Long> pids) {
    for (long pid : pids) {
      try {
        Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
      } catch (IOException | RuntimeException ignored) {
        // not permitted or gone: the peak then covers the process' whole life
      }
    }
  }

  static JsonObject machine() {
    JsonObject m = new JsonObject();
    m.put("nproc", Runtime.getRuntime().availableProcessors());
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          m.put("memTotalKb", Long.parseLong(line.replaceAll("[^0-9]", "")));
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpuModel", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    try {
      m.put("kernel", readProc("/proc/sys/kernel/osrelease"));
      m.put("loadavg", readProc("/proc/loadavg"));
      m.put("ipLocalPortRange", readProc("/proc/sys/net/ipv4/ip_local_port_range").replaceAll("\\s+", "-"));
      m.put("somaxconn", readProc("/proc/sys/net/core/somaxconn"));
    } catch (IOException ignored) {
      // not Linux
    }
    m.put("openFilesLimit", limit("Max open files"));
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    return m;
  }

  /** One read(2) of a /proc file: some /proc/sys entries answer EOF to a read at a non-zero offset. */
  static String readProc(String path) throws IOException {
    try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
      byte[] b = new byte[8192];
      int n = in.read(b);
      return n <= 0 ? "" : new String(b, 0, n, java.nio.charset.StandardCharsets.US_ASCII).trim();
    }
  }

  private static String limit(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith(name)) {
          String[] p = line.substring(name.length()).trim().split("\\s+");
          return p[0] + "/" + p[1];
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return "?";
  }

  static List<Long> withDescendants(Process p) {
    List<Long> r = new java.util.ArrayList<>();
    if (p.isAlive()) {
      r.add(p.pid());
      p.descendants().filter(ProcessHandle::isAlive).forEach(h -> r.add(h.pid()));
    }
    return r;
  }
}
