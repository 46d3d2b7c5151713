package dev.tenantcast.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The service in a JVM of its own, started as an operator would ({@code java ... dev.tenantcast.Main} with
 * TENANTCAST_* variables), for tests that must measure or kill one instance without the test's own JVM in the way:
 * its heap, its exit code, a {@code kill -9}.
 */
public final class ServiceProcess implements AutoCloseable {
  private final Process process;
  private final int port;
  private final Path log;

  /** Its log stays in target/ for a look after a failure. */
  private ServiceProcess(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /**
   * Starts and waits until {@code /ready} answers 200.
   *
   * @param jvmOptions e.g. {@code -Xmx128m}
   * @param env        extra TENANTCAST_* variables
   */
  public static ServiceProcess start(String redisUrl, List<String> jvmOptions, Map<String, String> env) {
    ServiceProcess service = launch(redisUrl, TestService.freePort(), jvmOptions, env);
    service.awaitStatus("/ready", 200, Duration.ofSeconds(60));
    return service;
  }

  /** Starts on the given port without waiting for it to be ready, e.g. for a start that should fail. */
  public static ServiceProcess launch(String redisUrl, int port, List<String> jvmOptions, Map<String, String> env) {
    return launch(redisUrl, port, jvmOptions, env, List.of());
  }

  /** As {@link #launch(String, int, List, Map)}, with arguments for Main (e.g. {@code warm-up}). */
  public static ServiceProcess launch(String redisUrl, int port, List<String> jvmOptions, Map<String, String> env,
      List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add("dev.tenantcast.Main");
    command.addAll(args);
    try {
      Path log = Files.createTempFile(Path.of("target"), "service-" + port + "-", ".log");
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(log.toFile()).directory(new File("."));
      Map<String, String> environment = builder.environment();
      environment.keySet().removeIf(name -> name.startsWith("TENANTCAST_"));
      environment.put("TENANTCAST_HTTP_HOST", "127.0.0.1");
      environment.put("TENANTCAST_HTTP_PORT", String.valueOf(port));
      environment.put("TENANTCAST_REDIS_URL", redisUrl);
      environment.put("TENANTCAST_REDIS_EMBEDDED", "never");
      environment.put("TENANTCAST_JWT_SECRET", Tokens.SECRET);
      // the warm-up's own streams and events would show in the counters that tests read; WarmUpTest turns it on
      environment.put("TENANTCAST_HTTP_WARM_UP_STREAMS", "0");
      environment.putAll(env);
      return new ServiceProcess(builder.start(), port, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  /** Everything the service wrote to stdout and stderr so far. */
  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** GET on the service with a plain JDK client (no Vert.x): the status, or -1 when there was no answer in time. */
  public int get(String path, Duration timeout) {
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
      return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout)
          .build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  public void awaitStatus(String path, int status, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("the service exited with " + process.exitValue() + ":\n" + output());
      }
      last = get(path, Duration.ofSeconds(2));
      if (last == status) {
        return;
      }
      try {
        process.waitFor(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    throw new AssertionError(path + " answered " + last + ", not " + status + ", within " + within + "\n" + output());
  }

  /**
   * Waits until the output contains the text: the start log's last lines are written after {@code /ready} turns 200,
   * once every verticle is deployed.
   */
  public boolean awaitOutput(String text, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!output().contains(text)) {
      if (System.nanoTime() >= deadline || process.waitFor(50, TimeUnit.MILLISECONDS)) {
        return output().contains(text);
      }
    }
    return true;
  }

  /** The exit code once the process exits by itself (or -1 if it does not within the time). */
  public int awaitExit(Duration within) throws InterruptedException {
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** SIGTERM, then the exit code (or -1 if it did not exit within the time). */
  public int terminate(Duration within) throws InterruptedException {
    process.destroy();
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  /** SIGKILL, as a crash. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
