package dev.tenantcast.testing;

import dev.tenantcast.app.Tenantcast;
import dev.tenantcast.app.VerticleDescriptor;
import dev.tenantcast.config.ConfigLoader;
import dev.tenantcast.config.TenantcastConfig;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * One complete service instance (its own Vert.x, all verticles of verticles/, the defaults of conf/config.json)
 * on a free port, configured for the tests: a test secret, a given Redis, and any overrides.
 */
public final class TestService implements AutoCloseable {
  private final Vertx vertx;
  private final Tenantcast service;
  private final int port;

  private TestService(Vertx vertx, Tenantcast service, int port) {
    this.vertx = vertx;
    this.service = service;
    this.port = port;
  }

  public static TestService start(String redisUrl) {
    return start(redisUrl, new JsonObject());
  }

  /**
   * Starts and waits until the Redis subscriptions are active.
   *
   * @param redisUrl  the Redis to use, or null for the embedded one
   * @param overrides merged deeply over the defaults, e.g. {"http": {"heartbeatSeconds": 1}}
   */
  public static TestService start(String redisUrl, JsonObject overrides) {
    TestService started = startUnready(redisUrl, overrides);
    try {
      started.awaitStats(s -> s.getJsonObject("broker").getBoolean("subscribed"), "Redis subscribed");
    } catch (AssertionError e) {
      started.close();
      throw e;
    }
    return started;
  }

  /** Starts without waiting for Redis, which may be down. */
  public static TestService startUnready(String redisUrl, JsonObject overrides) {
    int port = freePort();
    JsonObject json = ConfigLoader.defaults(Path.of(""));
    // the warm-up's own streams and events would show in the counters that tests read; WarmUpTest turns it on
    json.getJsonObject("http").put("port", port).put("host", "127.0.0.1").put("warmUpStreams", 0);
    json.getJsonObject("redis").put("url", redisUrl).put("embedded", redisUrl == null ? "always" : "never")
        .put("reconnectMaxMillis", 500);
    json.getJsonObject("jwt").put("secret", Tokens.SECRET);
    json.mergeIn(overrides, true);
    TenantcastConfig config = TenantcastConfig.from(json);
    Vertx vertx;
    try {
      vertx = Tenantcast.vertx(config).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the service's Vert.x did not start", e);
    }
    try {
      Tenantcast service = Tenantcast.start(vertx, config, VerticleDescriptor.load(Path.of("")))
          .await(30, TimeUnit.SECONDS);
      return new TestService(vertx, service, port);
    } catch (Exception e) {
      vertx.close();
      throw new AssertionError("the service did not start", e);
    }
  }

  /** The service's own Vert.x, for tests that act as another verticle on its event bus. */
  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return port;
  }

  public String redisUrl() {
    return service.redisUrl();
  }

  public JsonObject stats() {
    return service.context().statsJson();
  }

  /** Polls the service's counters until they satisfy the condition, for at most 10 s. */
  public JsonObject awaitStats(Predicate<JsonObject> condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonObject stats = stats();
    while (System.nanoTime() < deadline) {
      stats = stats();
      if (condition.test(stats)) {
        return stats;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return fail("stats never showed " + what + ": " + stats.encodePrettily());
  }

  @Override
  public void close() {
    try {
      service.stop().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the service did not stop", e);
    } finally {
      vertx.close();
    }
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Two different free ports, e.g. a Redis Cluster node's client and bus ports: both are held open while the second
   * is chosen, since two calls of {@link #freePort()} in a row may return the same port.
   */
  public static int[] twoFreePorts() {
    try (ServerSocket first = new ServerSocket(0); ServerSocket second = new ServerSocket(0)) {
      return new int[] {first.getLocalPort(), second.getLocalPort()};
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
