package dev.tenantcast.redis;

import redis.embedded.core.ExecutableProvider;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A redis-server child process on a loopback port, keeping nothing on disk: the embedded default when no Redis is
 * configured, and the real Redis of the tests (which kill and restart it). Uses the machine's redis-server when it is
 * on the PATH, else the Redis 6.2 binary shipped in the embedded-redis jar.
 */
public final class LocalRedisServer implements AutoCloseable {
  private static final long START_TIMEOUT_MILLIS = 15_000;

  private final File executable;
  private final int port;
  private final Path log;
  private Process process;

  private LocalRedisServer(File executable, int port) throws IOException {
    this.executable = executable;
    this.port = port;
    this.log = Files.createTempFile("tenantcast-redis-" + port + "-", ".log");
  }

  /** Starts a server on a free loopback port. */
  public static LocalRedisServer start() throws IOException {
    IOException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      LocalRedisServer server = new LocalRedisServer(executable(), freePort());
      try {
        server.launch();
        return server;
      } catch (IOException e) {
        // Another process may have taken the port between choosing and binding it.
        last = e;
        server.close();
      }
    }
    throw last;
  }

  public int port() {
    return port;
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Where the binary came from, for the log line that announces the embedded server. */
  public String executablePath() {
    return executable.getPath();
  }

  /** The server's process id, for tests that freeze it (SIGSTOP) as a hung host would. */
  public long pid() {
    return process.pid();
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor(process);
    }
  }

  /** Starts the server again on the same port, empty. */
  public void restart() throws IOException {
    kill();
    launch();
  }

  @Override
  public void close() {
    kill();
    try {
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a temp file left behind is harmless
    }
  }

  private void launch() throws IOException {
    process = new ProcessBuilder(List.of(executable.getPath(), "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    long deadline = System.currentTimeMillis() + START_TIMEOUT_MILLIS;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited on port " + port + ": " + Files.readString(log));
      }
      if (accepts(port)) {
        return;
      }
      try {
        process.waitFor(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while starting redis-server", e);
      }
    }
    process.destroyForcibly();
    throw new IOException("redis-server did not accept connections on port " + port + " within "
        + START_TIMEOUT_MILLIS + " ms");
  }

  /** Whether something accepts TCP connections on this loopback port. */
  public static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static File executable() throws IOException {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(File.pathSeparator)) {
        File candidate = new File(dir, "redis-server");
        if (candidate.canExecute()) {
          return candidate;
        }
      }
    }
    return ExecutableProvider.newJarResourceProvider().get();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void waitFor(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
