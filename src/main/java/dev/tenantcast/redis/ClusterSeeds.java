package dev.tenantcast.redis;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisClusterConnectOptions;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes the Redis clients of one owner. A Redis Cluster client reads the slot map again every second (and after a
 * MOVED), from its seed nodes in order, and waits with no deadline for the first one that takes a connection: a
 * frozen master first among the seeds (a hung host, a network partition) would hold every command of every slot until
 * it answers again, not only its own. So each read asks all seeds for a PING first, over a connection kept to each,
 * and puts the first to answer in front; with no answer within the timeout, the seeds keep their order.
 */
final class ClusterSeeds {
  /** PINGs that may wait on a silent seed's connection before more fail at once. */
  private static final int PROBES_WAITING = 8;

  private final Vertx vertx;
  private final long timeoutMillis;
  /** Seed → the client that PINGs it; bounded by the configured seeds. */
  private final Map<String, Redis> probes = new ConcurrentHashMap<>();

  ClusterSeeds(Vertx vertx, long timeoutMillis) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
  }

  /** A client for these options; on Redis Cluster, one that reads the slot map from a seed that answers. */
  Redis client(RedisOptions options) {
    if (options.getType() != RedisClientType.CLUSTER) {
      return Redis.createClient(vertx, options);
    }
    RedisOptions fixed = new RedisOptions(options);
    return Redis.createClusterClient(vertx, fixed, () -> answeringFirst(fixed));
  }

  Future<Void> close() {
    List<Future<Void>> closing = new ArrayList<>();
    probes.values().forEach(probe -> closing.add(probe.close()));
    probes.clear();
    return Future.join(closing).mapEmpty();
  }

  private Future<RedisClusterConnectOptions> answeringFirst(RedisOptions options) {
    List<String> seeds = options.getEndpoints();
    Promise<RedisClusterConnectOptions> ordered = Promise.promise();
    long deadline = vertx.setTimer(timeoutMillis, t -> ordered.tryComplete(new RedisClusterConnectOptions(options)));
    int[] failed = new int[1];
    for (String seed : seeds) {
      probe(options, seed).send(Request.cmd(Command.PING)).onComplete(ar -> {
        // an error reply (an ACL without PING, say) is an answer too
        if (ar.succeeded() || ar.cause() instanceof Response) {
          List<String> first = new ArrayList<>(seeds.size());
          first.add(seed);
          seeds.stream().filter(other -> !other.equals(seed)).forEach(first::add);
          if (ordered.tryComplete(new RedisClusterConnectOptions(options).setEndpoints(first))) {
            vertx.cancelTimer(deadline);
          }
        } else if (++failed[0] == seeds.size() && ordered.tryComplete(new RedisClusterConnectOptions(options))) {
          vertx.cancelTimer(deadline); // every seed refused at once: the client says why itself
        }
      });
    }
    return ordered.future();
  }

  private Redis probe(RedisOptions options, String seed) {
    return probes.computeIfAbsent(seed, s -> Redis.createClient(vertx, new RedisOptions(options)
        .setType(RedisClientType.STANDALONE).setEndpoints(new ArrayList<>(List.of(s))).setMaxPoolSize(1)
        .setMaxPoolWaiting(PROBES_WAITING)));
  }
}
