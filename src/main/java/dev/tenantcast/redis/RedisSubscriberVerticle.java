package dev.tenantcast.redis;

import dev.tenantcast.app.ServiceContext;
import dev.tenantcast.bus.Addresses;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.stats.RateLimitedLog;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Inbound half of the Redis bridge: one dedicated subscriber connection to the configured channels, each valid message
 * published on the event bus (local-only) under its tenant's address. Malformed messages are counted and skipped.
 * Deploy exactly one instance per service instance, or every message is delivered twice.
 */
public final class RedisSubscriberVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriberVerticle.class);
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final ServiceStats stats;
  private final EventIds ids;
  private final RateLimitedLog rejections = new RateLimitedLog(LOG, 10_000);
  private ChannelMap channels;
  private InboundDecoder decoder;
  private EventBus bus;
  private RedisLink link;
  private int unconfirmed;
  private boolean hadOutage;

  public RedisSubscriberVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.ids = service.ids();
  }

  @Override
  public Future<?> start() {
    RedisConfig config = RedisConfig.from(config().getJsonObject("redis"));
    channels = new ChannelMap(config.channels());
    decoder = new InboundDecoder(channels, ids, config.maxPayloadBytes());
    bus = vertx.eventBus();
    link = new RedisLink(vertx, "subscriber", new RedisOptions().setConnectionString(config.effectiveUrl()),
        config.reconnectMinMillis(), config.reconnectMaxMillis(), this::subscribe, this::lost);
    link.open();
    // Starting does not wait for Redis: the service serves meanwhile and /ready reports the outage.
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stats.redisSubscribed(false);
    return link.close();
  }

  private Future<?> subscribe(RedisConnection connection) {
    // Only (un)subscribe commands may go over this connection: replies to anything else get mixed up with messages.
    connection.handler(this::onPush);
    List<Future<Response>> sent = new ArrayList<>();
    unconfirmed = channels.subscriptions().size();
    for (boolean pattern : new boolean[] {false, true}) {
      Request request = Request.cmd(pattern ? Command.PSUBSCRIBE : Command.SUBSCRIBE);
      List<String> names = channels.subscriptions().stream()
          .filter(s -> s.pattern() == pattern).map(ChannelMap.Subscription::name).toList();
      if (!names.isEmpty()) {
        names.forEach(request::arg);
        sent.add(connection.send(request));
      }
    }
    return Future.all(sent);
  }

  private void lost(Throwable cause) {
    stats.redisSubscribed(false);
    hadOutage = true;
    LOG.warn("Redis subscriber connection lost ({}); events are not delivered until it is back",
        cause == null ? "closed" : cause.getMessage());
  }

  private void onPush(Response push) {
    if (push.size() < 3) {
      return;
    }
    switch (push.get(0).toString()) {
      case "message" -> deliver(null, push.get(1).toString(), push);
      case "pmessage" -> deliver(push.get(1).toString(), push.get(2).toString(), push);
      case "subscribe", "psubscribe" -> confirmed();
      default -> { }
    }
  }

  private void deliver(String pattern, String channel, Response push) {
    InboundDecoder.Result result = decoder.decode(pattern, channel, push.get(push.size() - 1).toBuffer(),
        System.currentTimeMillis());
    if (result.envelope() != null) {
      stats.received();
      bus.publish(Addresses.of(result.envelope()), result.envelope(), LOCAL_ONLY);
    } else {
      stats.rejected(result.rejected());
      rejections.warn(result.rejected().name(), "Rejected a Redis message on channel '{}': {}",
          LogSafe.of(channel), result.rejected());
    }
  }

  private void confirmed() {
    if (--unconfirmed != 0) {
      return;
    }
    stats.redisSubscribed(true);
    if (hadOutage) {
      stats.redisReconnected();
      LOG.info("Redis subscriber reconnected and resubscribed to {}", channels.subscriptions());
    } else {
      LOG.info("Redis subscriber subscribed to {}", channels.subscriptions());
    }
  }
}
