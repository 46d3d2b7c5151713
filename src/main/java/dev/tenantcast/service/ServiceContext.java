package dev.tenantcast.service;

import dev.tenantcast.auth.JwksCache;
import dev.tenantcast.auth.WarmUpKey;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.config.AdminConfig;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.limits.Budget;
import dev.tenantcast.limits.PublishLimits;
import dev.tenantcast.limits.StreamAdmission;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;

/**
 * What the verticles of one service instance share: its id, its id sequences, its counters and meters, its broker's
 * status, the limits that span all HTTP verticle instances, the identity provider's keys, the warm-up's key, and
 * whether it is warming up or draining. Handed to each verticle's constructor, so two service instances in one JVM (as
 * in the tests) never share state.
 *
 * @param eventTypes the content types, built-in and declared, with their channels: the one registry every verticle
 *                   derives channels, validation and counters from
 * @param jwks the keys of {@code jwt.jwksUrl}, fetched once for all HTTP verticle instances; null when it is not set
 * @param warmUpKey the key of the start's warm-up streams, which every HTTP verticle instance accepts while it runs
 */
public record ServiceContext(String instanceId, EventIds ids, EventTypes eventTypes, ServiceStats stats,
                             ServiceMetrics metrics, LiveFigures figures, BrokerStatus broker, SharedLimits limits,
                             Lifecycle lifecycle, JwksCache jwks, WarmUpKey warmUpKey) {

  /** The limits that count across the HTTP verticle instances: streams, connections and body bytes in memory. */
  public record SharedLimits(StreamAdmission streams, Budget connections, Budget bodyBytes, PublishLimits publishes,
                             Budget adminStreams) {
    static SharedLimits of(HttpConfig http, AdminConfig admin) {
      return new SharedLimits(
          new StreamAdmission(http.maxStreams(), http.maxStreamsPerTenant(), http.maxStreamsPerUser()),
          new Budget(http.maxConnections()),
          new Budget(http.maxBufferedBodyBytes()),
          PublishLimits.of(http),
          new Budget(admin.maxStreams()));
    }
  }

  /**
   * Everything {@code GET /api/sse/stats} shows: the counters, the open streams and connections, the broker, and the
   * JWKS keys when there is a JWKS URL.
   */
  public JsonObject statsJson() {
    JsonObject byTenant = new JsonObject();
    limits.streams().byTenant().forEach(byTenant::put);
    JsonObject json = stats.toJson()
        .put("connections", new JsonObject()
            .put("total", limits.streams().open())
            .put("byTenant", byTenant)
            .put("http", limits.connections().used())
            .put("bodyBytesInMemory", limits.bodyBytes().used()))
        .put("broker", broker.toJson());
    return jwks == null ? json : json.put("jwks", jwks.toJson());
  }

  /** @param jwks the keys of {@code jwt.jwksUrl}, or null when it is not set */
  public static ServiceContext create(String instanceId, HttpConfig http, AdminConfig admin, EventTypes eventTypes,
                                     JwksCache jwks, MeterRegistry registry) {
    ServiceStats stats = new ServiceStats(instanceId, eventTypes.types().stream().map(MessageType::name).toList());
    BrokerStatus broker = new BrokerStatus();
    SharedLimits limits = SharedLimits.of(http, admin);
    ServiceMetrics metrics = new ServiceMetrics(registry, stats, broker, limits.streams()::open,
        limits.connections()::used);
    if (jwks != null) {
      metrics.watch(jwks);
    }
    LiveFigures figures = new LiveFigures(instanceId, stats, limits.streams()::open, limits.streams()::byTenant,
        admin.maxTenants(), admin.topTenants());
    return new ServiceContext(instanceId, new EventIds(instanceId), eventTypes, stats, metrics, figures, broker,
        limits, new Lifecycle(), jwks, new WarmUpKey());
  }
}
