package dev.tenantcast.redis;

import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.EventIds;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.PublishException;
import dev.tenantcast.bus.PublishFailure;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.Published;
import dev.tenantcast.config.HistoryConfig;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.log.RateLimitedLog;
import dev.tenantcast.service.ServiceContext;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Outbound half of the Redis broker: serves the publish side of the broker contract ({@link BrokerEndpoint}). With
 * history on, each event is appended to its history stream and published in one atomic step ({@link PublishScript}),
 * which also honours idempotency keys and the caller's deadline; with history off, it is PUBLISHed as it is. Either
 * way every instance delivers it. All commands are pipelined over one dedicated connection (a pool of six would refuse
 * thousands of concurrent publishes); the number in flight is bounded by {@code redis.maxPendingPublishes}, and each
 * waits for Redis until the caller's deadline at most: on Redis Cluster, a master that stops answering keeps only its
 * own slots' publishes waiting (the connection is kept for the others, see {@link RedisLink}).
 */
public final class RedisPublisherVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RedisPublisherVerticle.class);
  /** How long before the caller's deadline Redis stops publishing: the answer still has to travel back. */
  private static final long DEADLINE_MARGIN_MILLIS = 250;

  private final ServiceStats stats;
  private final BrokerStatus status;
  private final EventIds ids;
  private final EventTypes eventTypes;
  private RedisConfig config;
  private HistoryConfig history;
  private final PublishScript script = PublishScript.load();
  /** Redis's clock minus ours, measured at connect: deadlines are checked by Redis, in its time. */
  private long redisClockOffsetMillis;
  private ChannelMap channels;
  /** Sharded pub/sub on Redis Cluster: the message goes to the shard of its channel's slot, not to every node. */
  private Command publishCommand;
  private RedisLink link;
  private int inFlight;
  /**
   * When the oldest unanswered PING was sent (0: none): a silent connection is dropped, so publishes fail fast (a
   * cluster connection is kept until a new one opens, since only one of its masters may be silent).
   */
  private long pingSentMillis;
  private long watchdog = -1;
  private final RateLimitedLog silence = new RateLimitedLog(LOG, 10_000);

  public RedisPublisherVerticle(ServiceContext service) {
    this.stats = service.stats();
    this.status = service.broker();
    this.ids = service.ids();
    this.eventTypes = service.eventTypes();
  }

  @Override
  public Future<?> start() {
    config = RedisConfig.from(config().getJsonObject("redis"));
    history = HistoryConfig.from(config().getJsonObject("history"));
    channels = ChannelMap.of(eventTypes, config.mode() == RedisConfig.Mode.CLUSTER);
    publishCommand = config.sharded() ? Command.SPUBLISH : Command.PUBLISH;
    RedisOptions options = RedisClients.options(config, 1).setMaxWaitingHandlers(config.maxPendingPublishes() + 16);
    link = new RedisLink(vertx, "publisher", () -> options, config.reconnectMinMillis(), config.reconnectMaxMillis(),
        config.timeoutMillis(), this::connected, cause -> status.publisherConnected(false));
    link.open();
    watchdog = vertx.setPeriodic(Math.max(100, config.timeoutMillis() / 3), t -> ping(System.currentTimeMillis()));
    return new BrokerEndpoint(vertx.eventBus()).servePublish(eventTypes, this::publish);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(watchdog);
    status.publisherConnected(false);
    return link.close();
  }

  private void ping(long now) {
    RedisConnection connection = link.connection();
    if (connection == null) {
      pingSentMillis = 0;
      return;
    }
    if (pingSentMillis != 0) {
      if (now - pingSentMillis > config.timeoutMillis()) {
        silence.warn("silent", "Redis publisher got no answer for {} ms: opening a new connection",
            now - pingSentMillis);
        pingSentMillis = 0;
        link.reset("no answer for " + config.timeoutMillis() + " ms");
      }
      return;
    }
    pingSentMillis = now;
    connection.send(Request.cmd(Command.PING)).onComplete(ar -> {
      // an answer (an error reply is one) for the ping awaited, on whichever connection (a cluster's may be replaced);
      // not a PING refused at once by a full waiting queue, which a silent Redis fills
      if ((ar.succeeded() || ar.cause() instanceof Response) && pingSentMillis == now) {
        pingSentMillis = 0;
      }
    });
  }

  private Future<?> connected(RedisConnection connection) {
    long asked = System.currentTimeMillis();
    return connection.send(Request.cmd(Command.TIME)).onSuccess(time -> {
      long now = System.currentTimeMillis();
      long redisMillis = time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
      redisClockOffsetMillis = redisMillis - (asked + now) / 2;
      status.publisherConnected(true);
      LOG.info("Redis publisher connected (history {}, publish script {})", history.enabled() ? "on" : "off",
          script.sha());
    });
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
    if (request.deadlineMillis() > 0 && request.deadlineMillis() <= timestamp) {
      return failed(PublishFailure.NO_ANSWER, "the caller stopped waiting before the publish began");
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
    Future<Published> published = history.enabled() ? appendAndPublish(connection, channel, request)
        : connection.send(Request.cmd(publishCommand).arg(channel).arg(payload)).map(r -> new Published(id));
    long waitMillis = request.deadlineMillis() > 0 ? request.deadlineMillis() - timestamp : config.timeoutMillis();
    return published
        .timeout(waitMillis, TimeUnit.MILLISECONDS)
        .andThen(ar -> inFlight--)
        .onSuccess(p -> {
          if (!p.duplicate()) {
            stats.published();
          }
        })
        .recover(e -> {
          stats.publishFailed();
          if (e instanceof TimeoutException) {
            return failed(PublishFailure.NO_ANSWER, "Redis did not answer within " + waitMillis + " ms");
          }
          return e instanceof PublishException ? Future.failedFuture(e)
              : failed(PublishFailure.UNAVAILABLE, "Redis did not take the event: " + e.getMessage());
        });
  }

  private Future<Published> appendAndPublish(RedisConnection connection, String channel, PublishRequest request) {
    // Past the caller's deadline (less a margin for the answer's way back), Redis publishes nothing.
    long deadline = request.deadlineMillis() == 0 ? 0
        : request.deadlineMillis() + redisClockOffsetMillis - DEADLINE_MARGIN_MILLIS;
    List<Object> args = List.of(channel, request.data().toBuffer(), history.maxLength(),
        history.maxAgeSeconds() * 1000L, request.idempotencyKey() == null ? "" : request.idempotencyKey(),
        history.idempotencySeconds(), deadline, publishCommand == Command.SPUBLISH ? "SPUBLISH" : "PUBLISH");
    return script.run(connection, List.of(HistoryKeys.stream(request.tenant()), HistoryKeys.meta(request.tenant())),
        args).compose(answer -> {
          String result = answer.toString();
          if (result.equals("expired")) {
            return failed(PublishFailure.NO_ANSWER, "Redis got to the event after the caller stopped waiting; "
                + "it was not published");
          }
          return Future.succeededFuture(result.startsWith("dup:") ? new Published(result.substring(4), true)
              : new Published(result));
        });
  }

  private static <T> Future<T> failed(PublishFailure failure, String message) {
    return Future.failedFuture(new PublishException(failure, message));
  }
}
