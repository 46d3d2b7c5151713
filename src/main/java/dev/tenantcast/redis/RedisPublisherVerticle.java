package dev.tenantcast.redis;

import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.PublishException;
import dev.tenantcast.bus.PublishFailure;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.Published;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.service.ServiceContext;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound half of the Redis broker: serves the publish side of the broker contract ({@link BrokerEndpoint}) by
 * PUBLISHing each event to Redis, so that every instance delivers it. All commands are pipelined over one dedicated
 * connection (a pool of six would refuse thousands of concurrent publishes); the number in flight is bounded by
 * {@code redis.maxPendingPublishes}.
 */
public final class RedisPublisherVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPublisherVerticle.class);

  private final ServiceStats stats;
  private final BrokerStatus status;
  private final EventIds ids;
  private RedisConfig config;
  private ChannelMap channels;
  private RedisLink link;
  private int inFlight;

  public RedisPublisherVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.status = service.broker();
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
        this::connected, cause -> status.publisherConnected(false));
    link.open();
    return new BrokerEndpoint(vertx.eventBus()).servePublish(this::publish);
  }

  @Override
  public Future<?> stop() {
    status.publisherConnected(false);
    return link.close();
  }

  private Future<?> connected(RedisConnection connection) {
    status.publisherConnected(true);
    LOG.info("Redis publisher connected");
    return Future.succeededFuture();
  }

  private Future<Published> publish(PublishRequest request) {
    String channel = channels.channel(request.type(), request.tenant());
    if (channel == null) {
      return failed(PublishFailure.INVALID, "no Redis channel is configured for " + request.type());
    }
    long timestamp = System.currentTimeMillis();
    String id = ids.next(timestamp);
    Buffer payload = RedisPayload.wrap(id, timestamp, request.data());
    if (payload.length() > config.maxPayloadBytes()) {
      return failed(PublishFailure.TOO_LARGE, "the event is larger than " + config.maxPayloadBytes() + " bytes");
    }
    RedisConnection connection = link.connection();
    if (connection == null) {
      stats.publishFailed();
      return failed(PublishFailure.UNAVAILABLE, "Redis is not connected");
    }
    if (inFlight >= config.maxPendingPublishes()) {
      stats.publishFailed();
      return failed(PublishFailure.BUSY, "too many publishes in flight (redis.maxPendingPublishes)");
    }
    inFlight++;
    return connection.send(Request.cmd(Command.PUBLISH).arg(channel).arg(payload))
        .andThen(ar -> inFlight--)
        .map(published -> {
          stats.published();
          return new Published(id);
        })
        .recover(e -> {
          stats.publishFailed();
          return failed(PublishFailure.UNAVAILABLE, "Redis did not take the event: " + e.getMessage());
        });
  }

  private static <T> Future<T> failed(PublishFailure failure, String message) {
    return Future.failedFuture(new PublishException(failure, message));
  }
}
