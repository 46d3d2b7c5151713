package dev.tenantcast.app;

import dev.tenantcast.redis.LocalRedisServer;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded default: with no Redis configured, the service brings its own and events flow. */
class EmbeddedRedisTest {
  @Test
  void startsItsOwnRedisAndDeliversThroughIt() {
    Vertx clients = Vertx.vertx();
    int redisPort;
    try (TestService service = TestService.start(null)) {
      redisPort = URI.create(service.redisUrl()).getPort();
      assertNotEquals(6379, redisPort, "a free port, not the default one");
      assertTrue(LocalRedisServer.accepts(redisPort));
      Tokens tokens = new Tokens(clients);
      try (SseClient acme = SseClient.open(clients, service.port(), tokens.forTenant("acme"))) {
        acme.next();
        assertEquals(202, new dev.tenantcast.testing.Http(clients, service.port()).postJson("/api/events",
            tokens.forTenant("acme", "publisher"), new JsonObject().put("tenant", "acme")
                .put("type", "DASHBOARD_UPDATE").put("data", new JsonObject().put("via", "embedded")).encode())
            .status());
        assertEquals("embedded", acme.nextContent().payload().getString("via"));
      }
    } finally {
      clients.close();
    }
    assertFalse(LocalRedisServer.accepts(redisPort), "the embedded Redis stops with the service");
  }
}
