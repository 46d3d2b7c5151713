package dev.tenantcast.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Debian's nginx (package nginx-light) as a child process of the test: one process in the foreground
 * ({@code daemon off; master_process off;}), running as the current user, with everything it writes (pid, logs,
 * temporary files) in a directory of its own under target/, kept there for a look after a failure.
 */
public final class Nginx implements AutoCloseable {
  private static final List<String> BINARIES = List.of("/usr/sbin/nginx", "/usr/bin/nginx");
  /** The modules that have a temporary directory, each set inside the prefix unless the build left it out. */
  private static final List<String> TEMP_MODULES = List.of("proxy", "fastcgi", "uwsgi", "scgi");

  private final Process process;
  private final Path prefix;

  private Nginx(Process process, Path prefix) {
    this.process = process;
    this.prefix = prefix;
  }

  /**
   * Starts nginx and waits until each port accepts connections.
   *
   * @param config the configuration from its first line (events, http), given the prefix directory for its paths;
   *               the process and temporary-path directives are added here
   * @param ports  the ports the configuration listens on
   */
  public static Nginx start(Function<Path, String> config, int... ports) {
    try {
      Files.createDirectories(Path.of("target"));
      Path prefix = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "nginx-");
      String binary = binary();
      String build = version(binary);
      StringBuilder temp = new StringBuilder("    client_body_temp_path " + prefix.resolve("client_body_temp") + ";\n");
      for (String module : TEMP_MODULES) {
        if (!build.contains("--without-http_" + module + "_module")) {
          temp.append("    ").append(module).append("_temp_path ").append(prefix.resolve(module + "_temp"))
              .append(";\n");
        }
      }
      String text = config.apply(prefix);
      int http = text.indexOf("http {");
      if (http < 0) {
        throw new IllegalArgumentException("the configuration has no http block");
      }
      int afterHttp = text.indexOf('\n', http) + 1;
      String whole = "daemon off;\nmaster_process off;\npid " + prefix.resolve("nginx.pid") + ";\nerror_log "
          + prefix.resolve("error.log") + " notice;\n\n" + text.substring(0, afterHttp) + temp
          + text.substring(afterHttp);
      Path file = prefix.resolve("nginx.conf");
      Files.writeString(file, whole);
      Process process = new ProcessBuilder(binary, "-p", prefix.toString(), "-c", file.toString(),
          "-e", prefix.resolve("error.log").toString())
          .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
      Nginx nginx = new Nginx(process, prefix);
      try {
        for (int port : ports) {
          nginx.awaitListening(port, Duration.ofSeconds(15));
        }
      } catch (RuntimeException | AssertionError e) {
        nginx.close();
        throw e;
      }
      return nginx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The nginx binary, failing with what to install when there is none. */
  public static String binary() {
    return BINARIES.stream().filter(b -> Files.isExecutable(Path.of(b))).findFirst().orElseThrow(() ->
        new AssertionError("nginx is missing: apt-get install -y nginx-light (.ci/run installs it)"));
  }

  /** {@code nginx -V}: the version and the build's configure arguments. */
  public static String version(String binary) {
    try {
      Process v = new ProcessBuilder(binary, "-V").redirectErrorStream(true).start();
      String out = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      v.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public Path prefix() {
    return prefix;
  }

  /** The error log so far (nginx logs there, e.g., an upstream that timed out). */
  public String errorLog() {
    return read(prefix.resolve("error.log")) + read(prefix.resolve("stdout.log"));
  }

  public long pid() {
    return process.pid();
  }

  private void awaitListening(int port, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("nginx exited with " + process.exitValue() + ":\n" + errorLog());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        return;
      } catch (IOException e) {
        try {
          process.waitFor(50, TimeUnit.MILLISECONDS);
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw new AssertionError(interrupted);
        }
      }
    }
    throw new AssertionError("nginx did not listen on " + port + " within " + within + ":\n" + errorLog());
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops nginx (SIGTERM, a fast shutdown; SIGKILL if it lingers) and waits for it. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The lines of a file that nginx wrote in its prefix, e.g. an access log. */
  public List<String> lines(String name) {
    return read(prefix.resolve(name)).lines().toList();
  }
}
