package dev.tenantcast.redis;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

import java.util.Collection;

/**
 * How the subscriber is connected to Redis: one connection ({@link ConnectionSubscriptions}: standalone, Sentinel), or
 * one per master that owns a wanted channel's slot ({@link ShardedSubscriptions}: Redis Cluster, sharded pub/sub). The
 * subscriber verticle says what it wants; the transport keeps it subscribed across reconnects, failovers and slot
 * moves, notices a Redis that went silent, and reports.
 */
interface Subscriptions {
  /** What a transport reports, on the subscriber verticle's event loop. */
  interface Listener {
    /** A message: {@code pattern} is null unless it came through a pattern subscription. */
    void message(String pattern, String channel, Buffer payload);

    /** A channel's subscription is active: its messages flow from now on. */
    void confirmed(String channel);

    /** Every wanted subscription is active (again). */
    void up();

    /**
     * Messages may be missed from now until {@link #up}: a connection was lost or went silent, or a wanted channel
     * cannot be subscribed for now (Redis refused it, or no cluster master serves its slot).
     */
    void down(Throwable cause);
  }

  void start();

  /** Subscribes (now or after a reconnect), and keeps subscribed. */
  void add(Collection<ChannelMap.Subscription> subscriptions);

  /** Stops wanting these channels. */
  void remove(Collection<String> channels);

  Future<Void> close();
}
