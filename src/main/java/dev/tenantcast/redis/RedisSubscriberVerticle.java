package dev.tenantcast.redis;

import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventIds;
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
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Inbound half of the Redis broker: one dedicated subscriber connection, each valid message handed to the streams
 * through the broker contract ({@link BrokerEndpoint#deliver}); malformed messages are counted and skipped. In pattern
 * mode it subscribes to every tenant's channels by pattern; in interest mode to a tenant's channels only while an HTTP
 * verticle instance has streams of that tenant ({@link Interest}). It also answers history requests
 * ({@link HistoryReader}), from the events it keeps in memory ({@link RecentEvents}) or from Redis.
 * <p>A subscriber connection to a frozen Redis stays open and silent. So every second this instance publishes a canary
 * to a channel of its own; when nothing (not even the canary) has arrived for {@code redis.timeoutMillis}, the
 * connection is dropped and rebuilt, and the streams are told that delivery is degraded, later that it is restored
 * (then they replay from history what they missed).
 * Deploy exactly one instance per service instance, or every message is delivered twice.
 */
public final class RedisSubscriberVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriberVerticle.class);

  private final ServiceStats stats;
  private final BrokerStatus status;
  private final EventIds ids;
  private final RateLimitedLog rejections = new RateLimitedLog(LOG, 10_000);
  /** Tenant → number of HTTP verticle instances with streams of it (interest mode); bounded by the open streams. */
  private final Map<TenantId, Integer> interest = new HashMap<>();
  /** Channel → interests completed once Redis confirms the subscription to it. */
  private final Map<String, List<Promise<Void>>> awaiting = new HashMap<>();
  private SubscriptionMode mode;
  private ChannelMap channels;
  private InboundDecoder decoder;
  private BrokerEndpoint endpoint;
  private RedisLink link;
  private int unconfirmed;
  private boolean hadOutage;
  private boolean degraded;
  private String canary;
  private Redis reader;
  private HistoryReader history;
  private RecentEvents recent;
  private long lastHeardMillis;
  private long timeoutMillis;
  private long watchdog = -1;

  public RedisSubscriberVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.status = service.broker();
    this.ids = service.ids();
  }

  @Override
  public Future<?> start() {
    RedisConfig config = RedisConfig.from(config().getJsonObject("redis"));
    HistoryConfig historyConfig = HistoryConfig.from(config().getJsonObject("history"));
    mode = config.subscriptionMode();
    channels = new ChannelMap(config.channels());
    decoder = new InboundDecoder(channels, ids, config.maxPayloadBytes());
    endpoint = new BrokerEndpoint(vertx.eventBus());
    timeoutMillis = config.timeoutMillis();
    canary = "tenantcast:canary:" + config().getString("instanceId");
    reader = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.effectiveUrl())
        .setMaxPoolSize(4).setMaxPoolWaiting(64));
    recent = new RecentEvents(historyConfig.memoryEvents(), historyConfig.memoryTenants());
    history = new HistoryReader(reader, recent, channels, historyConfig.enabled(), historyConfig.maxReplay(),
        tenant -> mode == SubscriptionMode.PATTERN || interest.containsKey(tenant));
    link = new RedisLink(vertx, "subscriber", new RedisOptions().setConnectionString(config.effectiveUrl()),
        config.reconnectMinMillis(), config.reconnectMaxMillis(), timeoutMillis, this::subscribe, this::lost);
    link.open();
    watchdog = vertx.setPeriodic(Math.max(100, timeoutMillis / 3), t -> watch(System.currentTimeMillis()));
    // Starting does not wait for Redis: the service serves meanwhile and /ready reports the outage.
    return Future.all(endpoint.serveInterest(this::onInterest), endpoint.serveHistory(history::read));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(watchdog);
    status.subscribed(false);
    return link.close().eventually(reader::close);
  }

  /** Publishes the canary, and drops a subscriber connection that has heard nothing for too long. */
  private void watch(long now) {
    if (link.connection() == null) {
      return;
    }
    reader.send(Request.cmd(Command.PUBLISH).arg(canary).arg(now));
    if (now - lastHeardMillis > timeoutMillis) {
      LOG.warn("Redis subscriber heard nothing, not even its canary, for {} ms: dropping the connection",
          now - lastHeardMillis);
      link.reset("silent for " + (now - lastHeardMillis) + " ms");
    }
  }

  /** A new connection: everything this instance needs now, as one SUBSCRIBE and one PSUBSCRIBE. */
  private Future<?> subscribe(RedisConnection connection) {
    // Only (un)subscribe commands may go over this connection: replies to anything else get mixed up with messages.
    connection.handler(this::onPush);
    lastHeardMillis = System.currentTimeMillis();
    List<ChannelMap.Subscription> all = new ArrayList<>(mode == SubscriptionMode.PATTERN
        ? channels.subscriptions() : channels.fixedSubscriptions());
    all.add(new ChannelMap.Subscription(canary, false));
    interest.keySet().forEach(t -> channels.channelsOf(t).forEach(c -> all.add(new ChannelMap.Subscription(c, false))));
    unconfirmed = all.size();
    if (all.isEmpty()) {
      status.subscribed(true);
    }
    List<Future<Response>> sent = new ArrayList<>();
    for (boolean pattern : new boolean[] {false, true}) {
      List<String> names = all.stream().filter(s -> s.pattern() == pattern).map(ChannelMap.Subscription::name)
          .toList();
      if (!names.isEmpty()) {
        sent.add(connection.send(command(pattern ? Command.PSUBSCRIBE : Command.SUBSCRIBE, names)));
      }
    }
    return Future.all(sent);
  }

  private void lost(Throwable cause) {
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
    awaiting.values().forEach(waiting -> waiting.forEach(Promise::tryComplete));
    awaiting.clear();
    LOG.warn("Redis subscriber connection lost ({}); events are not delivered until it is back",
        cause == null ? "closed" : cause.getMessage());
  }

  private Future<Void> onInterest(Interest request) {
    if (mode == SubscriptionMode.PATTERN) {
      return Future.succeededFuture();
    }
    TenantId tenant = request.tenant();
    boolean interested = request.interested();
    int before = interest.getOrDefault(tenant, 0);
    int after = Math.max(0, before + (interested ? 1 : -1));
    if (after == 0) {
      interest.remove(tenant);
      recent.forget(tenant);
    } else {
      interest.put(tenant, after);
    }
    RedisConnection connection = link.connection();
    List<String> tenantChannels = channels.channelsOf(tenant);
    if (connection == null || tenantChannels.isEmpty() || (before == 0) == (after == 0)) {
      return Future.succeededFuture();
    }
    if (after == 0) {
      connection.send(command(Command.UNSUBSCRIBE, tenantChannels));
      return Future.succeededFuture();
    }
    // Redis confirms channels in order: when the last is confirmed, all are.
    Promise<Void> subscribed = Promise.promise();
    awaiting.computeIfAbsent(tenantChannels.get(tenantChannels.size() - 1), c -> new ArrayList<>()).add(subscribed);
    connection.send(command(Command.SUBSCRIBE, tenantChannels));
    return subscribed.future();
  }

  private static Request command(Command command, List<String> names) {
    Request request = Request.cmd(command);
    names.forEach(request::arg);
    return request;
  }

  private void onPush(Response push) {
    lastHeardMillis = System.currentTimeMillis();
    if (push.size() < 3) {
      return;
    }
    switch (push.get(0).toString()) {
      case "message" -> deliver(null, push.get(1).toString(), push);
      case "pmessage" -> deliver(push.get(1).toString(), push.get(2).toString(), push);
      case "subscribe", "psubscribe" -> confirmed(push.get(1).toString());
      default -> { }
    }
  }

  private void deliver(String pattern, String channel, Response push) {
    if (pattern == null && channel.equals(canary)) {
      return;
    }
    InboundDecoder.Result result = decoder.decode(pattern, channel, push.get(push.size() - 1).toBuffer(),
        System.currentTimeMillis());
    if (result.envelope() != null) {
      stats.received();
      recent.record(result.envelope());
      endpoint.deliver(result.envelope());
    } else {
      stats.rejected(result.rejected());
      rejections.warn(result.rejected().name(), "Rejected a Redis message on channel '{}': {}",
          LogSafe.of(channel), result.rejected());
    }
  }

  private void confirmed(String channel) {
    List<Promise<Void>> waiting = awaiting.remove(channel);
    if (waiting != null) {
      waiting.forEach(Promise::tryComplete);
    }
    if (unconfirmed == 0 || --unconfirmed != 0) {
      return;
    }
    status.subscribed(true);
    if (degraded) {
      degraded = false;
      endpoint.deliver(Envelope.ofServer(MessageType.STATUS, new JsonObject().put("state", "RESTORED")
          .put("message", "the broker is back: missed events follow"), System.currentTimeMillis()));
    }
    if (hadOutage) {
      status.reconnected();
      LOG.info("Redis subscriber reconnected and resubscribed ({} mode)", mode.name().toLowerCase());
    } else {
      LOG.info("Redis subscriber subscribed ({} mode) to {}", mode.name().toLowerCase(),
          mode == SubscriptionMode.PATTERN ? channels.subscriptions() : channels.fixedSubscriptions());
    }
  }
}
