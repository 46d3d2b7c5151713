package dev.tenantcast.redis;

import dev.tenantcast.testing.TestRedisCluster;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sharded transport against a real Redis Cluster, below the service: what it tells its listener (the subscriber
 * verticle, which tells the streams) in two cases that the service-level tests cannot stage on cue.
 */
@ExtendWith(VertxExtension.class)
class ShardedSubscriptionsTest {
  private static final long TIMEOUT_SECONDS = 10;
  private static final long REDIS_TIMEOUT_MILLIS = 3000;

  /**
   * A tenant's channel let go and wanted again before Redis has answered (its last stream closed and a new one opened
   * within a round trip). Redis answers the SUNSUBSCRIBE with a {@code sunsubscribe} push, the push it also sends on
   * its own when a slot moves away; taken for a move, it told every stream of the instance that events may have been
   * missed, and made them all replay.
   */
  @Test
  void aChannelLetGoAndWantedAgainWithinARoundTripStaysUpAndDelivers(Vertx vertx) throws Exception {
    String channel = "dashboard-update-{tenant:acme}";
    Recorder recorder = new Recorder(channel);
    try (TestRedisCluster cluster = TestRedisCluster.start()) {
      Context context = vertx.getOrCreateContext();
      ShardedSubscriptions subscriptions = start(vertx, context, cluster, recorder, channel);
      recorder.up.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

      // in one event-loop task, so that both commands leave before Redis answers the first
      context.runOnContext(v -> {
        subscriptions.remove(List.of(channel));
        subscriptions.add(List.of(new ChannelMap.Subscription(channel, false)));
      });
      recorder.confirmedTwice.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // in order: the SUNSUBSCRIBE's answer came first
      assertEquals(List.of(), recorder.downs, "our own SUNSUBSCRIBE's answer is not a slot that moved away");

      cluster.cli(cluster.masterOf(channel), "SPUBLISH", channel, "after");
      assertEquals(channel + " after", recorder.message.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
          "the channel is subscribed again on its master");
      assertEquals(List.of(), recorder.downs);
      System.out.printf("[sharded] %s let go and wanted again in one task: confirmed %d times, %d down, the next "
          + "message delivered%n", channel, recorder.confirmations.get(), recorder.downs.size());
      close(context, subscriptions);
    }
  }

  /**
   * A channel whose slot's master cannot be reached (here it announces a port where nothing listens, as a master
   * behind a wrong {@code cluster-announce-ip} would): a connection that never opens is never lost, so nothing said
   * that the channel's messages were missed, and the service stayed ready.
   */
  @Test
  void aNewChannelOnAMasterThatCannotBeReachedIsReportedDown(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start()) {
      int reachable = cluster.masters().get(0);
      int unreachable = cluster.masters().get(1);
      String here = channelOn(cluster, reachable);
      String there = channelOn(cluster, unreachable);
      int nowhere = closedPort();
      cluster.announcePort(unreachable, nowhere);

      Recorder recorder = new Recorder(here);
      Context context = vertx.getOrCreateContext();
      ShardedSubscriptions subscriptions = start(vertx, context, cluster, recorder, here);
      recorder.up.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long asked = System.nanoTime();
      context.runOnContext(v -> subscriptions.add(List.of(new ChannelMap.Subscription(there, false))));
      Throwable down = recorder.down.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - asked);
      assertTrue(down.getMessage().contains("127.0.0.1:" + nowhere), "the down names the master: " + down);
      System.out.printf("[sharded] %s on a master announced at port %d, where nothing listens: reported down %d ms "
          + "after it was wanted (%s)%n", there, nowhere, detectedMillis, down.getMessage());
      close(context, subscriptions);
    }
  }

  /** What the transport reports, for the test thread. */
  private static final class Recorder implements Subscriptions.Listener {
    final CompletableFuture<Void> up = new CompletableFuture<>();
    final CompletableFuture<Void> confirmedTwice = new CompletableFuture<>();
    final CompletableFuture<String> message = new CompletableFuture<>();
    final CompletableFuture<Throwable> down = new CompletableFuture<>();
    final List<Throwable> downs = new CopyOnWriteArrayList<>();
    final AtomicInteger confirmations = new AtomicInteger();
    private final String counted;

    /** @param counted the channel whose confirmations are counted */
    Recorder(String counted) {
      this.counted = counted;
    }

    @Override
    public void message(String pattern, String channel, Buffer payload) {
      message.complete(channel + " " + payload);
    }

    @Override
    public void confirmed(String channel) {
      if (channel.equals(counted) && confirmations.incrementAndGet() == 2) {
        confirmedTwice.complete(null);
      }
    }

    @Override
    public void up() {
      up.complete(null);
    }

    @Override
    public void down(Throwable cause) {
      downs.add(cause);
      down.complete(cause);
    }
  }

  private static ShardedSubscriptions start(Vertx vertx, Context context, TestRedisCluster cluster,
                                            Recorder recorder, String channel) throws Exception {
    CompletableFuture<ShardedSubscriptions> started = new CompletableFuture<>();
    context.runOnContext(v -> {
      ShardedSubscriptions subscriptions = new ShardedSubscriptions(vertx, cluster.endpoints(),
          "tenantcast:canary:test", 100, 2000, REDIS_TIMEOUT_MILLIS, recorder);
      subscriptions.start();
      subscriptions.add(List.of(new ChannelMap.Subscription(channel, false)));
      started.complete(subscriptions);
    });
    return started.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static void close(Context context, ShardedSubscriptions subscriptions) throws Exception {
    CompletableFuture<Void> closed = new CompletableFuture<>();
    context.runOnContext(v -> subscriptions.close().onComplete(ar -> closed.complete(null)));
    closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** A tenant's channel whose slot the master on {@code port} serves. */
  private static String channelOn(TestRedisCluster cluster, int port) {
    for (int i = 0; ; i++) {
      String channel = "dashboard-update-{tenant:t" + i + "}";
      if (cluster.masterOf(channel) == port) {
        return channel;
      }
    }
  }

  /** A port where nothing listens: bound, then let go. */
  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
