package dev.tenantcast.redis;

import dev.tenantcast.log.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Every subscription over one dedicated connection (standalone Redis, the master that Sentinel names, or one node of
 * a Redis Cluster in the classic pub/sub fallback, where every PUBLISH reaches every node). A connection
 * to a frozen Redis stays open and silent, so this publishes a canary to a channel of its own every third of the
 * timeout, and drops the connection when nothing (not even the canary) has arrived for the whole timeout. A
 * subscription that Redis refuses (NOPERM: the Redis user may not use the channel) is asked again, with backoff, and
 * until it is accepted the service is down: its channel's events are missed.
 */
final class ConnectionSubscriptions implements Subscriptions {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionSubscriptions.class);
  private static final long REFUSAL_LOG_MILLIS = 10_000;

  private final Vertx vertx;
  private final RenewingRedis commands;
  private final Listener listener;
  private final String canary;
  private final long timeoutMillis;
  private final RedisLink link;
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, REFUSAL_LOG_MILLIS);
  private final Set<ChannelMap.Subscription> wanted = new LinkedHashSet<>();
  /** The wanted subscriptions (and the canary) that Redis confirmed on this connection. */
  private final Set<String> confirmed = new HashSet<>();
  private final Backoff askAgain;
  private boolean asking;
  private boolean up;
  private long lastHeardMillis;
  private long watchdog = -1;

  /**
   * @param commands a client for other commands (the canary's PUBLISH): a subscribed connection takes only
   *                 (un)subscribe commands, or replies get mixed up with messages
   */
  ConnectionSubscriptions(Vertx vertx, Supplier<RedisOptions> options, RenewingRedis commands, String canary,
                          long minBackoffMillis, long maxBackoffMillis, long timeoutMillis, Listener listener) {
    this.vertx = vertx;
    this.commands = commands;
    this.canary = canary;
    this.timeoutMillis = timeoutMillis;
    this.listener = listener;
    this.askAgain = new Backoff(minBackoffMillis, maxBackoffMillis);
    this.link = new RedisLink(vertx, "subscriber", options, minBackoffMillis, maxBackoffMillis, timeoutMillis,
        this::subscribeAll, this::lost);
  }

  @Override
  public void start() {
    link.open();
    watchdog = vertx.setPeriodic(Math.max(100, timeoutMillis / 3), t -> watch(System.currentTimeMillis()));
  }

  @Override
  public void add(Collection<ChannelMap.Subscription> subscriptions) {
    List<ChannelMap.Subscription> added = subscriptions.stream().filter(wanted::add).toList();
    RedisConnection connection = link.connection();
    if (connection != null && !added.isEmpty()) {
      send(connection, added);
    }
  }

  @Override
  public void remove(Collection<String> channels) {
    wanted.removeIf(s -> !s.pattern() && channels.contains(s.name()));
    confirmed.removeAll(channels);
    checkUp(); // the last refused channel may be among them
    RedisConnection connection = link.connection();
    if (connection != null && !channels.isEmpty()) {
      connection.send(command(Command.UNSUBSCRIBE, channels));
    }
  }

  @Override
  public Future<Void> close() {
    vertx.cancelTimer(watchdog);
    return link.close();
  }

  /**
   * A new connection: everything wanted now, as one SUBSCRIBE and one PSUBSCRIBE, and the canary on its own, so that
   * a refused channel (Redis refuses the whole command) cannot silence it and make the watchdog drop the connection.
   */
  private Future<?> subscribeAll(RedisConnection connection) {
    connection.handler(this::onPush);
    lastHeardMillis = System.currentTimeMillis();
    confirmed.clear();
    return Future.all(send(connection, new ArrayList<>(wanted)),
        send(connection, List.of(new ChannelMap.Subscription(canary, false))));
  }

  private void lost(Throwable cause) {
    confirmed.clear();
    down(cause);
  }

  private void down(Throwable cause) {
    up = false;
    listener.down(cause);
  }

  /** Up when the canary and every wanted subscription are confirmed; later additions are awaited by the listener. */
  private void checkUp() {
    if (!up && link.connection() != null && allConfirmed()) {
      up = true;
      askAgain.reset();
      listener.up();
    }
  }

  private boolean allConfirmed() {
    return confirmed.contains(canary) && wanted.stream().allMatch(s -> confirmed.contains(s.name()));
  }

  /**
   * A refusal: the service is down until every wanted subscription is accepted, and asks again for those not yet
   * confirmed, each on its own (Redis refuses a whole command for one channel it forbids), with backoff.
   */
  private void refused(String refusal) {
    if (allConfirmed()) {
      return; // what was refused is no longer wanted (a tenant's streams closed within a round trip)
    }
    if (up) {
      down(new IllegalStateException("Redis refused a subscription: " + refusal));
    }
    if (asking) {
      return;
    }
    asking = true;
    vertx.setTimer(askAgain.next(), t -> {
      asking = false;
      RedisConnection connection = link.connection();
      if (connection == null) {
        return; // a new connection asks for everything
      }
      List<ChannelMap.Subscription> missing = new ArrayList<>(wanted);
      missing.add(new ChannelMap.Subscription(canary, false));
      missing.removeIf(s -> confirmed.contains(s.name()));
      missing.forEach(s -> send(connection, List.of(s)));
      checkUp(); // nothing may be missing any more: what was refused was removed meanwhile
    });
  }

  private Future<?> send(RedisConnection connection, List<ChannelMap.Subscription> subscriptions) {
    List<Future<Response>> sent = new ArrayList<>();
    for (boolean pattern : new boolean[] {false, true}) {
      List<String> names = subscriptions.stream().filter(s -> s.pattern() == pattern)
          .map(ChannelMap.Subscription::name).toList();
      if (!names.isEmpty()) {
        sent.add(connection.send(command(pattern ? Command.PSUBSCRIBE : Command.SUBSCRIBE, names)));
      }
    }
    return Future.all(sent);
  }

  private void watch(long now) {
    if (link.connection() == null) {
      return;
    }
    commands.send(Request.cmd(Command.PUBLISH).arg(canary).arg(now));
    if (now - lastHeardMillis > timeoutMillis) {
      LOG.warn("Redis subscriber heard nothing, not even its canary, for {} ms: dropping the connection",
          now - lastHeardMillis);
      link.reset("silent for " + (now - lastHeardMillis) + " ms");
    }
  }

  private void onPush(Response push) {
    lastHeardMillis = System.currentTimeMillis();
    if (push.type() == ResponseType.ERROR) {
      // (P)SUBSCRIBE has no reply of its own: a refusal comes here (NOPERM: the Redis user may not use the channels)
      refusals.warn("refused", "Redis refused a subscription ({}); the events of its channels are not delivered "
          + "until the subscriber asks again and is accepted", push.toString());
      refused(push.toString());
      return;
    }
    if (push.size() < 3) {
      return;
    }
    switch (push.get(0).toString()) {
      case "message" -> {
        if (!push.get(1).toString().equals(canary)) {
          listener.message(null, push.get(1).toString(), push.get(2).toBuffer());
        }
      }
      case "pmessage" -> listener.message(push.get(1).toString(), push.get(2).toString(), push.get(3).toBuffer());
      case "subscribe", "psubscribe" -> {
        String name = push.get(1).toString();
        confirmed.add(name);
        if (!name.equals(canary)) {
          listener.confirmed(name);
        }
        checkUp();
      }
      // a confirmation that came after its channel was removed is taken back by the unsubscribe's answer
      case "unsubscribe", "punsubscribe" -> confirmed.remove(push.get(1).toString());
      default -> { }
    }
  }

  static Request command(Command command, Collection<String> names) {
    Request request = Request.cmd(command);
    names.forEach(request::arg);
    return request;
  }
}
