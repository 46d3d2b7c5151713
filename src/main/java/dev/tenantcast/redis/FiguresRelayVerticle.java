package dev.tenantcast.redis;

import dev.tenantcast.bus.Addresses;
import dev.tenantcast.config.AdminConfig;
import dev.tenantcast.config.RedisConfig;
import dev.tenantcast.service.ServiceContext;
import dev.tenantcast.stats.LiveFigures;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * Shares this instance's figures with the admin pages of every instance on the same Redis: once per interval it
 * takes a snapshot ({@link LiveFigures}), hands it to this instance's admin streams ({@link Addresses#FIGURES}) and
 * PUBLISHes it on {@value #CHANNEL}; the other instances' snapshots, heard on that channel, go to the admin streams
 * too. Classic pub/sub on its own two connections, to any one node on a Redis Cluster (which carries a PUBLISH to
 * every node), so it never touches the event subscriptions. One instance per service instance.
 */
public final class FiguresRelayVerticle extends VerticleBase {
  static final String CHANNEL = "tenantcast:figures";
  /** A snapshot names at most 100 tenants: anything much larger on the channel is not ours. */
  private static final int MAX_SNAPSHOT_BYTES = 64 * 1024;
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final LiveFigures figures;
  private final String instanceId;
  private RedisLink subscriber;
  private RedisLink publisher;
  private long timer = -1;

  public FiguresRelayVerticle(ServiceContext service) {
    this.figures = service.figures();
    this.instanceId = service.instanceId();
  }

  @Override
  public Future<?> start() {
    RedisConfig redis = RedisConfig.from(config().getJsonObject("redis"));
    AdminConfig admin = AdminConfig.from(config().getJsonObject("admin"));
    // Options apiece: clients made from one options object share a pool name, and so its meters.
    subscriber = new RedisLink(vertx, "figures subscriber", RedisClients.subscriber(redis), redis.reconnectMinMillis(),
        redis.reconnectMaxMillis(), redis.timeoutMillis(), this::subscribe, cause -> { });
    publisher = new RedisLink(vertx, "figures publisher", RedisClients.subscriber(redis), redis.reconnectMinMillis(),
        redis.reconnectMaxMillis(), redis.timeoutMillis(), connection -> Future.succeededFuture(), cause -> { });
    subscriber.open();
    publisher.open();
    timer = vertx.setPeriodic(admin.intervalMillis(), t -> share());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.join(subscriber.close(), publisher.close());
  }

  private Future<?> subscribe(RedisConnection connection) {
    connection.handler(this::onPush);
    return connection.send(Request.cmd(Command.SUBSCRIBE).arg(CHANNEL));
  }

  /** This instance's snapshot: to its own admin streams at once (also while Redis is down), and to the others. */
  private void share() {
    JsonObject snapshot = figures.snapshot(System.currentTimeMillis());
    vertx.eventBus().publish(Addresses.FIGURES, snapshot, LOCAL);
    RedisConnection connection = publisher.connection();
    if (connection != null) {
      connection.send(Request.cmd(Command.PUBLISH).arg(CHANNEL).arg(snapshot.toBuffer()));
    }
  }

  private void onPush(Response push) {
    if (push.size() < 3 || !"message".equals(push.get(0).toString()) || !CHANNEL.equals(push.get(1).toString())) {
      return;
    }
    Buffer payload = push.get(2).toBuffer();
    if (payload.length() > MAX_SNAPSHOT_BYTES) {
      return;
    }
    JsonObject snapshot;
    try {
      snapshot = new JsonObject(payload);
    } catch (DecodeException | ClassCastException e) {
      return;
    }
    // our own came back: it went to the admin streams when it was taken
    if (!instanceId.equals(snapshot.getValue("instanceId"))) {
      vertx.eventBus().publish(Addresses.FIGURES, snapshot, LOCAL);
    }
  }
}
