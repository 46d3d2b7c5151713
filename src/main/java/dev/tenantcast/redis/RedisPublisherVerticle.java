package dev.tenantcast.redis;

import dev.tenantcast.app.ServiceContext;
import dev.tenantcast.bus.Addresses;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound half of the Redis bridge: takes publish requests from {@link Addresses#PUBLISH} (other verticles and
 * {@code POST /api/events}) and PUBLISHes them to Redis, so that every instance delivers them. All commands are
 * pipelined over one dedicated connection (a pool of six would refuse thousands of concurrent publishes); the number
 * in flight is bounded by {@code redis.maxPendingPublishes}.
 * <p>Failure codes of the reply: 400 invalid request, 413 payload too large, 503 Redis unavailable or too busy.
 */
public final class RedisPublisherVerticle extends VerticleBase {
  public static final int INVALID = 400;
  public static final int TOO_LARGE = 413;
  public static final int UNAVAILABLE = 503;
  private static final Logger LOG = LoggerFactory.getLogger(RedisPublisherVerticle.class);

  private final ServiceStats stats;
  private RedisConfig config;
  private ChannelMap channels;
  private final EventIds ids;
  private RedisLink link;
  private int inFlight;

  public RedisPublisherVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.ids = service.ids();
  }

  @Override
  public Future<?> start() {
    config = RedisConfig.from(config().getJsonObject("redis"));
    channels = new ChannelMap(config.channels());
    RedisOptions options = new RedisOptions()
        .setConnectionString(config.effectiveUrl())
        .setMaxWaitingHandlers(config.maxPendingPublishes() + 16);
    link = new RedisLink(vertx, "publisher", options, config.reconnectMinMillis(), config.reconnectMaxMillis(),
        this::connected, cause -> stats.redisPublisherConnected(false));
    link.open();
    return vertx.eventBus().<JsonObject>localConsumer(Addresses.PUBLISH, this::publish).completion();
  }

  @Override
  public Future<?> stop() {
    stats.redisPublisherConnected(false);
    return link.close();
  }

  private Future<?> connected(RedisConnection connection) {
    stats.redisPublisherConnected(true);
    LOG.info("Redis publisher connected");
    return Future.succeededFuture();
  }

  private void publish(Message<JsonObject> message) {
    PublishRequest request;
    try {
      request = PublishRequest.from(message.body());
    } catch (IllegalArgumentException | ClassCastException e) {
      message.fail(INVALID, e.getMessage());
      return;
    }
    String channel = channels.channel(request.type(), request.tenant());
    if (channel == null) {
      message.fail(INVALID, "no Redis channel is configured for " + request.type());
      return;
    }
    long timestamp = System.currentTimeMillis();
    String id = ids.next(timestamp);
    Buffer payload = RedisPayload.wrap(id, timestamp, request.data());
    if (payload.length() > config.maxPayloadBytes()) {
      message.fail(TOO_LARGE, "the event is larger than " + config.maxPayloadBytes() + " bytes");
      return;
    }
    RedisConnection connection = link.connection();
    if (connection == null) {
      stats.publishFailed();
      message.fail(UNAVAILABLE, "Redis is not connected");
      return;
    }
    if (inFlight >= config.maxPendingPublishes()) {
      stats.publishFailed();
      message.fail(UNAVAILABLE, "too many publishes in flight");
      return;
    }
    inFlight++;
    connection.send(Request.cmd(Command.PUBLISH).arg(channel).arg(payload)).onComplete(ar -> {
      inFlight--;
      if (ar.succeeded()) {
        stats.published();
        message.reply(new JsonObject().put("id", id));
      } else {
        stats.publishFailed();
        message.fail(UNAVAILABLE, "Redis did not take the event: " + ar.cause().getMessage());
      }
    });
  }
}
