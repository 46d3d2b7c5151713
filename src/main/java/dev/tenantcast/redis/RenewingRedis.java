package dev.tenantcast.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One pipelined Redis connection for one-off commands (history reads, canaries) that replaces itself when it stops
 * answering. Not a client's pool: the Vert.x Redis Cluster client takes a connection to every master per command, and
 * under a burst (a thousand tenants' first reads at once) or after a failover its pools fail or wait forever; one
 * cluster connection routes each command to its slot's master and pipelines them all. Every command has a deadline,
 * and a command that misses it, or fails for any reason other than a Redis error reply, retires the connection and
 * its client; the next command opens new ones. Confined to the event loop of its verticle.
 */
final class RenewingRedis {
  private static final Logger LOG = LoggerFactory.getLogger(RenewingRedis.class);

  private final Vertx vertx;
  private final String name;
  private final Supplier<RedisOptions> options;
  private final long timeoutMillis;
  private Redis client;
  private Future<RedisConnection> connection;

  RenewingRedis(Vertx vertx, String name, Supplier<RedisOptions> options, long timeoutMillis) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.timeoutMillis = timeoutMillis;
  }

  Future<Response> send(Request request) {
    return withConnection(c -> c.send(request));
  }

  Future<List<Response>> batch(List<Request> requests) {
    return withConnection(c -> c.batch(requests));
  }

  Future<Void> close() {
    Redis last = client;
    Future<RedisConnection> open = connection;
    client = null;
    connection = null;
    if (last == null) {
      return Future.succeededFuture();
    }
    return open.transform(ar -> ar.succeeded() ? ar.result().close() : Future.<Void>succeededFuture())
        .eventually(last::close);
  }

  private <T> Future<T> withConnection(Function<RedisConnection, Future<T>> command) {
    if (connection == null) {
      client = Redis.createClient(vertx, options.get());
      Future<RedisConnection> opening = client.connect();
      opening.onSuccess(c -> {
        c.endHandler(v -> retire(opening, "connection closed"));
        c.exceptionHandler(e -> retire(opening, String.valueOf(e.getMessage())));
      });
      connection = opening;
    }
    Future<RedisConnection> used = connection;
    Promise<T> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, t -> {
      if (result.tryFail(new TimeoutException("Redis " + name + ": no answer within " + timeoutMillis + " ms"))) {
        retire(used, "no answer within " + timeoutMillis + " ms");
      }
    });
    used.compose(command).onComplete(ar -> {
      vertx.cancelTimer(timer);
      // A Redis error reply (MOVED, CLUSTERDOWN, NOSCRIPT, ...) is an answer; anything else is the connection's fault.
      if (ar.failed() && !(ar.cause() instanceof Response)) {
        retire(used, String.valueOf(ar.cause().getMessage()));
      }
      if (ar.succeeded()) {
        result.tryComplete(ar.result());
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  private void retire(Future<RedisConnection> used, String reason) {
    if (connection == used) {
      LOG.warn("Redis {} connection replaced ({})", name, reason.lines().findFirst().orElse(reason));
      close();
    }
  }
}
