package dev.tenantcast.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The podman command line, for the tests of the container image: each call waits for podman to finish. */
public final class Podman {
  /** What one podman command did: its exit code, its standard output and its standard error. */
  public record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n" + out + err;
    }
  }

  /** Whether a podman binary is on the PATH. */
  public static boolean installed() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "podman"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Options for {@code podman run} on this host. Podman raises a container's open-files and processes limits far above
   * the caller's, which takes CAP_SYS_RESOURCE: in a sandbox without it the start fails ("setrlimit RLIMIT_NOFILE:
   * Operation not permitted"), so the container keeps the caller's open-files limit, and 4096 processes.
   */
  public static List<String> runOptions() {
    return List.of("--ulimit", "nofile=" + openFilesLimit() + ":" + openFilesLimit(), "--ulimit", "nproc=4096:4096");
  }

  private static long openFilesLimit() {
    try {
      return Files.readAllLines(Path.of("/proc/self/limits")).stream()
          .filter(line -> line.startsWith("Max open files"))
          .map(line -> Long.parseLong(line.substring("Max open files".length()).strip().split("\\s+")[1]))
          .findFirst().orElse(4096L);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * With cgroups in hybrid mode (v1 controllers, and a v2 hierarchy that has a controller too) crun, podman's default
   * runtime on Debian, refuses every container ("cgroups in hybrid mode not supported, drop all controllers from
   * cgroupv2"); runc starts them.
   */
  private static List<String> globalOptions() {
    Path unified = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
    try {
      boolean hybrid = Files.isReadable(unified) && !Files.readString(unified).isBlank();
      return hybrid ? List.of("--runtime", "runc") : List.of();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Result run(Duration timeout, String... args) {
    List<String> command = new ArrayList<>(List.of("podman"));
    command.addAll(globalOptions());
    command.addAll(List.of(args));
    try {
      Path err = Files.createTempFile(Path.of("target"), "podman-", ".err");
      try {
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        process.getOutputStream().close();
        // podman prints little (ids, a token); read it all once it has exited
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("podman did not finish within " + timeout + ": " + String.join(" ", command));
        }
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes()),
            Files.readString(err));
      } finally {
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Runs a command that must succeed, and returns its standard output without surrounding blanks. */
  public String ok(Duration timeout, String... args) {
    Result result = run(timeout, args);
    if (result.exit() != 0) {
      throw new AssertionError("podman " + String.join(" ", args) + " failed: " + result);
    }
    return result.out().strip();
  }
}
