package dev.tenantcast.hostile;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One user, one token or one tenant cannot take what the others need: each limit answers 429 (or 503 for the
 * instance's own limits) with a JSON error and Retry-After, is counted, and leaves everyone else served.
 */
@ExtendWith(VertxExtension.class)
class FairLimitsTest {

  private static String event(String tenant, int bytes) {
    return new JsonObject().put("tenant", tenant).put("type", "DASHBOARD_UPDATE")
        .put("data", new JsonObject().put("pad", "x".repeat(bytes))).encode();
  }

  private static void assertLimited(Http.Reply reply, int status, String code) {
    assertEquals(status, reply.status(), String.valueOf(reply.json()));
    assertEquals(code, reply.json().getString("error"));
    assertNotNull(reply.retryAfter(), "Retry-After");
  }

  @Test
  void oneUserCannotTakeEveryStreamOfItsTenant(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("maxStreamsPerUser", 2)))) {
      String alice = fixture.tokens.sign(Tokens.claims("acme").put("sub", "alice").put("exp", exp()));
      String bob = fixture.tokens.sign(Tokens.claims("acme").put("sub", "bob").put("exp", exp()));
      try (SseClient first = fixture.open(alice); SseClient second = fixture.open(alice)) {
        assertEquals(200, first.status());
        assertEquals(200, second.status());
        Http.Reply third = fixture.http.get("/api/sse/dashboard?access_token=" + alice);
        assertLimited(third, 429, "too_many_streams");
        assertTrue(third.json().getString("message").contains("user"), third.json().getString("message"));
        try (SseClient colleague = fixture.open(bob);
             SseClient admin = fixture.open("/api/sse/dashboard?tenant=acme&access_token=" + fixture.tokens.admin(),
                 null)) {
          assertEquals(200, colleague.status(), "a colleague still gets a stream");
          assertEquals(200, admin.status(), "and so does an admin");
        }
      }
      assertEquals(1, fixture.service.stats().getJsonObject("refusedByLimit").getLong("STREAMS_USER"));
    }
  }

  @Test
  void aTokenThatPublishesTooOftenIsSlowedDownAndOthersAreNot(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("publishesPerSecondPerToken", 5).put("publishesPerSecondPerTenant", 1000)))) {
      String noisy = fixture.tokens.forTenant("acme", "publisher");
      List<Http.Reply> replies = burst(fixture, noisy, "acme", 20, 10);
      long accepted = replies.stream().filter(r -> r.status() == 202).count();
      assertTrue(accepted >= 5 && accepted <= 7, accepted + " of 20 accepted at 5/s");
      assertLimited(replies.stream().filter(r -> r.status() != 202).findFirst().orElseThrow(), 429,
          "too_many_publishes");
      String other = fixture.tokens.sign(Tokens.claims("acme", "publisher").put("sub", "other").put("exp", exp()));
      assertEquals(202, fixture.http.postJson("/api/events", other, event("acme", 10)).status(),
          "another token of the same tenant is not held back");
      assertEquals(20 - accepted, fixture.service.stats().getJsonObject("refusedByLimit")
          .getLong("PUBLISH_RATE_TOKEN"));
    }
  }

  @Test
  void aTenantThatPublishesTooMuchIsSlowedDownAndOthersAreNot(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("maxBodyBytes", 16_384).put("publishesPerSecondPerToken", 1000).put("publishesPerSecondPerTenant", 8)
        .put("publishBytesPerSecondPerTenant", 40_000)))) {
      // By count: many tokens of one tenant share its 8 per second.
      List<Http.Reply> byCount = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        byCount.addAll(burst(fixture, fixture.tokens.forTenant("acme", "publisher"), "acme", 5, 10));
      }
      assertTrue(byCount.stream().filter(r -> r.status() == 202).count() <= 10, "at most ~8 of 20 for acme");
      assertLimited(byCount.stream().filter(r -> r.status() != 202).findFirst().orElseThrow(), 429,
          "too_many_publishes");
      // By bytes: three 15 kB events fill globex's 40 kB per second.
      List<Http.Reply> byBytes = burst(fixture, fixture.tokens.forTenant("globex", "publisher"), "globex", 3, 15_000);
      assertEquals(2, byBytes.stream().filter(r -> r.status() == 202).count(), "two of three 15 kB events fit");
      JsonObject refused = fixture.service.stats().getJsonObject("refusedByLimit");
      assertTrue(refused.getLong("PUBLISH_RATE_TENANT") >= 10, refused.encode());
      assertEquals(1, refused.getLong("PUBLISH_BYTES_TENANT"));
      assertEquals(202, fixture.http.postJson("/api/events", fixture.tokens.forTenant("initech", "publisher"),
          event("initech", 10)).status(), "a third tenant is not held back");
    }
  }

  @Test
  void tooManyPublishesInFlightSayTheInstanceIsBusyNotThatRedisIsDown(Vertx vertx) {
    try (ServiceFixture fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("publishTimeoutMillis", 1000))
        .put("redis", new JsonObject().put("maxPendingPublishes", 1)))) {
      fixture.redis.freeze();
      try {
        // Two at once with room for one in flight: one waits on the frozen Redis until it times out, the other is
        // refused at once as busy.
        List<Http.Reply> replies = burst(fixture, fixture.tokens.forTenant("acme", "publisher"), "acme", 2, 10);
        List<String> codes = replies.stream().map(r -> r.json().getString("error")).sorted().toList();
        assertEquals(List.of("publisher_busy", "publisher_unavailable"), codes);
        replies.forEach(r -> assertLimited(r, 503, r.json().getString("error")));
        assertEquals(1, fixture.service.stats().getJsonObject("refusedByLimit").getLong("PUBLISHES_IN_FLIGHT"));
      } finally {
        fixture.redis.thaw();
      }
    }
  }

  /** Publishes {@code count} events at once with one token and collects the answers. */
  private static List<Http.Reply> burst(ServiceFixture fixture, String token, String tenant, int count, int bytes) {
    List<Future<HttpResponse<Buffer>>> posts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      posts.add(fixture.http.postAsync("/api/events", token, event(tenant, bytes)));
    }
    List<Http.Reply> replies = new ArrayList<>();
    for (Future<HttpResponse<Buffer>> post : posts) {
      try {
        replies.add(Http.toReply(post.await(10, TimeUnit.SECONDS)));
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    return replies;
  }

  private static long exp() {
    return System.currentTimeMillis() / 1000 + 3600;
  }
}
