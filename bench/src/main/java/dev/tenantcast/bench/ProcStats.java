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
    long[] t = userKernelTicks("/proc/" + pid + "/stat");
    return (t[0] + t[1]) / (double) clockTicks();
  }

  static double cpuSeconds(Collection<Long> pids) {
    return pids.stream().mapToDouble(ProcStats::cpuSeconds).sum();
  }

  /** stime only: the part spent in the kernel (socket writes and reads, epoll, page faults). */
  static double kernelCpuSeconds(Collection<Long> pids) {
    return pids.stream().mapToDouble(p -> userKernelTicks("/proc/" + p + "/stat")[1] / (double) clockTicks()).sum();
  }

  /**
   * CPU seconds {user, kernel} per thread group of the processes: threads are grouped by name without digits
   * ("vert.x-eventloo", "C# CompilerThre", "VM Thread", ...), so GC, JIT and event loops show separately.
   */
  static Map<String, double[]> cpuByThread(Collection<Long> pids) {
    Map<String, double[]> out = new java.util.TreeMap<>();
    for (long pid : pids) {
      try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
        for (Path task : tasks.toList()) {
          String name = threadName(task.resolve("comm"));
          long[] t = userKernelTicks(task.resolve("stat").toString());
          double[] sum = out.computeIfAbsent(name, k -> new double[2]);
          sum[0] += t[0] / (double) clockTicks();
          sum[1] += t[1] / (double) clockTicks();
        }
      } catch (IOException | RuntimeException e) {
        // process gone
      }
    }
    return out;
  }

  private static String threadName(Path comm) {
    try {
      return readProc(comm.toString()).trim().replaceAll("[0-9]+", "#");
    } catch (IOException e) {
      return "?";
    }
  }

  /** {utime, stime} in clock ticks from a /proc stat file; {0, 0} when the process or thread is gone. */
  private static long[] userKernelTicks(String statFile) {
    try {
      String stat = readProc(statFile);
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // after "pid (comm) ": state=0 ... utime=11 stime=12 (fields 14 and 15 of proc(5))
      return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    } catch (IOException | RuntimeException e) {
      return new long[2];
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
