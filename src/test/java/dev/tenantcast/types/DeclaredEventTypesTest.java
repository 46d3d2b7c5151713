package dev.tenantcast.types;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestRedisCluster;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A type declared in configuration ({@code conf/event-types.example.json}: ORDER_SHIPPED of a tenant, MAINTENANCE of
 * everyone) works end to end like a built-in one: from its Redis channel in pattern, interest and sharded mode,
 * through {@code POST /api/events}, into history and back on resume, counted by type; real Redis, real streams.
 */
@ExtendWith(VertxExtension.class)
class DeclaredEventTypesTest {
  private static final Duration QUIET = Duration.ofMillis(300);

  static JsonObject declared() throws Exception {
    return new JsonObject(Files.readString(Path.of("conf/event-types.example.json")));
  }

  private static String post(Http http, String token, String type, JsonObject data, int expected) {
    Http.Reply reply = http.postJson("/api/events", token, new JsonObject().put("type", type).put("data", data)
        .encode());
    assertEquals(expected, reply.status(), String.valueOf(reply.json()));
    return reply.json().getString(expected == 202 ? "id" : "message");
  }

  @Test
  void aDeclaredTypeFlowsFromItsChannelAndTheApiToItsStreamsAndIsCountedByType(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, declared());
         SseClient acme = SseClient.open(vertx, fixture.service.port(), fixture.tokens.forTenant("acme"));
         SseClient globex = fixture.stream("globex")) {
      SseEvent connected = acme.next();
      assertEquals(new JsonObject().put("DASHBOARD_UPDATE", "tenant").put("NOTIFICATION", "tenant")
              .put("SYSTEM_ALERT", "broadcast").put("ORDER_SHIPPED", "tenant").put("MAINTENANCE", "broadcast"),
          connected.payload().getJsonObject("eventTypes"), "CONNECTED names every type with its scope");

      assertEquals(1, fixture.redis.publish("order-shipped-acme", "{\"order\":1}"), "one pattern subscriber");
      SseEvent shipped = acme.nextContent();
      assertEquals("ORDER_SHIPPED", shipped.type());
      assertEquals(1, shipped.payload().getInteger("order"));
      fixture.redis.publish("maintenance", "{\"at\":\"22:00\"}");
      assertEquals("MAINTENANCE", acme.nextContent().type());
      assertEquals("MAINTENANCE", globex.nextContent().type(), "a broadcast type reaches every tenant");

      String publisher = fixture.tokens.forTenant("acme", "publisher");
      post(fixture.http, publisher, "ORDER_SHIPPED", new JsonObject().put("order", 2), 202);
      assertEquals(2, acme.expect(e -> e.type().equals("ORDER_SHIPPED"), "ORDER_SHIPPED").payload()
          .getInteger("order"), "POST /api/events: the tenant is the token's");
      assertEquals("MAINTENANCE needs the role admin",
          post(fixture.http, publisher, "MAINTENANCE", new JsonObject(), 403));
      post(fixture.http, fixture.tokens.admin(), "MAINTENANCE", new JsonObject().put("via", "api"), 202);
      assertEquals("api", acme.nextContent().payload().getString("via"));
      assertEquals("api", globex.nextContent().payload().getString("via"));
      assertEquals("type must be one of DASHBOARD_UPDATE, NOTIFICATION, SYSTEM_ALERT, ORDER_SHIPPED, MAINTENANCE",
          post(fixture.http, publisher, "ORDER_CANCELLED", new JsonObject(), 400));
      assertNull(globex.poll(QUIET), "globex got none of acme's orders");

      JsonObject byType = fixture.service.awaitStats(s -> s.getJsonObject("messages").getJsonObject("byType")
          .getJsonObject("MAINTENANCE").getLong("delivered") == 4, "MAINTENANCE delivered 4 times")
          .getJsonObject("messages").getJsonObject("byType");
      assertEquals(new JsonObject().put("received", 2).put("delivered", 2), byType.getJsonObject("ORDER_SHIPPED"));
      assertEquals(new JsonObject().put("received", 2).put("delivered", 4), byType.getJsonObject("MAINTENANCE"));
      String metrics = fixture.http.send(HttpMethod.GET, "/metrics", null, null).bodyAsString();
      assertTrue(metrics.contains("tenantcast_events_delivered_total{type=\"ORDER_SHIPPED\"} 2.0"), metrics);
      assertTrue(metrics.contains("tenantcast_events_received_total{type=\"MAINTENANCE\"} 2.0"), metrics);
      System.out.println("Declared types counted: " + byType.encode());
    }
  }

  @Test
  void aDeclaredTypeIsKeptInHistoryAndReplayedOnResume(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, declared())) {
      String publisher = fixture.tokens.forTenant("acme", "publisher");
      String last;
      try (SseClient acme = fixture.stream("acme")) {
        post(fixture.http, publisher, "ORDER_SHIPPED", new JsonObject().put("order", 1), 202);
        last = acme.nextContent().id();
      }
      post(fixture.http, publisher, "ORDER_SHIPPED", new JsonObject().put("order", 2), 202);
      post(fixture.http, fixture.tokens.admin(), "MAINTENANCE", new JsonObject().put("at", "22:00"), 202);
      try (SseClient again = fixture.open("/api/sse/dashboard?access_token=" + fixture.tokens.forTenant("acme")
          + "&lastEventId=" + last, null)) {
        JsonObject resume = again.next().payload().getJsonObject("resume");
        assertEquals(true, resume.getBoolean("resumed"), resume.encode());
        assertEquals(2, resume.getInteger("replayed"));
        SseEvent order = again.nextContent();
        assertEquals("ORDER_SHIPPED", order.type());
        assertEquals(2, order.payload().getInteger("order"));
        assertEquals("MAINTENANCE", again.nextContent().type());
      }
    }
  }

  @Test
  void interestModeSubscribesADeclaredTypesChannelOfATenantWhileItHasStreams(Vertx vertx) throws Exception {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, declared()
        .put("redis", new JsonObject().put("subscriptionMode", "interest")))) {
      assertEquals(Set.of("maintenance", "system-alert"), channels(fixture));
      try (SseClient acme = fixture.stream("acme")) {
        assertEquals(Set.of("dashboard-update-acme", "maintenance", "notification-acme", "order-shipped-acme",
            "system-alert"), channels(fixture));
        assertEquals(1, fixture.redis.publish("order-shipped-acme", "{\"order\":3}"));
        assertEquals("ORDER_SHIPPED", acme.nextContent().type());
        assertEquals(1, fixture.redis.publish("maintenance", "{}"));
        assertEquals("MAINTENANCE", acme.nextContent().type());
      }
    }
  }

  @Test
  void onARedisClusterADeclaredTypesChannelCarriesItsTenantsHashTagAndIsShardSubscribed(Vertx vertx)
      throws Exception {
    try (TestRedisCluster cluster = TestRedisCluster.start();
         TestService service = TestService.start(cluster.endpoints().get(0), declared().put("redis", new JsonObject()
             .put("mode", "cluster").put("endpoints", new JsonArray(cluster.endpoints()))
             .put("subscriptionMode", "interest")));
         Http http = new Http(vertx, service.port());
         SseClient acme = SseClient.open(vertx, service.port(), new Tokens(vertx).forTenant("acme"))) {
      assertEquals("CONNECTED", acme.next().type());
      Tokens tokens = new Tokens(vertx);
      String channel = "order-shipped-{tenant:acme}";
      int owner = cluster.masterOf(channel);
      assertEquals(cluster.masterOf("tenantcast:{tenant:acme}:history"), owner, "channel and history: one slot");
      assertEquals("1", cluster.cli(owner, "PUBSUB", "SHARDNUMSUB", channel).split("\n")[1]);
      post(http, tokens.forTenant("acme", "publisher"), "ORDER_SHIPPED", new JsonObject().put("order", 4), 202);
      assertEquals(4, acme.nextContent().payload().getInteger("order"), "published by the script, atomically");
      cluster.cli(owner, "SPUBLISH", channel, "{\"order\":5}");
      assertEquals(5, acme.nextContent().payload().getInteger("order"), "a producer's own SPUBLISH");
      post(http, tokens.admin(), "MAINTENANCE", new JsonObject().put("at", "22:00"), 202);
      assertEquals("MAINTENANCE", acme.nextContent().type());
    }
  }

  private static Set<String> channels(ServiceFixture fixture) {
    Set<String> names = new TreeSet<>();
    for (Response channel : fixture.redis.command(Request.cmd(Command.PUBSUB).arg("CHANNELS"))) {
      if (!channel.toString().startsWith("tenantcast:")) { // the canary and the admin page's figures
        names.add(channel.toString());
      }
    }
    return names;
  }
}
