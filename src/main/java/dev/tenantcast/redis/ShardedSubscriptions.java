package dev.tenantcast.redis;

import dev.tenantcast.log.RateLimitedLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sharded pub/sub on Redis Cluster (Redis 7): each wanted shard channel is subscribed (SSUBSCRIBE) on the master that
 * owns its slot, over one connection per such master, so a message crosses only its shard instead of every node. It
 * follows the cluster: a slot that moves away (the master pushes {@code sunsubscribe}), a MOVED answer, or a lost
 * master (failover) refresh the slot map and move the channels to their new masters; a map older than a master's own
 * word (see {@link #heldElsewhere}) is read again instead, for up to the timeout. The slot map is read from one node
 * at a time (the seeds, then every node of the last map), over a connection of its own: any live node knows the whole
 * map, and a cluster client would first need every master it believes in, the dead one included. Each master
 * connection has a canary channel in one of that master's slots, published every third of the timeout: a connection
 * that hears nothing for the whole timeout is dropped. Confined to the subscriber verticle's event loop.
 */
final class ShardedSubscriptions implements Subscriptions {
  private static final Logger LOG = LoggerFactory.getLogger(ShardedSubscriptions.class);
  private static final long MIN_REFRESH_MILLIS = 100;
  private static final long REFUSAL_LOG_MILLIS = 10_000;
  /** Refusals that say the slot map is out of date: a redirect, or a cluster that is changing. */
  private static final List<String> STALE_MAP_REFUSALS = List.of("MOVED", "ASK", "CLUSTERDOWN", "TRYAGAIN");

  private final Vertx vertx;
  /** Nodes to read the slot map from: the seeds first, then those of the last map. */
  private final Set<String> knownNodes = new LinkedHashSet<>();
  private int nextKnownNode;
  private final CanaryNames canaries;
  private final long minBackoffMillis;
  private final long maxBackoffMillis;
  private final long timeoutMillis;
  private final Listener listener;
  private final Set<String> wanted = new LinkedHashSet<>();
  private final Map<String, Node> nodes = new HashMap<>();
  private final Backoff refreshBackoff;
  private final RateLimitedLog refusals = new RateLimitedLog(LOG, REFUSAL_LOG_MILLIS);
  private ClusterSlots slots;
  private boolean refreshing;
  private long lastRefreshMillis;
  /**
   * The least time between two reads of the slot map. While each map read puts every slot where the one before did (a
   * slot that no master serves, a cluster that refuses subscriptions with CLUSTERDOWN), it doubles up to
   * {@code redis.reconnectMaxMillis}: every read opens a connection, and each refusal asks for another. A map that
   * changed, news that slots are moving ({@link #refreshForChange}), or every subscription confirmed set it back.
   */
  private long refreshGapMillis = MIN_REFRESH_MILLIS;
  private boolean refreshPending;
  private boolean slotMapFailing;
  /** When the slot maps read began to contradict a master's confirmed subscription (0: they do not). */
  private long contradictedSinceMillis;
  private boolean up;
  private boolean closed;
  private long watchdog = -1;

  /**
   * One master: its subscriber connection, a client of its own for the canary (so that a failover elsewhere in the
   * cluster, which stalls the cluster client, cannot silence it), the channels it owns of those wanted, and which of
   * them are subscribed.
   */
  private final class Node {
    final String endpoint;
    final RedisLink link;
    final Redis canaryClient;
    final Set<String> channels = new LinkedHashSet<>();
    final Set<String> confirmed = new HashSet<>();
    /**
     * Our SSUBSCRIBEs and SUNSUBSCRIBEs not yet answered, oldest first: Redis answers each (one channel each), in
     * order, with its push or an error. So the answer to our own SUNSUBSCRIBE is told from the master's word that a
     * slot moved away, even when the channel is wanted here again meanwhile (a tenant's last stream closed and a new
     * one opened within a round trip), and a refusal names its channel. Bounded by the commands in flight.
     */
    final Deque<Sent> awaiting = new ArrayDeque<>();
    String canary;
    long lastHeardMillis;
    /** Since when it has had no connection (creation, or the last loss); read only while it has none. */
    long unconnectedSinceMillis = System.currentTimeMillis();

    Node(String endpoint) {
      this.endpoint = endpoint;
      RedisOptions options = new RedisOptions().setConnectionString(endpoint);
      this.link = new RedisLink(vertx, "subscriber " + endpoint, () -> options, minBackoffMillis, maxBackoffMillis,
          timeoutMillis, this::connected, cause -> lost(this, cause));
      this.canaryClient = Redis.createClient(vertx, new RedisOptions().setConnectionString(endpoint)
          .setMaxPoolSize(1).setMaxPoolWaiting(4));
    }

    Future<Void> close() {
      return link.close().eventually(canaryClient::close);
    }

    Future<?> connected(RedisConnection connection) {
      connection.handler(push -> onPush(this, push));
      lastHeardMillis = System.currentTimeMillis();
      confirmed.clear();
      awaiting.clear();
      all().forEach(channel -> subscribe(connection, channel));
      return Future.succeededFuture();
    }

    List<String> all() {
      List<String> all = new ArrayList<>(channels);
      if (canary != null) {
        all.add(canary);
      }
      return all;
    }

    /** Its confirmation, or its refusal (a MOVED when the slot is elsewhere now), comes to {@link #onPush}. */
    void subscribe(RedisConnection connection, String channel) {
      awaiting.add(new Sent(true, channel));
      connection.send(Request.cmd(Command.SSUBSCRIBE).arg(channel));
    }

    /** Stops a channel here: it is no longer wanted, or its slot is elsewhere now. */
    void unsubscribe(String channel) {
      channels.remove(channel);
      confirmed.remove(channel);
      RedisConnection connection = link.connection();
      if (connection != null) {
        awaiting.add(new Sent(false, channel));
        connection.send(Request.cmd(Command.SUNSUBSCRIBE).arg(channel));
      }
    }

    /** Whether a push answers our oldest command in flight (which it then no longer awaits). */
    boolean answers(boolean subscribe, String channel) {
      Sent oldest = awaiting.peek();
      if (oldest != null && oldest.subscribe() == subscribe && oldest.channel().equals(channel)) {
        awaiting.poll();
        return true;
      }
      return false;
    }
  }

  /** A command sent on a master's subscriber connection, awaiting its answer. */
  private record Sent(boolean subscribe, String channel) {
  }

  ShardedSubscriptions(Vertx vertx, List<String> seeds, String canaryPrefix, long minBackoffMillis,
                       long maxBackoffMillis, long timeoutMillis, Listener listener) {
    this.vertx = vertx;
    this.knownNodes.addAll(seeds);
    this.canaries = new CanaryNames(canaryPrefix);
    this.minBackoffMillis = minBackoffMillis;
    this.maxBackoffMillis = maxBackoffMillis;
    this.timeoutMillis = timeoutMillis;
    this.listener = listener;
    this.refreshBackoff = new Backoff(minBackoffMillis, maxBackoffMillis);
  }

  @Override
  public void start() {
    refresh();
    watchdog = vertx.setPeriodic(Math.max(100, timeoutMillis / 3), t -> watch(System.currentTimeMillis()));
  }

  @Override
  public void add(Collection<ChannelMap.Subscription> subscriptions) {
    for (ChannelMap.Subscription subscription : subscriptions) {
      if (subscription.pattern()) {
        throw new IllegalArgumentException("sharded pub/sub has no patterns: " + subscription.name());
      }
      if (wanted.add(subscription.name())) {
        assign(subscription.name());
      }
    }
  }

  @Override
  public void remove(Collection<String> channels) {
    for (String channel : channels) {
      wanted.remove(channel);
      for (Node node : nodes.values()) {
        if (node.channels.contains(channel)) {
          node.unsubscribe(channel);
        }
      }
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    vertx.cancelTimer(watchdog);
    List<Future<Void>> closing = new ArrayList<>();
    nodes.values().forEach(node -> closing.add(node.close()));
    return Future.join(closing).mapEmpty();
  }

  /** Subscribes a channel on the master that owns its slot (once the slot map is known). */
  private void assign(String channel) {
    if (slots == null) {
      return; // assigned when the slot map arrives
    }
    String owner = slots.owner(channel);
    if (owner == null) {
      // A slot that no master serves (a failover under way, or a master lost with its replicas): the channel's events
      // are missed until one does, so the streams are told, and a stream waiting for it starts.
      markDown(new IllegalStateException("no master serves the slot of " + channel));
      refreshSoon();
      return;
    }
    Node node = node(owner);
    if (node.channels.add(channel)) {
      RedisConnection connection = node.link.connection();
      if (connection != null) {
        node.subscribe(connection, channel);
      }
    }
  }

  private Node node(String endpoint) {
    Node node = nodes.get(endpoint);
    if (node == null) {
      node = new Node(endpoint);
      node.canary = canaryFor(endpoint);
      nodes.put(endpoint, node);
      node.link.open();
    }
    return node;
  }

  /** A canary channel in one of this master's slots, or null when it owns none. */
  private String canaryFor(String endpoint) {
    int slot = slots.firstSlotOf(endpoint);
    return slot < 0 ? null : canaries.forSlot(slot);
  }

  /**
   * A refresh, at most one per {@link #refreshGapMillis}: a node may answer from a slot map older than the MOVED
   * that sent us there, and an immediate retry would spin until the cluster agrees.
   */
  private void refreshSoon() {
    long wait = lastRefreshMillis + refreshGapMillis - System.currentTimeMillis();
    if (wait <= 0) {
      refresh();
    } else if (!refreshPending) {
      refreshPending = true;
      vertx.setTimer(wait, t -> {
        refreshPending = false;
        refresh();
      });
    }
  }

  /**
   * A refresh for news that the slots are moving (a MOVED, a slot given up, a lost master): at the least gap again, so
   * that the reads that follow the change are not slowed by the unchanged maps read before it.
   */
  private void refreshForChange() {
    refreshGapMillis = MIN_REFRESH_MILLIS;
    refreshSoon();
  }

  /** Reads the slot map again and moves every channel whose slot has another master now. */
  private void refresh() {
    if (refreshing || closed) {
      return;
    }
    refreshing = true;
    lastRefreshMillis = System.currentTimeMillis();
    readSlots(0);
  }

  /** Asks the next known node; one that fails passes the question on, and a round with no answer backs off. */
  private void readSlots(int asked) {
    List<String> candidates = new ArrayList<>(knownNodes);
    String endpoint = candidates.get(Math.floorMod(nextKnownNode++, candidates.size()));
    RenewingRedis node = new RenewingRedis(vertx, "slot map " + endpoint,
        () -> new RedisOptions().setConnectionString(endpoint).setMaxPoolSize(1), timeoutMillis);
    node.send(Request.cmd(Command.CLUSTER).arg("SLOTS")).onComplete(ar -> {
      node.close();
      if (closed) {
        refreshing = false;
        return;
      }
      if (ar.failed() && asked + 1 < candidates.size()) {
        readSlots(asked + 1);
        return;
      }
      refreshing = false;
      if (ar.failed()) {
        long delay = refreshBackoff.next();
        // once per outage at WARN: during a failover it fails many times a second until the cluster has settled
        if (!slotMapFailing) {
          slotMapFailing = true;
          LOG.warn("Redis Cluster slot map unavailable from every known node ({}); retrying until it is back",
              ar.cause().getMessage());
        } else {
          LOG.debug("Redis Cluster slot map still unavailable ({}); retrying in {} ms", ar.cause().getMessage(),
              delay);
        }
        vertx.setTimer(delay, t -> refresh());
        return;
      }
      if (slotMapFailing) {
        slotMapFailing = false;
        LOG.info("Redis Cluster slot map read again");
      }
      ClusterSlots read = ClusterSlots.of(ar.result());
      knownNodes.addAll(read.nodes());
      String held = heldElsewhere(read);
      long now = System.currentTimeMillis();
      if (held != null && contradictedSinceMillis == 0) {
        contradictedSinceMillis = now;
      }
      if (held != null && now - contradictedSinceMillis < timeoutMillis) {
        LOG.debug("Redis Cluster slot map from {} is older than its masters: {} is still subscribed where the map "
            + "says it is not; asking again", endpoint, held);
        vertx.setTimer(refreshBackoff.next(), t -> refresh());
        return;
      }
      if (held != null) {
        // A master that the cluster replaced but that still answers us (cut off from the others) confirms what no
        // publisher reaches any more: after the timeout, the maps' word wins, and a wrong one is refused with MOVED.
        LOG.warn("Redis Cluster slot maps have put {} elsewhere than the master that confirms it for {} ms: moving "
            + "it as they say", held, now - contradictedSinceMillis);
        markDown(new IllegalStateException("slot maps put " + held + " elsewhere than the master that confirms it"));
      }
      contradictedSinceMillis = 0;
      refreshBackoff.reset();
      refreshGapMillis = read.sameOwners(slots) ? Math.min(maxBackoffMillis, refreshGapMillis * 2) : MIN_REFRESH_MILLIS;
      slots = read;
      rebalance();
    });
  }

  /**
   * A channel that a master still confirms though the map puts its slot elsewhere, or null. Redis drops a slot's shard
   * subscriptions the moment a node gives the slot up (and pushes {@code sunsubscribe}), so such a map is older than
   * that master's word: a node that has not yet heard of a migration still answers with the old owner, and moving the
   * channel back there would leave it unsubscribed everywhere.
   */
  private String heldElsewhere(ClusterSlots read) {
    for (Node node : nodes.values()) {
      for (String channel : node.confirmed) {
        if (!read.owns(node.endpoint, channel)) {
          return channel;
        }
      }
    }
    return null;
  }

  private void rebalance() {
    for (Node node : new ArrayList<>(nodes.values())) {
      for (String channel : new ArrayList<>(node.channels)) {
        if (!slots.owns(node.endpoint, channel)) {
          node.unsubscribe(channel);
        }
      }
      String canary = canaryFor(node.endpoint);
      if (node.channels.isEmpty() || canary == null) {
        nodes.remove(node.endpoint); // no longer a master we need (or no longer a master)
        node.close();
        continue;
      }
      node.canary = canary;
      RedisConnection connection = node.link.connection();
      if (connection != null) {
        // what a slot move unsubscribed, or a MOVED refused, is asked again
        node.all().stream().filter(c -> !node.confirmed.contains(c)).forEach(c -> node.subscribe(connection, c));
      }
    }
    wanted.forEach(this::assign);
    checkUp();
  }

  private void onPush(Node node, Response push) {
    node.lastHeardMillis = System.currentTimeMillis();
    if (push.type() == ResponseType.ERROR) {
      // SSUBSCRIBE and SUNSUBSCRIBE have no reply of their own: a refusal comes here, answering the oldest in flight. A
      // refusal that the map would not change (NOPERM: the Redis user may not use the channel) must not make it read
      // again, in a loop, as a MOVED does.
      Sent refused = node.awaiting.poll();
      String channel = refused == null ? "a channel" : refused.channel();
      String refusal = push.toString();
      if (STALE_MAP_REFUSALS.stream().anyMatch(refusal::startsWith)) {
        LOG.info("Redis Cluster master {} refused {} of {} ({}): refreshing the slot map", node.endpoint,
            refused == null || refused.subscribe() ? "SSUBSCRIBE" : "SUNSUBSCRIBE", channel, refusal);
        if (refusal.startsWith("MOVED") || refusal.startsWith("ASK")) {
          refreshForChange(); // a slot moved: the maps are about to change
        } else {
          refreshSoon(); // the cluster is settling
        }
      } else {
        refusals.warn("refused", "Redis Cluster master {} refused a subscription ({}) to {}; the events of the channel "
            + "are not delivered until the subscriber asks again and is accepted", node.endpoint, refusal, channel);
        if (refused == null || refused.subscribe()) {
          // its events are missed: the streams are told, and it is asked again while down (see watch)
          markDown(new IllegalStateException("subscription to " + channel + " refused: " + refusal));
        }
      }
      return;
    }
    if (push.size() < 3) {
      return;
    }
    String channel = push.get(1).toString();
    switch (push.get(0).toString()) {
      case "smessage" -> {
        if (!channel.equals(node.canary)) {
          listener.message(null, channel, push.get(2).toBuffer());
        }
      }
      case "ssubscribe" -> {
        node.answers(true, channel);
        node.confirmed.add(channel);
        if (!channel.equals(node.canary)) {
          listener.confirmed(channel);
        }
        checkUp();
      }
      case "sunsubscribe" -> {
        node.confirmed.remove(channel);
        if (node.answers(false, channel)) {
          return; // ours: if the channel is wanted here again, its SSUBSCRIBE went after it, and confirms it
        }
        if (node.channels.contains(channel) || channel.equals(node.canary)) {
          // Pushed by the master itself: the slot moved away (resharding, failover). Until the channel is subscribed
          // on its new master its messages are missed, so the streams are told, and replay from history after.
          LOG.info("Redis Cluster moved {} away from {}: refreshing the slot map", channel, node.endpoint);
          markDown(new IllegalStateException("slot of " + channel + " moved away from " + node.endpoint));
          refreshForChange();
        }
      }
      default -> { }
    }
  }

  private void lost(Node node, Throwable cause) {
    node.confirmed.clear();
    node.unconnectedSinceMillis = System.currentTimeMillis();
    markDown(cause);
    refreshForChange(); // a failover moves its slots to a replica
  }

  private void markDown(Throwable cause) {
    if (up) {
      up = false;
      listener.down(cause);
    }
  }

  /** Up when every wanted channel, and each master's canary, is confirmed on the master that owns it. */
  private void checkUp() {
    if (up || slots == null) {
      return;
    }
    for (Node node : nodes.values()) {
      boolean canaryHeard = node.canary == null || node.confirmed.contains(node.canary);
      if (!canaryHeard || !node.confirmed.containsAll(node.channels)) {
        return;
      }
    }
    if (nodes.values().stream().mapToInt(n -> n.channels.size()).sum() == wanted.size()) {
      up = true;
      refreshGapMillis = MIN_REFRESH_MILLIS;
      listener.up();
    }
  }

  private void watch(long now) {
    if (!up) {
      refreshSoon(); // until the cluster has settled (a failover takes the cluster's node timeout, and more)
    }
    for (Node node : nodes.values()) {
      if (node.link.connection() == null) {
        // A master that owns wanted channels and cannot be reached (a new one behind a wrong announced address, say):
        // its channels' messages are missed, and a connection that never opens is never lost, so it is said here.
        long unconnected = now - node.unconnectedSinceMillis;
        if (!node.channels.isEmpty() && unconnected > timeoutMillis) {
          markDown(new IllegalStateException("no connection to " + node.endpoint + " for " + unconnected + " ms"));
        }
        continue;
      }
      if (node.canary == null) {
        continue;
      }
      node.canaryClient.send(Request.cmd(Command.SPUBLISH).arg(node.canary).arg(now));
      if (now - node.lastHeardMillis > timeoutMillis) {
        LOG.warn("Redis Cluster master {} sent nothing, not even its canary, for {} ms: dropping the connection",
            node.endpoint, now - node.lastHeardMillis);
        node.link.reset("silent for " + (now - node.lastHeardMillis) + " ms");
      }
    }
  }
}
