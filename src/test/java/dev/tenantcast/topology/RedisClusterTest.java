package dev.tenantcast.topology;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.LogLines;
import dev.tenantcast.testing.NumberedEvents;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedisCluster;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tenantcast on a real Redis Cluster (3 masters, 3 replicas, started and killed here): sharded pub/sub delivers each
 * tenant's events from the master that owns its slot, over one subscriber connection per master, and follows the
 * cluster when a slot migrates to a new node and when a master dies and its replica takes over. Fault runs print
 * sent / received / lost / duplicated and the times to detect and recover.
 */
@ExtendWith(VertxExtension.class)
class RedisClusterTest {
  private static final int RATE = 50;
  /** The service's default {@code redis.reconnectMaxMillis} (the tests' own is 500): the slower slot map reads. */
  private static final int RECONNECT_MAX_MILLIS = 1000;

  static JsonObject clusterConfig(TestRedisCluster cluster) {
    return new JsonObject()
        .put("redis", new JsonObject().put("mode", "cluster").put("endpoints", new JsonArray(cluster.endpoints()))
            .put("subscriptionMode", "interest"))
        .put("http", new JsonObject().put("publishTimeoutMillis", 2000).put("publishesPerSecondPerToken", 100_000)
            .put("publishesPerSecondPerTenant", 100_000));
  }

  static TestService service(TestRedisCluster cluster) {
    return TestService.start(cluster.endpoints().get(0), clusterConfig(cluster));
  }

  /** With {@code redis.reconnectMaxMillis} set, which also bounds how often an unchanged slot map is read. */
  static TestService service(TestRedisCluster cluster, int reconnectMaxMillis) {
    return TestService.start(cluster.endpoints().get(0), clusterConfig(cluster).put("redis",
        clusterConfig(cluster).getJsonObject("redis").put("reconnectMaxMillis", reconnectMaxMillis)));
  }

  @Test
  void tenantsSpreadOverAllMastersReceiveTheirEventsAndOnlyTheirsOverOneConnectionPerMaster(Vertx vertx) {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService a = service(cluster);
         TestService b = service(cluster); Http httpA = new Http(vertx, a.port());
         Http httpB = new Http(vertx, b.port())) {
      Tokens tokens = new Tokens(vertx);
      Map<String, Integer> tenants = tenantsOnEveryMaster(cluster, 2);
      assertEquals(3, new TreeSet<>(tenants.values()).size(), "the tenants' slots are on all 3 masters");
      List<SseClient> streams = new ArrayList<>();
      Map<SseClient, String> tenantOf = new LinkedHashMap<>();
      try {
        for (String tenant : tenants.keySet()) {
          for (TestService instance : List.of(a, b)) {
            SseClient stream = SseClient.open(vertx, instance.port(), tokens.forTenant(tenant));
            assertEquals("CONNECTED", stream.next().type());
            streams.add(stream);
            tenantOf.put(stream, tenant);
          }
        }
        int perTenant = 5;
        for (int n = 1; n <= perTenant; n++) {
          for (String tenant : tenants.keySet()) {
            Http http = n % 2 == 0 ? httpA : httpB;
            Http.Reply reply = http.postJson("/api/events", tokens.forTenant(tenant, "publisher"),
                new JsonObject().put("tenant", tenant).put("type", "DASHBOARD_UPDATE")
                    .put("data", new JsonObject().put("tenant", tenant).put("n", n)).encode());
            assertEquals(202, reply.status(), String.valueOf(reply.json()));
          }
        }
        assertEquals(202, httpA.postJson("/api/events", tokens.admin(), new JsonObject().put("type", "SYSTEM_ALERT")
            .put("data", new JsonObject().put("level", "warn")).encode()).status());
        for (SseClient stream : streams) {
          String tenant = tenantOf.get(stream);
          // the alerts' channel lives on another shard than the tenant's: its order against the tenant's events is
          // that of two master connections, so the alert may come anywhere among them
          int n = 0;
          int alerts = 0;
          for (int i = 0; i <= perTenant; i++) {
            SseEvent event = stream.nextContent();
            if (event.type().equals("SYSTEM_ALERT")) {
              alerts++;
              continue;
            }
            assertEquals("DASHBOARD_UPDATE", event.type());
            assertEquals(tenant, event.payload().getString("tenant"),
                "a stream of " + tenant + " got only its tenant's events");
            assertEquals(++n, event.payload().getInteger("n"), "in order, none missing");
          }
          assertEquals(1, alerts, "system alerts reach every tenant");
        }
        for (int master : cluster.masters()) {
          assertEquals(2, cluster.shardSubscribers(master),
              "each instance holds one subscriber connection to master " + master + ", not one per channel");
        }
        String first = tenants.keySet().iterator().next();
        String channel = "dashboard-update-{tenant:" + first + "}";
        int owner = cluster.masterOf(channel);
        assertEquals("0", cluster.cli(owner, "PUBSUB", "NUMSUB", channel).split("\n")[1],
            "no classic subscription: classic pub/sub would cross every node");
        assertEquals("2", cluster.cli(owner, "PUBSUB", "SHARDNUMSUB", channel).split("\n")[1],
            "a shard subscription of each instance on the master that owns the slot");

        streams.stream().filter(s -> tenantOf.get(s).equals(first)).forEach(SseClient::close);
        await(() -> cluster.cli(owner, "PUBSUB", "SHARDNUMSUB", channel).endsWith("0"),
            "the tenant's channels unsubscribed once its last stream here closed");
      } finally {
        streams.forEach(SseClient::close);
      }
    }
  }

  @Test
  void theClassicPubSubFallbackForRedis6ClustersDeliversToo(Vertx vertx) {
    try (TestRedisCluster cluster = TestRedisCluster.start();
         TestService service = TestService.start(cluster.endpoints().get(0), clusterConfig(cluster)
             .put("redis", clusterConfig(cluster).getJsonObject("redis").put("clusterPubSub", "classic")
                 .put("subscriptionMode", "pattern")));
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      Map<String, Integer> tenants = tenantsOnEveryMaster(cluster, 1);
      List<SseClient> streams = new ArrayList<>();
      try {
        for (String tenant : tenants.keySet()) {
          SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant(tenant));
          assertEquals("CONNECTED", stream.next().type());
          streams.add(stream);
          assertEquals(202, http.postJson("/api/events", tokens.forTenant(tenant, "publisher"),
              new JsonObject().put("tenant", tenant).put("type", "NOTIFICATION")
                  .put("data", new JsonObject().put("tenant", tenant)).encode()).status());
        }
        int i = 0;
        for (String tenant : tenants.keySet()) {
          SseEvent event = streams.get(i++).nextContent();
          assertEquals(tenant, event.payload().getString("tenant"), "delivered from whichever master owns the slot");
        }
        int subscribedNodes = 0;
        for (int master : cluster.masters()) {
          subscribedNodes += Integer.parseInt(cluster.cli(master, "PUBSUB", "NUMPAT")) > 0 ? 1 : 0;
        }
        assertEquals(1, subscribedNodes, "one classic subscriber connection, to one node, hears every node's PUBLISH");
      } finally {
        streams.forEach(SseClient::close);
      }
    }
  }

  @Test
  void aSlotMigratedToANewNodeDuringDeliveryLosesNothing(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      Watched watched = watch(vertx, service, tokens, "acme");
      NumberedEvents events = watched.events();
      int slot = cluster.slot("{tenant:acme}");
      long[] migratedAt = new long[2];
      int[] newNode = new int[1];
      Thread operator = new Thread(() -> {
        pause(2000);
        newNode[0] = cluster.addMaster();
        migratedAt[0] = System.currentTimeMillis();
        cluster.migrateSlot(slot, newNode[0]);
        migratedAt[1] = System.currentTimeMillis();
        pause(3000);
        stopQuietly(events);
      });
      throughFault(operator, http, tokens, watched);

      NumberedEvents.Figures figures = events.figures();
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      System.out.printf("[cluster] slot %d of acme migrated to a new master during delivery (the operator's steps took "
              + "%d ms): %s; streams told DEGRADED %s, RESTORED %d ms after the migration began%n", slot,
          migratedAt[1] - migratedAt[0], figures, events.first("STATUS", "DEGRADED") != null,
          restored == null ? -1 : restored.atMillis() - migratedAt[0]);
      assertEquals(newNode[0], cluster.masterOf("{tenant:acme}"), "the slot lives on the new master now");
      assertTrue(cluster.shardSubscribers(newNode[0]) >= 1, "the subscription followed the slot");
      assertTrue(figures.accepted() > 200, "the publisher kept publishing: " + figures);
      assertEquals(0, figures.lost(), () -> "every accepted event arrived: " + lostAndTold(events));
      assertEquals(0, figures.duplicated());
      assertEquals(0, figures.deliveredThoughRefused());
    }
  }

  /**
   * The service holds no subscription in the slot of a tenant without streams, so Redis tells it nothing when that slot
   * moves, and its slot map still names the old master when the tenant's first stream comes: the old master refuses
   * the subscription (MOVED), and the refusal must send the subscriber to the new one.
   */
  @Test
  void aTenantWhoseSlotMovedUnnoticedIsSubscribedWhereItsSlotIsNow(Vertx vertx) {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      int slot = cluster.slot("{tenant:late}");
      int oldNode = cluster.masterOf("{tenant:late}");
      int newNode = cluster.addMaster();
      cluster.migrateSlot(slot, newNode);
      SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant("late"));
      try {
        assertEquals("CONNECTED", stream.next().type());
        Http.Reply reply = http.postJson("/api/events", tokens.forTenant("late", "publisher"), new JsonObject()
            .put("tenant", "late").put("type", "DASHBOARD_UPDATE").put("data", new JsonObject().put("n", 1)).encode());
        assertEquals(202, reply.status(), String.valueOf(reply.json()));
        SseEvent event = stream.nextContent();
        assertEquals("DASHBOARD_UPDATE", event.type());
        assertEquals(1, event.payload().getInteger("n"));
        assertTrue(cluster.shardSubscribers(newNode) >= 1, "subscribed on the slot's new master");
        System.out.printf("[cluster] slot %d of a tenant without streams moved from %d to %d unnoticed; its first "
            + "stream got its first event, subscribed on the new master%n", slot, oldNode, newNode);
      } finally {
        stream.close();
      }
    }
  }

  /**
   * A refusal that a new slot map would not change (NOPERM: the Redis user may not use the channel) is logged with
   * Redis's reason, and does not send the subscriber back to read the map, and be refused again, as a MOVED does.
   * The tenant's first stream starts at once, told that delivery is degraded (it used to wait 30 s, then start with
   * no word); once the operator grants the channels, the subscription is asked again and accepted, and it is restored.
   */
  @Test
  void aSubscriptionRefusedForWantOfPermissionIsLoggedNotTakenForAMove(Vertx vertx) throws Exception {
    try (LogLines lines = LogLines.of("dev.tenantcast.redis.ShardedSubscriptions");
         TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      for (int master : cluster.masters()) {
        // the canaries and the alerts stay allowed, the tenants' channels do not
        cluster.cli(master, "ACL", "SETUSER", "default", "resetchannels", "&system-alert*", "&tenantcast:*");
      }
      Tokens tokens = new Tokens(vertx);
      long openedAt = System.currentTimeMillis();
      try (SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant("acme"))) {
        assertEquals("CONNECTED", stream.next().type());
        long connectedMillis = System.currentTimeMillis() - openedAt;
        assertEquals("DEGRADED", stream.nextContent().payload().getString("state"), "told at once");
        ILoggingEvent refusal = lines.await("refused a subscription");
        System.out.printf("[cluster] %s: %s%n", refusal.getLevel(), refusal.getFormattedMessage());
        assertTrue(refusal.getFormattedMessage().contains("NOPERM"), "Redis's reason is in the line");
        assertTrue(refusal.getFormattedMessage().contains("{tenant:acme}"), "so is the channel refused");
        assertEquals(Level.WARN, refusal.getLevel());
        assertFalse(refusal.getFormattedMessage().contains("refreshing the slot map"), "not taken for a move");
        assertEquals(503, http.get("/ready").status(), "not ready while a tenant's channels are refused");

        for (int master : cluster.masters()) {
          cluster.cli(master, "ACL", "SETUSER", "default", "allchannels");
        }
        long grantedAt = System.currentTimeMillis();
        assertEquals("RESTORED", stream.nextContent().payload().getString("state"));
        long restoredMillis = System.currentTimeMillis() - grantedAt;
        Http.Reply reply = http.postJson("/api/events", tokens.forTenant("acme", "publisher"), new JsonObject()
            .put("tenant", "acme").put("type", "NOTIFICATION").put("data", new JsonObject()).encode());
        assertEquals(202, reply.status(), String.valueOf(reply.json()));
        assertEquals("NOTIFICATION", stream.nextContent().type());
        System.out.printf("[cluster] acme's first stream with its channels refused: CONNECTED after %d ms, then "
            + "DEGRADED; channels granted: RESTORED after %d ms, and its event delivered%n", connectedMillis,
            restoredMillis);
      }
    }
  }

  @Test
  void aMasterKilledFailsOverToItsReplicaAndNoEventInHistoryIsLost(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      int victim = cluster.masterOf("{tenant:acme}");
      String bystander = tenantsOnEveryMaster(cluster, 1).entrySet().stream().filter(e -> e.getValue() != victim)
          .findFirst().orElseThrow().getKey();
      Watched watched = watch(vertx, service, tokens, "acme");
      Watched bystanding = watch(vertx, service, tokens, bystander);
      NumberedEvents events = watched.events();
      NumberedEvents otherEvents = bystanding.events();
      List<Integer> readiness = new ArrayList<>();
      long[] killedAt = new long[1];
      long[] healthyAt = new long[1];
      Thread operator = new Thread(() -> {
        pause(2000);
        killedAt[0] = System.currentTimeMillis();
        cluster.kill(victim);
        readiness.add(readyStatus(http, 503));
        cluster.awaitFailover(victim);
        healthyAt[0] = System.currentTimeMillis();
        pause(4000);
        readiness.add(readyStatus(http, 200));
        stopQuietly(events);
        stopQuietly(otherEvents);
      });
      throughFault(operator, http, tokens, watched, bystanding);

      NumberedEvents.Received degraded = events.first("STATUS", "DEGRADED");
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      assertNotNull(degraded, "the streams were told that delivery is degraded");
      assertNotNull(restored, "and that it was restored");
      NumberedEvents.Figures figures = events.figures();
      System.out.printf("[cluster] master %d of acme killed: %s; another tenant's stream: %s; detected after %d ms, "
              + "the cluster promoted the replica after %d ms, deliveries restored %d ms after the kill (%d ms after "
              + "the promotion); /ready during and after: %s%n", victim, figures, otherEvents.figures(),
          degraded.atMillis() - killedAt[0], healthyAt[0] - killedAt[0], restored.atMillis() - killedAt[0],
          restored.atMillis() - healthyAt[0], readiness);
      assertEquals(List.of(503, 200), readiness, "/ready says what is happening");
      assertEquals(0, figures.lost(), "every event written to history arrived");
      assertEquals(0, figures.duplicated());
      // one publish at a time: only the one in flight when the master died can have run there without its answer
      // reaching us (the caller got 503; a retry with the same Idempotency-Key would have been deduplicated)
      assertTrue(figures.deliveredThoughRefused() <= 1, figures.toString());
      assertEquals(0, otherEvents.figures().lost());
      assertEquals(0, otherEvents.figures().duplicated());
      assertTrue(figures.received() > 0 && events.order().get(events.order().size() - 1) > figures.sent() - RATE,
          "deliveries flow again after the failover");
    }
  }

  /**
   * A master lost with its replica, on a cluster told to serve the slots it still covers
   * ({@code cluster-require-full-coverage no}): only that master's tenants may lose anything. Every other tenant keeps
   * publishing, and a tenant's first stream opens (its history read from its own master), for as long as the master is
   * away; its own tenants are refused (503) and told, and recover once it is back.
   */
  @Test
  void aMasterLostWithItsReplicaCostsOnlyItsOwnTenantsWhereTheClusterServesTheRest(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      cluster.serveWithoutFullCoverage();
      Tokens tokens = new Tokens(vertx);
      int victim = cluster.masterOf("{tenant:acme}");
      int replica = cluster.replicaOf(victim);
      Map<String, Integer> others = tenantsElsewhere(cluster, 2, victim);
      String bystander = others.keySet().iterator().next();
      String newcomer = others.keySet().stream().skip(1).findFirst().orElseThrow();
      Watched watched = watch(vertx, service, tokens, "acme");
      Watched bystanding = watch(vertx, service, tokens, bystander);
      NumberedEvents events = watched.events();
      NumberedEvents otherEvents = bystanding.events();
      long[] at = new long[3]; // killed, restarted, healthy again
      List<String> newcomerSaw = new ArrayList<>();
      Thread operator = new Thread(() -> {
        pause(2000);
        at[0] = System.currentTimeMillis();
        killWithItsReplica(cluster, victim, replica, others.get(bystander));
        newcomerSaw.addAll(firstStream(vertx, service, http, tokens, newcomer));
        pause(3000); // the schedule of the outage
        at[1] = System.currentTimeMillis();
        cluster.restart(victim);
        cluster.awaitHealthy();
        at[2] = System.currentTimeMillis();
        pause(3000);
        stopQuietly(events);
        stopQuietly(otherEvents);
      });
      throughFault(operator, http, tokens, watched, bystanding);

      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      NumberedEvents.Figures figures = events.figures();
      NumberedEvents.Figures otherFigures = otherEvents.figures();
      System.out.printf("[cluster] master %d of acme and its replica %d killed, full coverage not required, the "
              + "master restarted %d ms later: acme %s; %s on another master %s; a new tenant's first stream during "
              + "the outage: %s, %s, then %s; acme restored %d ms after the restart (%d ms after the cluster said "
              + "ok), its stream %s%n",
          victim, replica, at[1] - at[0], figures, bystander, otherFigures, newcomerSaw.get(0), newcomerSaw.get(1),
          newcomerSaw.get(2), restored == null ? -1 : restored.atMillis() - at[1],
          restored == null ? -1 : restored.atMillis() - at[2], lostAndTold(events));
      assertUntouched(otherFigures);
      assertEquals("CONNECTED", newcomerSaw.get(0), "a first stream opened on a live master during the outage");
      assertEquals("DEGRADED", newcomerSaw.get(1), "told, as every stream of the instance, that delivery is degraded");
      assertEquals("NOTIFICATION", newcomerSaw.get(2), "and got its event");
      assertTrue(figures.refused() > 0, "the dead master's tenant was refused, not silently dropped: " + figures);
      assertNotNull(events.first("STATUS", "DEGRADED"), "and its streams were told");
      assertNotNull(restored, "and that delivery was restored");
      assertRecovered(events, "deliveries flow again once the master is back");
    }
  }

  /**
   * A master lost with its replica and restarted (empty) serves history reads as soon as it is back: the first read of
   * its slots resumes a stream, though the reader's cluster connection lost its socket to that master. That read
   * used to fail on the connection kept for the other masters, and its retry with it, so a stream that resumed then
   * was refused its replay (UNAVAILABLE), and the streams catching up after the outage were told that events were
   * missed, losing those published between the master's return and their subscription's.
   */
  @Test
  void aRestartedMasterServesTheFirstHistoryReadOfItsSlots(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      cluster.serveWithoutFullCoverage();
      Tokens tokens = new Tokens(vertx);
      int victim = cluster.masterOf("{tenant:acme}");
      Map.Entry<String, Integer> other = tenantsElsewhere(cluster, 1, victim).entrySet().iterator().next();
      // a stream of another master's tenant: its first read opens the reader's connection to every master
      try (SseClient bystander = SseClient.open(vertx, service.port(), tokens.forTenant(other.getKey()))) {
        assertEquals("CONNECTED", bystander.next().type());
        killWithItsReplica(cluster, victim, cluster.replicaOf(victim), other.getValue());
        cluster.restart(victim);
        cluster.awaitHealthy();
        long back = System.currentTimeMillis();
        String first = publishOnceAccepted(http, tokens, "acme");
        String second = publishOnceAccepted(http, tokens, "acme");
        try (SseClient resumed = SseClient.open(vertx, service.port(), "/api/sse/dashboard?access_token="
            + tokens.forTenant("acme"), Http.headers("Last-Event-ID", first + "_0"))) {
          JsonObject resume = resumed.next().payload().getJsonObject("resume");
          SseEvent replayed = resumed.nextContent();
          System.out.printf("[cluster] master %d and its replica killed, the master restarted; %d ms after the "
                  + "cluster said ok, a stream resumed from the restarted master's first event: %s, then %s %s%n",
              victim, System.currentTimeMillis() - back, resume, replayed.type(), replayed.id());
          assertEquals(true, resume.getBoolean("resumed"), "its history was read: " + resume);
          assertEquals(1, resume.getInteger("replayed"));
          assertTrue(replayed.id().startsWith(second + "_"), "the event published after it: " + replayed.id());
        }
      }
    }
  }

  /** Publishes a notification to the tenant, again until it is accepted (10 s at most); its id. */
  static String publishOnceAccepted(Http http, Tokens tokens, String tenant) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (true) {
      Http.Reply reply = http.postJson("/api/events", tokens.forTenant(tenant, "publisher"), new JsonObject()
          .put("tenant", tenant).put("type", "NOTIFICATION").put("data", new JsonObject()).encode());
      if (reply.status() == 202) {
        return reply.json().getString("id");
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("never accepted: " + reply.status() + " " + reply.json());
      }
      pause(50); // polling the publisher's recovery, with a deadline
    }
  }

  /**
   * A master that stops answering without its connections ending (a hung host, a network partition; here SIGSTOP),
   * for less than the cluster's node timeout, so that the cluster does not fail it over: only its own tenants may be
   * refused. Every other tenant keeps publishing, and a first stream opens; the frozen master's tenants are refused
   * (504 at their deadline) or published once it answers again, and their streams are told, then get every accepted
   * event. The frozen master is the first seed: the Vert.x cluster client reads the slot map (every second) from the
   * seeds in order, with no deadline, so it used to hold every tenant's publishes (324 of 702 accepted).
   */
  @Test
  void aFrozenMasterCostsOnlyItsOwnTenantsWhileTheOthersPublish(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      cluster.nodeTimeout(20_000); // longer than the freeze: no failover, as with the default 15 s and a shorter one
      Tokens tokens = new Tokens(vertx);
      // the first seed: the cluster clients read the slot map from it first
      int victim = Integer.parseInt(cluster.endpoints().get(0).substring(cluster.endpoints().get(0).lastIndexOf(':')
          + 1));
      assertTrue(cluster.masters().contains(victim), "the first seed is a master");
      Map<String, Integer> tenants = tenantsOnEveryMaster(cluster, 2);
      String frozen = tenants.entrySet().stream().filter(e -> e.getValue() == victim).findFirst().orElseThrow()
          .getKey();
      List<String> others = tenants.entrySet().stream().filter(e -> e.getValue() != victim).map(Map.Entry::getKey)
          .toList();
      String bystander = others.get(0);
      String newcomer = others.get(1);
      Watched watched = watch(vertx, service, tokens, frozen);
      Watched bystanding = watch(vertx, service, tokens, bystander);
      NumberedEvents events = watched.events();
      NumberedEvents otherEvents = bystanding.events();
      long[] at = new long[2]; // frozen, thawed
      List<String> newcomerSaw = new ArrayList<>();
      Thread operator = new Thread(() -> {
        pause(2000);
        at[0] = System.currentTimeMillis();
        cluster.freeze(victim);
        pause(5000); // beyond the service's timeout (3 s): it has found the master silent
        newcomerSaw.addAll(firstStream(vertx, service, http, tokens, newcomer));
        pause(3000); // the rest of the freeze
        at[1] = System.currentTimeMillis();
        cluster.thaw(victim);
        pause(4000);
        stopQuietly(events);
        stopQuietly(otherEvents);
      });
      throughFault(operator, http, tokens, watched, bystanding);

      NumberedEvents.Figures figures = events.figures();
      NumberedEvents.Figures otherFigures = otherEvents.figures();
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      System.out.printf("[cluster] master %d (the first seed) of %s frozen for %d ms (no failover): %s %s; %s on "
              + "another master %s; a new tenant's first stream during the freeze: %s, %s, then %s; %s restored %d "
              + "ms after the thaw%n", victim, frozen, at[1] - at[0], frozen, figures, bystander, otherFigures,
          newcomerSaw.get(0), newcomerSaw.get(1), newcomerSaw.get(2), frozen,
          restored == null ? -1 : restored.atMillis() - at[1]);
      assertUntouched(otherFigures);
      assertEquals("CONNECTED", newcomerSaw.get(0), "a first stream opened on a live master during the freeze");
      assertEquals("NOTIFICATION", newcomerSaw.get(2), "and got its event");
      assertNotNull(events.first("STATUS", "DEGRADED"), "the frozen master's streams were told");
      assertNotNull(restored, "and that delivery was restored");
      assertRecovered(events, "deliveries flow again once the master answers");
    }
  }

  /**
   * A master frozen for longer than the cluster's node timeout: the cluster fails it over while it still holds its
   * sockets open. Its tenants are served by the promoted replica before the old master wakes up, and every other tenant
   * publishes throughout.
   */
  @Test
  void aFrozenMasterFailedOverIsFollowedToItsReplicaBeforeItWakes(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start(); TestService service = service(cluster);
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      int victim = cluster.masterOf("{tenant:acme}");
      int replica = cluster.replicaOf(victim);
      String bystander = tenantsOnEveryMaster(cluster, 1).entrySet().stream().filter(e -> e.getValue() != victim)
          .findFirst().orElseThrow().getKey();
      Watched watched = watch(vertx, service, tokens, "acme");
      Watched bystanding = watch(vertx, service, tokens, bystander);
      NumberedEvents events = watched.events();
      NumberedEvents otherEvents = bystanding.events();
      long[] at = new long[3]; // frozen, replica promoted, thawed
      Thread operator = new Thread(() -> {
        pause(2000);
        at[0] = System.currentTimeMillis();
        cluster.freeze(victim);
        // asked of the replica itself: a frozen node would not answer redis-cli
        await(() -> cluster.cli(replica, "ROLE").startsWith("master"), "the cluster promoted the replica");
        at[1] = System.currentTimeMillis();
        pause(6000); // the old master stays frozen
        at[2] = System.currentTimeMillis();
        cluster.thaw(victim);
        pause(3000);
        stopQuietly(events);
        stopQuietly(otherEvents);
      });
      throughFault(operator, http, tokens, watched, bystanding);

      NumberedEvents.Figures figures = events.figures();
      NumberedEvents.Figures otherFigures = otherEvents.figures();
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      System.out.printf("[cluster] master %d of acme frozen and failed over: promoted %d ms after the freeze, thawed "
              + "%d ms after; acme %s, restored %d ms after the promotion; %s on another master %s%n", victim,
          at[1] - at[0], at[2] - at[0], figures, restored == null ? -1 : restored.atMillis() - at[1], bystander,
          otherFigures);
      assertUntouched(otherFigures);
      assertNotNull(restored, "acme's streams were told that delivery was restored");
      assertTrue(restored.atMillis() < at[2], "by the promoted replica, before the old master woke up");
      assertRecovered(events, "deliveries flow again");
    }
  }

  /**
   * A slot that no master serves (a resharding left it unassigned): the first stream of a tenant there cannot be
   * subscribed anywhere, and each attempt asks for the slot map again. Once the maps read stop changing, the subscriber
   * reads it at most once per {@code redis.reconnectMaxMillis}, not ten times a second over a new connection each; and
   * once the slot is assigned, the tenant is subscribed there and its events flow.
   */
  @Test
  void aSlotThatNoMasterServesIsAskedAboutCalmlyAndFollowedOnceAssigned(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start();
         TestService service = service(cluster, RECONNECT_MAX_MILLIS);
         Http http = new Http(vertx, service.port())) {
      cluster.serveWithoutFullCoverage(); // only the unassigned slot's tenants are affected
      Tokens tokens = new Tokens(vertx);
      int slot = cluster.slot("{tenant:late}");
      int owner = cluster.masterOfSlot(slot);
      long window = 4000;
      // the steady reads, before the fault (the publisher's cluster client reads the map about once a second)
      long before = cluster.calls("cluster|slots");
      pause(window); // a measuring window
      long steadyReads = cluster.calls("cluster|slots") - before;
      cluster.unassignSlot(slot);
      long unassignedAt = System.currentTimeMillis();
      long reads;
      // the tenant's first stream starts at once, told that its events cannot flow yet (it used to wait 30 s, then
      // start with no word)
      try (SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant("late"))) {
        assertEquals("CONNECTED", stream.next().type());
        long connectedMillis = System.currentTimeMillis() - unassignedAt;
        assertEquals("DEGRADED", stream.nextContent().payload().getString("state"));
        pause(2000); // the subscriber's first, quick reads
        before = cluster.calls("cluster|slots");
        pause(window); // the schedule of the fault: an operator's time to act
        reads = cluster.calls("cluster|slots") - before;
        assertEquals(503, http.get("/ready").status(), "not ready while a wanted channel's slot has no master");
        cluster.assignSlot(slot, owner);
        long assignedAt = System.currentTimeMillis();
        assertEquals("RESTORED", stream.nextContent().payload().getString("state"));
        long restoredMillis = System.currentTimeMillis() - assignedAt;
        // The publisher's cluster client reads the slot map on a schedule of its own (about once a second): until it
        // has, it refuses the slot's publishes with 503, which a publisher retries.
        String notification = new JsonObject().put("tenant", "late").put("type", "NOTIFICATION")
            .put("data", new JsonObject()).encode();
        int refused = 0;
        long deadline = System.currentTimeMillis() + 10_000;
        Http.Reply reply = http.postJson("/api/events", tokens.forTenant("late", "publisher"), notification);
        while (reply.status() == 503 && System.currentTimeMillis() < deadline) {
          refused++;
          pause(100); // a publisher's retry pace
          reply = http.postJson("/api/events", tokens.forTenant("late", "publisher"), notification);
        }
        assertEquals(202, reply.status(), String.valueOf(reply.json()));
        assertEquals("NOTIFICATION", stream.nextContent().type());
        System.out.printf("[cluster] slot %d of a tenant left unassigned: its first stream CONNECTED after %d ms, "
            + "then DEGRADED; slot map read %d times in %d ms (%d before the fault); once assigned, RESTORED after %d "
            + "ms, %d publish(es) refused 503 before the publisher's client read the map, its first event %d ms after "
            + "the assignment%n", slot, connectedMillis, reads, window, steadyReads, restoredMillis, refused,
            System.currentTimeMillis() - assignedAt);
      }
      assertTrue(reads > steadyReads, "the subscriber kept asking");
      // at most once per reconnectMaxMillis more than before (ten a second before it backed off), give or take a read
      // under way at either end of the window
      assertTrue(reads - steadyReads <= window / RECONNECT_MAX_MILLIS + 2, "slot map reads in " + window + " ms: "
          + reads + ", before the fault " + steadyReads);
    }
  }

  /**
   * A master lost together with its replica leaves slots that no master serves: the cluster refuses everything
   * (CLUSTERDOWN) until the master comes back, which may take an operator minutes. Meanwhile the service watches the
   * cluster without hammering it (each slot map read opens a connection), and follows it once it is back: the
   * publisher's connection, kept while it lost a node, is replaced when the master answers again at its old address.
   */
  @Test
  void aClusterDownUntilAnOperatorRestartsAMasterIsWatchedCalmlyAndFollowedOnceBack(Vertx vertx) throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start();
         TestService service = service(cluster, RECONNECT_MAX_MILLIS);
         Http http = new Http(vertx, service.port())) {
      Tokens tokens = new Tokens(vertx);
      int victim = cluster.masterOf("{tenant:acme}");
      int replica = cluster.replicaOf(victim);
      Watched watched = watch(vertx, service, tokens, "acme");
      NumberedEvents events = watched.events();
      long[] at = new long[3]; // killed, restarted, healthy again
      long[] slotMapReads = new long[1];
      int[] publishedBeforeRestart = new int[1];
      long window = 5000;
      Thread operator = new Thread(() -> {
        pause(2000);
        at[0] = System.currentTimeMillis();
        cluster.kill(replica);
        cluster.kill(victim);
        cluster.awaitDown();
        pause(2000); // the subscriber's first, quick reads of the failure
        long before = cluster.calls("cluster|slots");
        pause(window); // the schedule of the outage: an operator's time to act
        slotMapReads[0] = cluster.calls("cluster|slots") - before;
        publishedBeforeRestart[0] = events.published();
        at[1] = System.currentTimeMillis();
        cluster.restart(victim);
        cluster.awaitHealthy();
        at[2] = System.currentTimeMillis();
        pause(3000);
        stopQuietly(events);
      });
      throughFault(operator, http, tokens, watched);

      NumberedEvents.Received degraded = events.first("STATUS", "DEGRADED");
      NumberedEvents.Received restored = events.first("STATUS", "RESTORED");
      NumberedEvents.Figures figures = events.figures();
      boolean told = events.first("ERROR", "EVENTS_MISSED") != null;
      System.out.printf("[cluster] master %d of acme and its replica %d killed, the master restarted (empty) %d ms "
              + "later: %s; detected after %d ms; slot map read %d times in %d ms of the outage; deliveries restored "
              + "%d ms after the restart (%d ms after the cluster said ok); told of missed events: %s; lost numbers %s "
              + "(published before the restart: %d)%n", victim, replica, at[1] - at[0], figures,
          degraded == null ? -1 : degraded.atMillis() - at[0], slotMapReads[0], window,
          restored == null ? -1 : restored.atMillis() - at[1], restored == null ? -1 : restored.atMillis() - at[2],
          told, events.lostNumbers(), publishedBeforeRestart[0]);
      assertNotNull(degraded, "the streams were told that delivery is degraded");
      assertNotNull(restored, "and that it was restored");
      assertTrue(restored.atMillis() > at[1], "restored once the master was back");
      assertTrue(slotMapReads[0] >= 1, "the subscriber kept watching the cluster");
      // each reader at most once a second or so: the subscriptions' watchdog, the publisher's kept connection (its
      // client's slot map cache), and the publisher's new connections (at least reconnectMaxMillis / 2 apart)
      assertTrue(slotMapReads[0] <= 4 * window / RECONNECT_MAX_MILLIS,
          "slot map reads in " + window + " ms: " + slotMapReads[0]);
      // The master restarts empty (the test cluster keeps nothing on disk), and with it the tenant's history: an event
      // it accepted but had not yet pushed to the subscriber when it was killed is gone, and the stream is told so.
      // Every event accepted after the restart arrives.
      assertEquals(List.of(), events.lostNumbers().stream().filter(n -> n > publishedBeforeRestart[0]).toList(),
          "lost: " + events.lostNumbers());
      assertTrue(events.lostNumbers().isEmpty() || told, "a loss is never silent: " + events.lostNumbers());
      assertEquals(0, figures.duplicated());
      assertTrue(events.order().get(events.order().size() - 1) > figures.sent() - RATE,
          "deliveries flow again after the outage");
    }
  }

  /** A tenant's stream watched through a fault, with the numbered events published to the tenant. */
  record Watched(String tenant, SseClient stream, NumberedEvents events) {
  }

  /** A stream of the tenant, read past its CONNECTED, with the numbered events it is to get through a fault. */
  static Watched watch(Vertx vertx, TestService service, Tokens tokens, String tenant) {
    SseClient stream = SseClient.open(vertx, service.port(), tokens.forTenant(tenant));
    assertEquals("CONNECTED", stream.next().type());
    return new Watched(tenant, stream, new NumberedEvents());
  }

  /**
   * Publishes numbered events to each watched tenant while the operator plays its fault (it stops the publishers when
   * it is done), reads each stream until then and 2 s more for what is still on its way, and closes the streams.
   */
  static void throughFault(Thread operator, Http http, Tokens tokens, Watched... watched) throws InterruptedException {
    for (Watched w : watched) {
      w.events().startPublishing(http, tokens.forTenant(w.tenant(), "publisher"), w.tenant(), RATE);
    }
    operator.start();
    List<Thread> readers = new ArrayList<>();
    for (Watched w : watched) {
      Thread reader = new Thread(() -> {
        w.events().read(w.stream(), System.currentTimeMillis() + 60_000, () -> !operator.isAlive());
        w.events().read(w.stream(), System.currentTimeMillis() + 2000);
      });
      reader.start();
      readers.add(reader);
    }
    operator.join();
    for (Thread reader : readers) {
      reader.join();
    }
    for (Watched w : watched) {
      w.stream().close();
    }
  }

  /** Another master's tenant through the fault: every publish accepted, every event delivered once. */
  static void assertUntouched(NumberedEvents.Figures other) {
    assertEquals(0, other.refused(), "the other master's tenant published throughout: " + other);
    assertEquals(0, other.lost());
    assertEquals(0, other.duplicated());
  }

  /** The fault's own tenant: every accepted event arrived once, and deliveries flow again by the end. */
  static void assertRecovered(NumberedEvents events, String flowsAgain) {
    NumberedEvents.Figures figures = events.figures();
    assertEquals(0, figures.lost(), () -> "every accepted event arrived: " + lostAndTold(events));
    assertEquals(0, figures.duplicated());
    assertTrue(events.order().get(events.order().size() - 1) > figures.sent() - RATE, flowsAgain);
  }

  /** The accepted numbers never received, and the notices the stream got. */
  static String lostAndTold(NumberedEvents events) {
    return "lost " + events.lostNumbers() + " of those accepted; told " + events.received().stream()
        .filter(r -> !"HEARTBEAT".equals(r.type()))
        .filter(r -> r.data() == null || !(r.data().getValue("n") instanceof Integer))
        .map(r -> r.data() == null ? r.type() : r.type() + " " + r.data().getString("state", "")
            + r.data().getString("code", "") + " " + r.data().getString("reason", "")).toList();
  }

  /**
   * What a tenant's first stream sees while a master is away (its history is read from Redis, from its own master):
   * its first event, the instance's word on its broker, and the event published to it (or why none came, asserted
   * by the caller once the fault's schedule is over).
   */
  static List<String> firstStream(Vertx vertx, TestService service, Http http, Tokens tokens, String tenant) {
    List<String> saw = new ArrayList<>();
    try (SseClient first = SseClient.open(vertx, service.port(), tokens.forTenant(tenant))) {
      saw.add(first.next().type());
      saw.add(first.nextContent().payload().getString("state"));
      http.postJson("/api/events", tokens.forTenant(tenant, "publisher"), new JsonObject()
          .put("tenant", tenant).put("type", "NOTIFICATION").put("data", new JsonObject()).encode());
      saw.add(first.nextContent().type());
    } catch (AssertionError failed) {
      saw.add(failed.getMessage());
    }
    while (saw.size() < 3) {
      saw.add(null);
    }
    return saw;
  }

  /** Those of {@link #tenantsOnEveryMaster} whose master is not {@code excluded}. */
  static Map<String, Integer> tenantsElsewhere(TestRedisCluster cluster, int perMaster, int excluded) {
    Map<String, Integer> tenants = tenantsOnEveryMaster(cluster, perMaster);
    tenants.values().removeIf(master -> master == excluded);
    return tenants;
  }

  /** Kills a master and its replica, and waits until another master ({@code witness}) says its slots failed. */
  static void killWithItsReplica(TestRedisCluster cluster, int master, int replica, int witness) {
    int slots = cluster.slotsOf(master);
    cluster.kill(replica);
    cluster.kill(master);
    await(() -> cluster.cli(witness, "CLUSTER", "INFO").contains("cluster_slots_fail:" + slots),
        "the cluster marked the master failed");
  }

  /** Tenants named t0, t1, ... chosen so that each master owns the slots of {@code perMaster} of them. */
  static Map<String, Integer> tenantsOnEveryMaster(TestRedisCluster cluster, int perMaster) {
    Map<String, Integer> tenants = new LinkedHashMap<>();
    Map<Integer, Integer> count = new LinkedHashMap<>();
    Set<Integer> masters = Set.copyOf(cluster.masters());
    for (int i = 0; tenants.size() < masters.size() * perMaster && i < 1000; i++) {
      int master = cluster.masterOf("{tenant:t" + i + "}");
      if (count.merge(master, 1, Integer::sum) <= perMaster) {
        tenants.put("t" + i, master);
      }
    }
    return tenants;
  }

  static void await(BooleanSupplier condition, String what) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
      pause(50); // polling Redis's own view, with a deadline
    }
  }

  /** {@code /ready}'s status once it is {@code expected}, or after 5 s, whatever it is then. */
  static int readyStatus(Http http, int expected) {
    long deadline = System.currentTimeMillis() + 5000;
    int status = http.get("/ready").status();
    while (status != expected && System.currentTimeMillis() < deadline) {
      pause(20);
      status = http.get("/ready").status();
    }
    return status;
  }

  static void stopQuietly(NumberedEvents events) {
    try {
      events.stopPublishing();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis); // the schedule of a fault, not a wait for an event
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
