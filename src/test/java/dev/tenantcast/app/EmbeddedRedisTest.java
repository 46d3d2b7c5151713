package dev.tenantcast.app;

import dev.tenantcast.redis.LocalRedisServer;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded default: with no Redis configured, the service brings its own and events flow. */
@ExtendWith(VertxExtension.class)
class EmbeddedRedisTest {
  @Test
  void startsItsOwnRedisAndDeliversThroughIt(Vertx vertx) {
    int redisPort;
    try (ServiceFixture fixture = ServiceFixture.embedded(vertx, new JsonObject())) {
      redisPort = URI.create(fixture.service.redisUrl()).getPort();
      assertNotEquals(6379, redisPort, "a free port, not the default one");
      assertTrue(LocalRedisServer.accepts(redisPort));
      try (SseClient acme = fixture.stream("acme")) {
        assertEquals(202, fixture.http.postJson("/api/events", fixture.tokens.forTenant("acme", "publisher"),
            new JsonObject().put("tenant", "acme").put("type", "DASHBOARD_UPDATE")
                .put("data", new JsonObject().put("via", "embedded")).encode()).status());
        assertEquals("embedded", acme.nextContent().payload().getString("via"));
      }
    }
    assertFalse(LocalRedisServer.accepts(redisPort), "the embedded Redis stops with the service");
  }
}
