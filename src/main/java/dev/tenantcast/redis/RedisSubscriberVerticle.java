package dev.tenantcast.redis;

import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.Interest;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.HistoryConfig;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.config.RedisConfig.SubscriptionMode;
import dev.tenantcast.log.LogSafe;
import dev.tenantcast.log.RateLimitedLog;
import dev.tenantcast.service.ServiceContext;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inbound half of the Redis broker: each valid message from its subscriptions handed to the streams through the
 * broker contract ({@link BrokerEndpoint#deliver}); malformed messages are counted and skipped. In pattern mode it
 * subscribes to every tenant's channels by pattern; in interest mode (always, on Redis Cluster) to a tenant's channels
 * only while an HTTP verticle instance has streams of that tenant ({@link Interest}). It also answers history
 * requests ({@link HistoryReader}), from the events it keeps in memory ({@link RecentEvents}) or from Redis.
 * <p>How it is connected ({@link Subscriptions}) depends on the mode: one connection, or one per cluster master. When
 * a connection is lost or goes silent, the streams are told that delivery is degraded, later that it is restored
 * (then they replay from history what they missed).
 * Deploy exactly one instance per service instance, or every message is delivered twice.
 */
public final class RedisSubscriberVerticle extends VerticleBase implements Subscriptions.Listener {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriberVerticle.class);

  private final ServiceStats stats;
  private final BrokerStatus status;
  private final EventIds ids;
  private final EventTypes eventTypes;
  private final RateLimitedLog rejections = new RateLimitedLog(LOG, 10_000);
  /** Tenant → number of HTTP verticle instances with streams of it (interest mode); bounded by the open streams. */
  private final Map<TenantId, Integer> interest = new HashMap<>();
  /**
   * Channel → completed once Redis confirms the subscription to it: one per channel whatever the streams waiting, and
   * gone once confirmed, once Redis is down, or once no stream wants the channel.
   */
  private final Map<String, Promise<Void>> awaiting = new HashMap<>();
  /** Fixed channels confirmed at least once since they were wanted: a second confirmation follows a loss. */
  private final Set<String> confirmedOnce = new HashSet<>();
  private RedisConfig config;
  private ChannelMap channels;
  private InboundDecoder decoder;
  private BrokerEndpoint endpoint;
  private Subscriptions subscriptions;
  private RenewingRedis reader;
  private HistoryReader history;
  private RecentEvents recent;
  private boolean up;
  private boolean hadOutage;
  private boolean degraded;

  public RedisSubscriberVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.status = service.broker();
    this.ids = service.ids();
    this.eventTypes = service.eventTypes();
  }

  @Override
  public Future<?> start() {
    config = RedisConfig.from(config().getJsonObject("redis"));
    HistoryConfig historyConfig = HistoryConfig.from(config().getJsonObject("history"));
    channels = ChannelMap.of(eventTypes, config.mode() == RedisConfig.Mode.CLUSTER);
    decoder = new InboundDecoder(channels, ids, config.maxPayloadBytes());
    endpoint = new BrokerEndpoint(vertx.eventBus());
    reader = new RenewingRedis(vertx, "reader", () -> RedisClients.options(config, 4), config.timeoutMillis());
    recent = new RecentEvents(historyConfig.memoryEvents(), historyConfig.memoryTenants());
    history = new HistoryReader(reader, recent, channels, historyConfig.enabled(), historyConfig.maxReplay(),
        tenant -> config.subscriptionMode() == SubscriptionMode.PATTERN || interest.containsKey(tenant));
    String canary = "tenantcast:canary:" + config().getString("instanceId");
    subscriptions = config.sharded()
        ? new ShardedSubscriptions(vertx, config.endpoints(), canary, config.reconnectMinMillis(),
            config.reconnectMaxMillis(), config.timeoutMillis(), this)
        : new ConnectionSubscriptions(vertx, RedisClients.subscriber(config), reader, canary,
            config.reconnectMinMillis(), config.reconnectMaxMillis(), config.timeoutMillis(), this);
    subscriptions.add(config.subscriptionMode() == SubscriptionMode.PATTERN ? channels.subscriptions()
        : channels.fixedSubscriptions());
    subscriptions.start();
    // Starting does not wait for Redis: the service serves meanwhile and /ready reports the outage.
    return Future.all(endpoint.serveInterest(this::onInterest), endpoint.serveHistory(history::read));
  }

  @Override
  public Future<?> stop() {
    status.subscribed(false);
    return subscriptions.close().eventually(reader::close);
  }

  private Future<Void> onInterest(Interest request) {
    if (config.subscriptionMode() == SubscriptionMode.PATTERN) {
      return Future.succeededFuture();
    }
    TenantId tenant = request.tenant();
    int before = interest.getOrDefault(tenant, 0);
    int after = Math.max(0, before + (request.interested() ? 1 : -1));
    if (after == 0) {
      interest.remove(tenant);
      recent.forget(tenant);
    } else {
      interest.put(tenant, after);
    }
    List<String> tenantChannels = channels.channelsOf(tenant);
    if (tenantChannels.isEmpty()) {
      return Future.succeededFuture();
    }
    // Confirmed channel by channel: when the last is, all are.
    String last = tenantChannels.get(tenantChannels.size() - 1);
    if ((before == 0) == (after == 0)) {
      // Another HTTP verticle's first stream of the tenant: while the subscription is still under way, it waits for
      // it too, or it would start before the tenant's events flow and miss those published meanwhile.
      Promise<Void> pending = after > before ? awaiting.get(last) : null;
      return pending == null ? Future.succeededFuture() : pending.future();
    }
    if (after == 0) {
      Promise<Void> pending = awaiting.remove(last);
      if (pending != null) {
        pending.tryComplete(); // no stream waits for it any more
      }
      subscriptions.remove(tenantChannels);
      tenantChannels.forEach(confirmedOnce::remove);
      return Future.succeededFuture();
    }
    if (!up) {
      // Subscribed when Redis is back; meanwhile the stream starts, and gets the tenant's events from then on.
      subscriptions.add(tenantChannels.stream().map(c -> new ChannelMap.Subscription(c, false)).toList());
      return Future.succeededFuture();
    }
    Promise<Void> subscribed = awaiting.computeIfAbsent(last, c -> Promise.promise());
    subscriptions.add(tenantChannels.stream().map(c -> new ChannelMap.Subscription(c, false)).toList());
    return subscribed.future();
  }

  @Override
  public void message(String pattern, String channel, Buffer payload) {
    long receivedNanos = System.nanoTime();
    InboundDecoder.Result result = decoder.decode(pattern, channel, payload, System.currentTimeMillis());
    if (result.envelope() != null) {
      Envelope envelope = result.envelope().receivedAt(receivedNanos);
      stats.received(envelope.type().name());
      recent.record(envelope);
      endpoint.deliver(envelope);
    } else {
      stats.rejected(result.rejected());
      rejections.warn(result.rejected().name(), "Rejected a Redis message on channel '{}': {}",
          LogSafe.of(channel), result.rejected());
    }
  }

  @Override
  public void confirmed(String channel) {
    Promise<Void> waiting = awaiting.remove(channel);
    if (waiting != null) {
      waiting.tryComplete();
    }
    if (config.subscriptionMode() == SubscriptionMode.INTEREST && !confirmedOnce.add(channel)) {
      resubscribed(channel);
    }
  }

  /**
   * A channel subscribed again after its connection was lost (or its slot moved): what was published in between was
   * missed here. The streams of its tenant (or all, for the alerts) are told before the first event of the new
   * subscription, on the same ordered path, so that they replay from history since the last event they had before
   * the gap, rather than from where later live events would have taken them.
   */
  private void resubscribed(String channel) {
    ChannelMap.Route route = channels.route(null, channel);
    if (route != null) {
      TenantId tenant = route.tenant() == null ? null : new TenantId(route.tenant());
      endpoint.deliver(Envelope.of(null, null, MessageType.STATUS, tenant,
          new JsonObject().put("state", MessageType.RESUBSCRIBED), System.currentTimeMillis()));
    }
  }

  @Override
  public void up() {
    up = true;
    status.subscribed(true);
    if (degraded) {
      degraded = false;
      endpoint.deliver(Envelope.ofServer(MessageType.STATUS, new JsonObject().put("state", "RESTORED")
          .put("message", "the broker is back: missed events follow"), System.currentTimeMillis()));
    }
    if (hadOutage) {
      status.reconnected();
      LOG.info("Redis subscriber reconnected and resubscribed ({} mode)", mode());
    } else {
      LOG.info("Redis subscriber subscribed ({} mode, {})", mode(), config.describe());
    }
  }

  @Override
  public void down(Throwable cause) {
    up = false;
    status.subscribed(false);
    hadOutage = true;
    recent.clear();
    if (!degraded) {
      degraded = true;
      endpoint.deliver(Envelope.ofServer(MessageType.STATUS, new JsonObject().put("state", "DEGRADED")
          .put("message", "the broker is unreachable: events are delayed; they follow once it is back"),
          System.currentTimeMillis()));
    }
    // Streams waiting for a subscription start now; they get their tenant's messages once Redis is back.
    awaiting.values().forEach(Promise::tryComplete);
    awaiting.clear();
    LOG.warn("Redis subscriber down ({}); events are delayed until it is back",
        cause == null ? "connection closed" : cause.getMessage());
  }

  private String mode() {
    return config.subscriptionMode().name().toLowerCase();
  }
}
