package dev.tenantcast.redis;

import dev.tenantcast.config.RedisConfig;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;

import java.util.function.Supplier;

/**
 * Redis client options for the configured mode: one Redis, a Redis Cluster (the client routes each command to the
 * master of its keys' slot, and follows MOVED), or Redis with Sentinel (each new connection goes to the master the
 * sentinels name, so a reconnect after a failover finds the new one).
 */
final class RedisClients {
  private RedisClients() {
  }

  /**
   * The subscriber's options, asked anew for each connection. In the classic pub/sub fallback on a Redis Cluster it
   * is one node, the next seed node each time, since every node receives every PUBLISH.
   */
  static Supplier<RedisOptions> subscriber(RedisConfig config) {
    if (config.mode() != RedisConfig.Mode.CLUSTER) {
      RedisOptions options = options(config, 1);
      return () -> options;
    }
    int[] next = new int[1];
    return () -> new RedisOptions().setConnectionString(
        config.endpoints().get(next[0]++ % config.endpoints().size()));
  }

  /** @param poolSize connections pooled (for commands sent through {@code Redis.send}) */
  static RedisOptions options(RedisConfig config, int poolSize) {
    RedisOptions options = new RedisOptions().setMaxPoolSize(poolSize).setMaxPoolWaiting(Math.max(poolSize, 64));
    switch (config.mode()) {
      case STANDALONE -> options.setConnectionString(config.effectiveUrl());
      // A cluster connection holds one pooled connection per node, and the client reads the slot map (every
      // second) over one more: with a pool of one it would wait for itself forever.
      case CLUSTER -> options.setType(RedisClientType.CLUSTER).setEndpoints(config.endpoints())
          .setMaxPoolSize(poolSize + 1);
      case SENTINEL -> options.setType(RedisClientType.SENTINEL).setMasterName(config.masterName())
          .setRole(RedisRole.MASTER).setEndpoints(config.endpoints());
    }
    return options;
  }
}
