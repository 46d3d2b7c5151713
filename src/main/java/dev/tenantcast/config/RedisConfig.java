package dev.tenantcast.config;

import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Redis verticles' settings. {@code url} is null when none was configured: the service then uses the default
 * address, or an embedded Redis when nothing answers there (see {@link Embedded}).
 */
public record RedisConfig(
    Mode mode,
    String url,
    List<String> endpoints,
    String masterName,
    ClusterPubSub clusterPubSub,
    Embedded embedded,
    SubscriptionMode subscriptionMode,
    Map<MessageType, String> channels,
    int maxPayloadBytes,
    int reconnectMinMillis,
    int reconnectMaxMillis,
    int timeoutMillis,
    int maxPendingPublishes) {

  public static final String DEFAULT_URL = "redis://127.0.0.1:6379";
  public static final String TENANT_PLACEHOLDER = EventTypes.TENANT_PLACEHOLDER;

  /** How Redis is deployed. */
  public enum Mode {
    /** One Redis ({@code redis.url}). */
    STANDALONE,
    /**
     * Redis Cluster ({@code redis.endpoints}: seed nodes): deliveries use sharded pub/sub (Redis 7), a tenant's
     * channels subscribed on the master that owns their slot while this instance has streams of the tenant.
     */
    CLUSTER,
    /** Redis with Sentinel ({@code redis.endpoints}: the sentinels; {@code redis.masterName}): the master follows. */
    SENTINEL
  }

  /** How deliveries travel on a Redis Cluster. */
  public enum ClusterPubSub {
    /** Redis 7's sharded pub/sub: a message crosses only the shard that owns its channel's slot. */
    SHARDED,
    /**
     * The fallback for Redis 6.2 clusters: classic PUBLISH, which the cluster broadcasts to every node; one subscriber
     * connection to any node. Every node then carries every message.
     */
    CLASSIC
  }

  /** When to start a local redis-server instead of connecting to a configured one. */
  public enum Embedded {
    /** Only when no URL is configured and nothing answers at the default address. */
    AUTO,
    /** Always, ignoring the URL: for demos and tests. */
    ALWAYS,
    /** Never: production, where every instance must share one Redis. */
    NEVER
  }

  /** How an instance subscribes to the per-tenant channels. */
  public enum SubscriptionMode {
    /** One pattern subscription per channel kind: every instance receives every tenant's messages. */
    PATTERN,
    /** A tenant's channels only while this instance has streams of that tenant. */
    INTEREST
  }

  public RedisConfig {
    channels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(channels));
    endpoints = List.copyOf(endpoints);
  }

  public static RedisConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "redis");
    r.allowOnly(Set.of("mode", "url", "endpoints", "masterName", "clusterPubSub", "embedded", "subscriptionMode",
        "channels",
        "maxPayloadBytes", "reconnectMinMillis", "reconnectMaxMillis", "timeoutMillis", "maxPendingPublishes"));
    String url = r.optionalString("url");
    if (url != null && !url.matches("rediss?://.+")) {
      throw new ConfigException(r.key("url"), "must look like redis://host:port, got " + url);
    }
    Mode mode = r.choice("mode", Mode.class);
    List<String> endpoints = r.stringList("endpoints", "Redis URLs such as redis://10.0.0.5:6379", "rediss?://.+");
    String masterName = r.optionalString("masterName");
    SubscriptionMode subscriptionMode = r.choice("subscriptionMode", SubscriptionMode.class);
    if (mode != Mode.STANDALONE && endpoints.isEmpty()) {
      throw new ConfigException(r.key("endpoints"), "must name the " + (mode == Mode.CLUSTER ? "cluster's seed nodes"
          : "sentinels") + " in " + mode.name().toLowerCase(java.util.Locale.ROOT) + " mode");
    }
    if (mode == Mode.SENTINEL && masterName == null) {
      throw new ConfigException(r.key("masterName"), "must name the master in sentinel mode");
    }
    ClusterPubSub clusterPubSub = r.choice("clusterPubSub", ClusterPubSub.class);
    boolean sharded = mode == Mode.CLUSTER && clusterPubSub == ClusterPubSub.SHARDED;
    if (sharded && subscriptionMode != SubscriptionMode.INTEREST) {
      throw new ConfigException(r.key("subscriptionMode"), "must be interest in cluster mode: sharded pub/sub "
          + "subscribes a tenant's channels where their slot lives");
    }
    int min = r.integer("reconnectMinMillis", 1, 600_000);
    int max = r.integer("reconnectMaxMillis", min, 600_000);
    return new RedisConfig(mode, url, endpoints, masterName, clusterPubSub, r.choice("embedded", Embedded.class),
        subscriptionMode, channels(r.section("channels")),
        r.integer("maxPayloadBytes", 64, 16 * 1024 * 1024), min, max, r.integer("timeoutMillis", 100, 600_000),
        r.integer("maxPendingPublishes", 1, 1_000_000));
  }

  public String effectiveUrl() {
    return url == null ? DEFAULT_URL : url;
  }

  /** Whether deliveries use sharded pub/sub (Redis Cluster, unless the classic fallback is chosen). */
  public boolean sharded() {
    return mode == Mode.CLUSTER && clusterPubSub == ClusterPubSub.SHARDED;
  }

  /** Where this mode connects: the URL (standalone), or the seed nodes or sentinels. */
  public String describe() {
    return mode == Mode.STANDALONE ? effectiveUrl() : mode.name().toLowerCase(java.util.Locale.ROOT) + " " + endpoints
        + (masterName == null ? "" : " (master " + masterName + ")");
  }


  private static Map<MessageType, String> channels(ConfigReader r) {
    Map<MessageType, String> channels = new LinkedHashMap<>();
    for (String name : r.names()) {
      MessageType type = MessageType.builtIn(name);
      if (type == null || !type.fromRedis()) {
        throw new ConfigException(r.key(name), "is not a built-in message type that comes from Redis "
            + "(DASHBOARD_UPDATE, NOTIFICATION, SYSTEM_ALERT); declare other types in eventTypes");
      }
      String channel = r.string(name);
      checkChannel(r.key(name), channel, type.perTenant());
      channels.put(type, channel);
    }
    return channels;
  }

  /** A channel template: {tenant} exactly once in a tenant type's, never in another's; a plain Redis name. */
  static void checkChannel(String key, String channel, boolean perTenant) {
    int placeholders = channel.split("\\{tenant}", -1).length - 1;
    if (perTenant && placeholders != 1) {
      throw new ConfigException(key, "must contain {tenant} exactly once, got " + channel);
    }
    if (!perTenant && placeholders != 0) {
      throw new ConfigException(key, "is for every tenant and must not contain {tenant}, got " + channel);
    }
    if (!channel.matches("[A-Za-z0-9_.:{}-]{1,200}")) {
      throw new ConfigException(key, "may contain only letters, digits and _ . : - , got " + channel);
    }
  }
}
