package dev.tenantcast.redis;

import dev.tenantcast.testing.TestRedisCluster;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The sharded transport against a real Redis Cluster, below the service: what it tells its listener when a tenant's
 * channel is let go and wanted again before Redis has answered (the tenant's last stream closed and a new one opened
 * within a round trip). Redis answers the SUNSUBSCRIBE with a {@code sunsubscribe} push, the same push it sends on its
 * own when a slot moves away; taken for a move, it told every stream of the instance that events may have been missed,
 * and made them all replay.
 */
@ExtendWith(VertxExtension.class)
class ShardedSubscriptionsTest {
  private static final String CHANNEL = "dashboard-update-{tenant:acme}";
  private static final long TIMEOUT_SECONDS = 10;

  @Test
  void aChannelLetGoAndWantedAgainWithinARoundTripStaysUpAndDelivers(Vertx vertx) throws Exception {
    CompletableFuture<Void> up = new CompletableFuture<>();
    CompletableFuture<Void> confirmedAgain = new CompletableFuture<>();
    CompletableFuture<String> message = new CompletableFuture<>();
    AtomicInteger confirmations = new AtomicInteger();
    List<Throwable> downs = new CopyOnWriteArrayList<>();
    Subscriptions.Listener listener = new Subscriptions.Listener() {
      @Override
      public void message(String pattern, String channel, Buffer payload) {
        message.complete(channel + " " + payload);
      }

      @Override
      public void confirmed(String channel) {
        if (channel.equals(CHANNEL) && confirmations.incrementAndGet() == 2) {
          confirmedAgain.complete(null);
        }
      }

      @Override
      public void up() {
        up.complete(null);
      }

      @Override
      public void down(Throwable cause) {
        downs.add(cause);
      }
    };
    try (TestRedisCluster cluster = TestRedisCluster.start()) {
      Context context = vertx.getOrCreateContext();
      CompletableFuture<ShardedSubscriptions> started = new CompletableFuture<>();
      context.runOnContext(v -> {
        ShardedSubscriptions subscriptions = new ShardedSubscriptions(vertx, cluster.endpoints(),
            "tenantcast:canary:test", 100, 2000, 3000, listener);
        subscriptions.start();
        subscriptions.add(List.of(new ChannelMap.Subscription(CHANNEL, false)));
        started.complete(subscriptions);
      });
      ShardedSubscriptions subscriptions = started.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      up.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);

      // in one event-loop task, so that both commands leave before Redis answers the first
      context.runOnContext(v -> {
        subscriptions.remove(List.of(CHANNEL));
        subscriptions.add(List.of(new ChannelMap.Subscription(CHANNEL, false)));
      });
      confirmedAgain.get(TIMEOUT_SECONDS, TimeUnit.SECONDS); // Redis answers in order: the SUNSUBSCRIBE came first
      assertEquals(List.of(), downs, "our own SUNSUBSCRIBE's answer is not a slot that moved away");

      cluster.cli(cluster.masterOf(CHANNEL), "SPUBLISH", CHANNEL, "after");
      assertEquals(CHANNEL + " after", message.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
          "the channel is subscribed again on its master");
      assertEquals(List.of(), downs);
      System.out.printf("[sharded] %s let go and wanted again in one task: confirmed %d times, %d down, the next "
          + "message delivered%n", CHANNEL, confirmations.get(), downs.size());

      CompletableFuture<Void> closed = new CompletableFuture<>();
      context.runOnContext(v -> subscriptions.close().onComplete(ar -> closed.complete(null)));
      closed.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
  }
}
