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
 * its client; the next command opens new ones. A Redis Cluster connection whose socket to a node ended, or whose
 * command to a node went unanswered, is kept until its replacement is up, as {@link RedisLink} says why: a new one
 * cannot open while a dead or frozen master is in the slot map, and the old one still reaches every other master.
 * Confined to the event loop of its verticle.
 */
final class RenewingRedis {
  private static final Logger LOG = LoggerFactory.getLogger(RenewingRedis.class);
  private static final long KEPT_LOG_MILLIS = 10_000;
  /** Each attempt to replace a kept connection is a new client, a slot map read and a connection to every node. */
  private static final long REPLACE_GAP_MILLIS = 1000;

  private final Vertx vertx;
  private final String name;
  private final Supplier<RedisOptions> options;
  private final long timeoutMillis;
  private Redis client;
  /** Whether {@link #client} is a Redis Cluster client, whose connection is kept when it loses a node. */
  private boolean clusterClient;
  private Future<RedisConnection> connection;
  /** A cluster connection's replacement being opened while it is kept, or null. */
  private Future<RedisConnection> replacement;
  private Redis replacementClient;
  private long lastReplacementMillis;
  /**
   * Completed when the replacement under way ({@link #replacement}), or due once the gap since the last one is over
   * (no replacement yet), has come up or been given up; null when none is.
   */
  private Promise<Void> renewal;
  private final Retirements retirements;
  private final ClusterSeeds seeds;
  /** A kept connection is tried again after each failed command of the lost node's slots: said once in a while. */
  private final RateLimitedLog keptLog = new RateLimitedLog(LOG, KEPT_LOG_MILLIS);

  RenewingRedis(Vertx vertx, String name, Supplier<RedisOptions> options, long timeoutMillis) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.timeoutMillis = timeoutMillis;
    this.retirements = new Retirements(vertx, timeoutMillis);
    this.seeds = new ClusterSeeds(vertx, timeoutMillis);
  }

  Future<Response> send(Request request) {
    return withConnection(c -> c.send(request));
  }

  Future<List<Response>> batch(List<Request> requests) {
    return withConnection(c -> c.batch(requests));
  }

  /**
   * Completes once the replacement of a cluster connection that lost a node, under way or due, has come up or been
   * given up; at once if there is none. A command that failed on the node lost is worth sending again then: to a
   * master that came back, the kept connection's socket stays dead, so a retry at once fails the same way.
   */
  Future<Void> renewed() {
    return renewal == null ? Future.succeededFuture() : renewal.future();
  }

  Future<Void> close() {
    settleRenewal();
    Future<Void> replacing = abandonReplacement();
    // let go first: closing ends the connection, and its end handler must not take it for a lost one
    Redis last = client;
    Future<RedisConnection> open = connection;
    client = null;
    connection = null;
    return Future.join(replacing, close(last, open), retirements.now(), seeds.close()).mapEmpty();
  }

  /** Gives up the replacement under way, if any: its client is closed at once, its connection if it still opens. */
  private Future<Void> abandonReplacement() {
    if (replacement == null) {
      return Future.succeededFuture();
    }
    Future<RedisConnection> opening = replacement;
    Redis next = replacementClient;
    replacement = null;
    replacementClient = null;
    settleRenewal();
    opening.onSuccess(RedisConnection::close);
    return next.close();
  }

  private void settleRenewal() {
    Promise<Void> settled = renewal;
    renewal = null;
    if (settled != null) {
      settled.complete();
    }
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
      c.endHandler(v -> retire(opening, "connection closed", true));
      c.exceptionHandler(e -> retire(opening, String.valueOf(e.getMessage()), true));
    });
    return opening;
  }

  private <T> Future<T> withConnection(Function<RedisConnection, Future<T>> command) {
    if (connection == null) {
      RedisOptions clientOptions = options.get();
      client = seeds.client(clientOptions);
      clusterClient = clientOptions.getType() == RedisClientType.CLUSTER;
      connection = open(client);
    }
    Future<RedisConnection> used = connection;
    Promise<T> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMillis, t -> {
      if (result.tryFail(new TimeoutException("Redis " + name + ": no answer within " + timeoutMillis + " ms"))) {
        retire(used, "no answer within " + timeoutMillis + " ms", true);
      }
    });
    used.compose(command).onComplete(ar -> {
      vertx.cancelTimer(timer);
      // A Redis error reply (MOVED, CLUSTERDOWN, NOSCRIPT, ...) is an answer; anything else is the connection's fault
      // (on a cluster, most often a node whose socket ended: "Connection is closed").
      if (ar.failed() && !(ar.cause() instanceof Response)) {
        retire(used, String.valueOf(ar.cause().getMessage()), true);
      }
      if (ar.succeeded()) {
        result.tryComplete(ar.result());
      } else {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  /**
   * @param nodeLost whether a node's socket ended or a command went unanswered (a silent node), not the connection's
   *                 own failure: a cluster connection is kept then, serving the other nodes, while a new one opens;
   *                 the silent node's commands wait out their deadlines meanwhile
   */
  private void retire(Future<RedisConnection> used, String reason, boolean nodeLost) {
    if (connection != used) {
      return;
    }
    String why = reason.lines().findFirst().orElse(reason);
    if (!clusterClient || !nodeLost || !used.succeeded()) {
      LOG.warn("Redis {} connection replaced ({})", name, why);
      close();
      return;
    }
    if (renewal != null) {
      return; // being replaced, or due to be
    }
    Promise<Void> due = Promise.promise();
    renewal = due;
    long wait = lastReplacementMillis + REPLACE_GAP_MILLIS - System.currentTimeMillis();
    if (wait <= 0) {
      replace(why);
      return;
    }
    // tried a moment ago: once more when the gap is over, unless closed meanwhile (which settled the renewal; only a
    // replacement or a close change the connection)
    vertx.setTimer(wait, t -> {
      if (renewal == due) {
        replace(why);
      }
    });
  }

  /** Opens a new cluster connection while the one that lost a node keeps serving the others. */
  private void replace(String why) {
    lastReplacementMillis = System.currentTimeMillis();
    keptLog.warn("kept", "Redis {} cluster connection failed a command ({}); it keeps serving while a new one opens",
        name, why);
    RedisOptions nextOptions = options.get();
    Redis next = seeds.client(nextOptions);
    Future<RedisConnection> opening = open(next);
    replacement = opening;
    replacementClient = next;
    // the client's connect has no deadline of its own (a frozen node), and while one is under way no other starts
    long deadline = vertx.setTimer(timeoutMillis, t -> {
      if (replacement == opening) {
        abandonReplacement();
      }
    });
    opening.onComplete(ar -> {
      vertx.cancelTimer(deadline);
      if (replacement != opening) {
        return; // closed meanwhile, or past its deadline: given up with it
      }
      if (ar.failed()) {
        abandonReplacement(); // the next failed command tries again
        return;
      }
      replacement = null;
      replacementClient = null;
      LOG.info("Redis {} cluster connection replaced", name);
      // closed once every command sent on it has had its answer or its deadline
      Redis kept = client;
      Future<RedisConnection> keptConnection = connection;
      retirements.later(() -> close(kept, keptConnection));
      client = next;
      clusterClient = nextOptions.getType() == RedisClientType.CLUSTER;
      connection = opening;
      settleRenewal();
    });
  }
}
