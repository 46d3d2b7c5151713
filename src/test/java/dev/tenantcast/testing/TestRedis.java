package dev.tenantcast.testing;

import dev.tenantcast.redis.LocalRedisServer;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** A real redis-server on a free port for one test class, with a client to publish and to inject faults. */
public final class TestRedis implements AutoCloseable {
  private final LocalRedisServer server;
  private final Vertx vertx = Vertx.vertx();
  private final Redis client;

  private TestRedis(LocalRedisServer server) {
    this.server = server;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.url()));
  }

  public static TestRedis start() {
    try {
      return new TestRedis(LocalRedisServer.start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return server.url();
  }

  public int port() {
    return server.port();
  }

  /** PUBLISH, returning how many subscribers received it. */
  public long publish(String channel, String payload) {
    return command(Request.cmd(Command.PUBLISH).arg(channel).arg(payload)).toLong();
  }

  /** PUBLISH of raw bytes, which need not be valid UTF-8. */
  public long publish(String channel, io.vertx.core.buffer.Buffer payload) {
    return command(Request.cmd(Command.PUBLISH).arg(channel).arg(payload)).toLong();
  }

  /**
   * Publishes a resumable event as a producer service would: through Tenantcast's publish script (history and live
   * message in one step). Returns the event's id.
   */
  public String publishResumable(String tenant, String channel, String data) {
    try {
      String script = java.nio.file.Files.readString(java.nio.file.Path.of(
          "src/main/resources/redis/tenantcast-publish.lua"));
      String prefix = tenant == null ? "tenantcast:{broadcast}" : "tenantcast:{tenant:" + tenant + "}";
      return command(Request.cmd(Command.EVAL).arg(script).arg(2).arg(prefix + ":history").arg(prefix + ":meta")
          .arg(channel).arg(data)).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** PUBLISHes the payloads in order, pipelined in batches. */
  public void publishAll(String channel, java.util.List<String> payloads) {
    publishAll(payloads.stream().map(payload -> java.util.Map.entry(channel, payload)).toList());
  }

  /** PUBLISHes each payload to its channel, in order, pipelined in batches. */
  public void publishAll(java.util.List<java.util.Map.Entry<String, String>> channelsAndPayloads) {
    int batch = 500;
    for (int from = 0; from < channelsAndPayloads.size(); from += batch) {
      java.util.List<Request> requests = new java.util.ArrayList<>();
      for (var message : channelsAndPayloads.subList(from, Math.min(channelsAndPayloads.size(), from + batch))) {
        requests.add(Request.cmd(Command.PUBLISH).arg(message.getKey()).arg(message.getValue()));
      }
      try {
        client.batch(requests).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new AssertionError("Redis pipeline failed", e);
      }
    }
  }

  public Response command(Request request) {
    try {
      return client.send(request).await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("Redis command failed: " + request, e);
    }
  }

  /** Freezes the server (SIGSTOP): its sockets stay open but nothing answers, as on a hung host. */
  public void freeze() {
    signal("STOP");
  }

  /** Lets a frozen server go on (SIGCONT). */
  public void thaw() {
    signal("CONT");
  }

  private void signal(String name) {
    RedisProcesses.signal(server.pid(), name);
  }

  public void kill() {
    server.kill();
  }

  public void restart() {
    try {
      server.restart();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    client.close();
    vertx.close();
    server.close();
  }
}
