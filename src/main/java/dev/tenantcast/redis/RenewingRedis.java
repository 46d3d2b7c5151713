package dev.tenantcast.redis;

import dev.tenantcast.log.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
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
 * its client; the next command opens new ones. A Redis Cluster connection that fails this way is kept until its
 * replacement is up, as {@link RedisLink} says why: a new one cannot open while a dead master is in the slot map, and
 * the old one still reaches every other master. Confined to the event loop of its verticle.
 */
final class RenewingRedis {
  private static final Logger LOG = LoggerFactory.getLogger(RenewingRedis.class);
  private static final long KEPT_LOG_MILLIS = 10_000;

  private final Vertx vertx;
  private final String name;
  private final Supplier<RedisOptions> options;
  private final long timeoutMillis;
  private final boolean keptUntilReplaced;
  private Redis client;
  private Future<RedisConnection> connection;
  /** A cluster connection's replacement being opened while it is kept, or null. */
  private Future<RedisConnection> replacement;
  private Redis replacementClient;
  /** A kept connection is tried again after each failed command of the lost node's slots: said once in a while. */
  private final RateLimitedLog keptLog = new RateLimitedLog(LOG, KEPT_LOG_MILLIS);

  RenewingRedis(Vertx vertx, String name, Supplier<RedisOptions> options, long timeoutMillis) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.timeoutMillis = timeoutMillis;
    this.keptUntilReplaced = options.get().getType() == RedisClientType.CLUSTER;
  }

  Future<Response> send(Request request) {
    return withConnection(c -> c.send(request));
  }

  Future<List<Response>> batch(List<Request> requests) {
    return withConnection(c -> c.batch(requests));
  }

  Future<Void> close() {
    Future<Void> replacing = close(replacementClient, replacement);
    replacementClient = null;
    replacement = null;
    Future<Void> closing = close(client, connection);
    client = null;
    connection = null;
    return Future.join(replacing, closing).mapEmpty();
  }

  private static Future<Void> close(Redis client, Future<RedisConnection> connection) {
    if (client == null) {
      return Future.succeededFuture();
    }
    return connection.transform(ar -> ar.succeeded() ? ar.result().close() : Future.<Void>succeededFuture())
        .eventually(client::close);
  }

  private Future<RedisConnection> open(Redis with) {
    Future<RedisConnection> opening = with.connect();
    opening.onSuccess(c -> {
      c.endHandler(v -> retire(opening, "connection closed"));
      c.exceptionHandler(e -> retire(opening, String.valueOf(e.getMessage())));
    });
    return opening;
  }

  private <T> Future<T> withConnection(Function<RedisConnection, Future<T>> command) {
    if (connection == null) {
      client = Redis.createClient(vertx, options.get());
      connection = open(client);
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
    if (connection != used) {
      return;
    }
    String why = reason.lines().findFirst().orElse(reason);
    if (!keptUntilReplaced || !used.succeeded()) {
      LOG.warn("Redis {} connection replaced ({})", name, why);
      close();
      return;
    }
    if (replacement != null) {
      return; // already being replaced
    }
    keptLog.warn("kept", "Redis {} cluster connection failed a command ({}); it keeps serving while a new one opens",
        name, why);
    Redis next = Redis.createClient(vertx, options.get());
    Future<RedisConnection> opening = open(next);
    replacement = opening;
    replacementClient = next;
    opening.onComplete(ar -> {
      if (replacement != opening) {
        return; // closed meanwhile, the attempt with it
      }
      replacement = null;
      replacementClient = null;
      if (ar.failed()) {
        next.close(); // the next failed command tries again
        return;
      }
      LOG.info("Redis {} cluster connection replaced", name);
      // closed once every command sent on it has had its answer or its deadline
      Redis kept = client;
      Future<RedisConnection> keptConnection = connection;
      vertx.setTimer(timeoutMillis, t -> close(kept, keptConnection));
      client = next;
      connection = opening;
    });
  }
}
