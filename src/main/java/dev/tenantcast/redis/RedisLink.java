package dev.tenantcast.redis;

import dev.tenantcast.log.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One dedicated Redis connection that comes back by itself: the Vert.x client does not reconnect, so after the socket
 * ends or fails, or its owner finds it silent ({@link #reset}), this opens a new one with capped exponential backoff
 * and hands it to {@code onConnected} again. A connect that gets no answer within the timeout counts as failed: a
 * frozen Redis accepts TCP connections but never answers them. Each lost connection takes its client (and the
 * client's pools) with it: a Redis Cluster client that lived through a failover can keep pooled connections it never
 * gives back, and then waits on its own pool forever.
 *
 * <p>A Redis Cluster connection is one socket per node, and the Vert.x client opens one only when it reaches every node
 * of the slot map: while a dead or frozen master is still in the map (until its replica takes over, or for good when
 * it has none), no new one opens. So a cluster connection whose socket to a node ends, or that its owner finds silent,
 * is kept, serving the masters it still reaches, until its replacement is up; only the commands of the lost node's
 * slots fail meanwhile, or wait for their deadlines (which its owner must give them). Confined to the event loop of
 * its verticle.
 */
final class RedisLink {
  private static final Logger LOG = LoggerFactory.getLogger(RedisLink.class);
  private static final long RETRY_LOG_MILLIS = 10_000;

  private final Vertx vertx;
  private final String name;
  /** Asked for each new client: a fallback may try another node each time. */
  private final Supplier<RedisOptions> options;
  private Redis client;
  private final Backoff backoff;
  private final Function<RedisConnection, Future<?>> onConnected;
  private final Consumer<Throwable> onLost;
  private final long timeoutMillis;
  private RedisConnection connection;
  /** Whether {@link #client} is a Redis Cluster client, whose connection is kept when it loses a node. */
  private boolean clusterClient;
  /** The kept connection's client, closed with it once it is replaced. */
  private Redis keptClient;
  private boolean closed;
  private final RateLimitedLog retries = new RateLimitedLog(LOG, RETRY_LOG_MILLIS);
  private final Retirements retirements;
  private final ClusterSeeds seeds;

  /**
   * @param onConnected prepares a new connection (handlers, subscriptions); the link is up when its future succeeds
   * @param onLost      called once per lost connection, with the cause or null
   */
  RedisLink(Vertx vertx, String name, Supplier<RedisOptions> options, long minBackoffMillis, long maxBackoffMillis,
            long timeoutMillis, Function<RedisConnection, Future<?>> onConnected, Consumer<Throwable> onLost) {
    this.vertx = vertx;
    this.name = name;
    this.options = options;
    this.backoff = new Backoff(minBackoffMillis, maxBackoffMillis);
    this.timeoutMillis = timeoutMillis;
    this.onConnected = onConnected;
    this.onLost = onLost;
    this.retirements = new Retirements(vertx, timeoutMillis);
    this.seeds = new ClusterSeeds(vertx, timeoutMillis);
  }

  /**
   * Connects. An attempt that gets no answer within the timeout is not abandoned but overtaken: the next attempt
   * starts, and whichever answers first is used, so that when a frozen Redis wakes up, its waiting attempt
   * resubscribes at once instead of at the next step of the backoff.
   */
  void open() {
    if (closed || settled()) {
      return;
    }
    if (client == null) {
      RedisOptions clientOptions = options.get();
      client = seeds.client(clientOptions);
      clusterClient = clientOptions.getType() == RedisClientType.CLUSTER;
    }
    Redis with = client;
    boolean[] overtaken = new boolean[1];
    long timer = vertx.setTimer(timeoutMillis, t -> {
      overtaken[0] = true;
      retryLater(new java.util.concurrent.TimeoutException("no answer within " + timeoutMillis + " ms"));
    });
    with.connect().onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.failed()) {
        if (!overtaken[0]) {
          retryLater(ar.cause());
        }
        return;
      }
      RedisConnection conn = ar.result();
      if (closed || settled() || with != client) {
        conn.close(); // another attempt won, or its client is one that a lost connection took with it
        return;
      }
      if (connection != null) {
        LOG.info("Redis {} connection replaced: every node of the cluster answers again", name);
        RedisConnection kept = connection;
        Redis keptOf = keptClient;
        retirements.later(() -> retire(kept, keptOf));
        keptClient = null;
      }
      connection = conn;
      conn.endHandler(v -> lost(conn, null, true));
      conn.exceptionHandler(e -> lost(conn, e, true));
      onConnected.apply(conn).onSuccess(v -> backoff.reset()).onFailure(e -> lost(conn, e, false));
    });
  }

  /**
   * Drops the current connection as dead (it stopped answering) and opens a new one; a cluster connection is kept
   * until then, since only one of its nodes may be silent.
   */
  void reset(String reason) {
    RedisConnection conn = connection;
    if (conn != null) {
      lost(conn, new IllegalStateException(reason), true);
    }
  }

  /** The current connection, or null while it is down. */
  RedisConnection connection() {
    return connection;
  }

  Future<Void> close() {
    closed = true;
    RedisConnection conn = connection;
    connection = null;
    Redis last = keptClient != null ? keptClient : client;
    Redis attempting = keptClient != null ? client : null;
    client = null;
    keptClient = null;
    Future<Void> closing = conn == null ? Future.succeededFuture() : conn.close().otherwiseEmpty();
    if (attempting != null) {
      closing = closing.eventually(attempting::close);
    }
    return Future.join(last == null ? closing : closing.eventually(last::close), retirements.now(), seeds.close())
        .mapEmpty();
  }

  /**
   * Both the end and the exception handler may fire for one socket; only the first counts. A cluster connection is kept
   * when a node's socket ended or went silent ({@code nodeLost}), not when preparing it failed.
   */
  private void lost(RedisConnection conn, Throwable cause, boolean nodeLost) {
    if (conn != connection) {
      return;
    }
    if (keptClient != null) {
      if (!nodeLost) { // the kept connection failed otherwise: dropped, while its replacement is still tried
        connection = null;
        retire(conn, keptClient);
        keptClient = null;
      }
      return;
    }
    Redis last = client;
    client = null;
    if (clusterClient && nodeLost && !closed) {
      keptClient = last;
    } else {
      connection = null;
      retire(conn, last);
    }
    if (closed) {
      return;
    }
    onLost.accept(cause);
    retryLater(cause);
  }

  /** Connected, and not replacing a kept connection. */
  private boolean settled() {
    return connection != null && keptClient == null;
  }

  private static Future<Void> retire(RedisConnection conn, Redis client) {
    return conn.close().eventually(client::close);
  }

  private void retryLater(Throwable cause) {
    if (closed || settled()) {
      return;
    }
    long delay = backoff.next();
    // said once in a while, not at each retry (one per second or more during an outage)
    String reason = cause == null ? "connection closed" : String.valueOf(cause.getMessage()).replace("\n", "; ");
    String message = connection != null
        ? "Redis {} connection lost a node of the cluster ({}); it keeps serving the others, and a new one is tried "
            + "in {} ms"
        : "Redis {} connection unavailable ({}); retrying in {} ms";
    retries.warn("retry", message, name, reason, delay);
    vertx.setTimer(delay, t -> open());
  }
}
