package dev.tenantcast.auth;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.IdentityProvider;
import dev.tenantcast.testing.IdentityProvider.SigningKey;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.TestService;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tokens verified with the keys of an identity provider's JWKS URL: a real provider (a Vert.x HTTP server on a free
 * port, JDK key pairs, JDK signatures) and the whole service on real Redis, over real HTTP. The service fetches at
 * most once every {@link #MIN_REFRESH_SECONDS}.
 */
@ExtendWith(VertxExtension.class)
class JwksTest {
  private static final int MIN_REFRESH_SECONDS = 2;
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private static IdentityProvider provider;
  private static ServiceFixture fixture;
  private static SigningKey first;

  @BeforeAll
  static void start(Vertx vertx) {
    provider = IdentityProvider.start(vertx);
    first = SigningKey.generate("RS256");
    provider.publish(first);
    fixture = ServiceFixture.start(vertx, jwks(provider.jwksUrl()));
    fixture.service.awaitStats(s -> s.getJsonObject("jwks").getBoolean("ready"), "the JWKS keys loaded");
  }

  @AfterAll
  static void stop() {
    fixture.close();
    provider.close();
  }

  private static JsonObject jwks(String url) {
    return new JsonObject().put("jwt", new JsonObject().put("jwksUrl", url)
        .put("jwksMinRefreshSeconds", MIN_REFRESH_SECONDS));
  }

  /** The status of a stream request with the token; a stream that opens must start with CONNECTED. */
  private static int open(TestService service, String token) {
    try (SseClient stream = SseClient.open(fixture.clients, service.port(), token)) {
      if (stream.status() == 200) {
        assertEquals("CONNECTED", stream.next().type());
      }
      return stream.status();
    }
  }

  private static int open(String token) {
    return open(fixture.service, token);
  }

  /** Polls until the condition holds; answers the milliseconds it took. */
  private static long await(BooleanSupplier condition, String what) {
    long start = System.nanoTime();
    long deadline = start + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return fail("never: " + what);
  }

  private static String metrics() {
    try {
      return WebClient.create(fixture.clients).get(fixture.service.port(), "127.0.0.1", "/metrics").send()
          .await(10, TimeUnit.SECONDS).bodyAsString();
    } catch (Exception e) {
      throw new AssertionError("GET /metrics failed", e);
    }
  }

  private static JsonObject jwksStats() {
    return fixture.service.stats().getJsonObject("jwks");
  }

  /** Sends tokens with a forged kid until the service has tried to fetch again (it does so once per interval). */
  private static void awaitAnotherFetch() {
    long before = jwksStats().getLong("fetches") + jwksStats().getLong("failures");
    SigningKey forged = SigningKey.generate("RS256");
    await(() -> {
      assertEquals(401, open(forged.withKid("forged-" + System.nanoTime()).token("acme")));
      return jwksStats().getLong("fetches") + jwksStats().getLong("failures") > before;
    }, "another fetch of the key set");
  }

  @Test
  void opensStreamsWithRs256Es256AndEdDsaKeys() {
    SigningKey rsa = SigningKey.generate("RS256");
    SigningKey ec = SigningKey.generate("ES256");
    SigningKey ed = SigningKey.generate("EdDSA");
    // as some providers do, the Ed25519 key says neither its use nor its algorithm
    provider.publish(first.jwk(), rsa.jwk(), ec.jwk(), ed.jwk().copy().put("use", null).put("alg", null));
    // the first unknown kid fetches the new set, once the last fetch is MIN_REFRESH_SECONDS old
    await(() -> open(rsa.token("acme")) == 200, "an RS256 token accepted");
    assertEquals(200, open(ec.token("acme")));
    assertEquals(200, open(ed.token("acme")));
    try (SseClient stream = fixture.open(ed.token("globex"))) {
      assertEquals("globex", stream.next().payload().getString("tenant"));
    }
    // A known kid does not make another key's signature good; HS256 with any secret and alg none have no key here.
    assertEquals(401, open(SigningKey.generate("RS256").withKid(rsa.kid()).token("acme")));
    assertEquals(401, open(SigningKey.generate("EdDSA").withKid(ed.kid()).token("acme")));
    assertEquals(401, open(fixture.tokens.forTenant("acme")));
    assertEquals(401, open(Tokens.unsigned("acme")));
  }

  @Test
  void acceptsARotatedKeyAfterAnOnDemandRefresh() {
    provider.publish(first);
    await(() -> open(first.token("acme")) == 200, "the first key accepted");
    SigningKey rotated = SigningKey.generate("ES256");
    provider.publish(rotated);
    long millis = await(() -> open(rotated.token("acme")) == 200, "the rotated key accepted");
    System.out.printf("JWKS rotation: the new key was accepted %d ms after it was published (refresh interval "
        + "at least %d s)%n", millis, MIN_REFRESH_SECONDS);
    assertTrue(millis < (MIN_REFRESH_SECONDS + 5) * 1000L, millis + " ms");
    // the provider dropped the old key: its tokens are refused from the refresh on
    assertEquals(401, open(first.token("acme")));
    provider.publish(first, rotated);
  }

  @Test
  void aFloodOfForgedKidsFetchesTheKeysAtMostOncePerInterval() {
    provider.publish(first);
    await(() -> open(first.token("acme")) == 200, "the first key accepted");
    SigningKey forger = SigningKey.generate("RS256");
    List<String> uris = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      uris.add("/api/sse/dashboard?access_token=" + forger.withKid("forged-" + i).token("acme"));
    }
    // The hardest case: the flood starts when a fetch is allowed again, so its first request does fetch.
    await(() -> provider.millisSinceLastFetch() > MIN_REFRESH_SECONDS * 1000L, "the refresh interval passed");
    long unknownBefore = jwksStats().getLong("unknownKids");
    int fetchesBefore = provider.fetches();
    long start = System.nanoTime();
    List<Future<Http.Reply>> replies = new ArrayList<>();
    uris.forEach(uri -> replies.add(fixture.http.getAsync(uri)));
    try {
      Future.all(replies).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the flood's requests did not complete", e);
    }
    long floodMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    int fetches = provider.fetches() - fetchesBefore;
    replies.forEach(reply -> assertEquals(401, reply.result().status()));
    long allowed = 1 + floodMillis / (MIN_REFRESH_SECONDS * 1000L);
    System.out.printf("JWKS forged-kid flood: 200 requests in %d ms caused %d fetches (at most %d allowed)%n",
        floodMillis, fetches, allowed);
    assertTrue(fetches >= 1 && fetches <= allowed, fetches + " fetches for 200 forged kids in " + floodMillis + " ms");
    assertEquals(unknownBefore + 200, jwksStats().getLong("unknownKids"));
    assertEquals(200, open(first.token("acme")), "the real key still works");
  }

  @Test
  void keepsTheLastGoodKeysWhileTheProviderIsDown() {
    provider.publish(first);
    await(() -> open(first.token("acme")) == 200, "the first key accepted");
    long failures = jwksStats().getLong("failures");
    provider.down(503);
    awaitAnotherFetch();
    assertTrue(jwksStats().getLong("failures") > failures);
    assertTrue(jwksStats().getString("lastFailure").contains("503"), jwksStats().encode());
    assertEquals(200, open(first.token("acme")), "the last good keys stay in use");
    assertEquals(200, fixture.http.get("/ready").status(), "and the instance stays ready");

    // an answer above the size bound is a failure too, and changes nothing: announced or found while reading
    Buffer huge = Buffer.buffer("{\"keys\":[" + "{\"kty\":\"RSA\"},".repeat(60_000) + "{}]}");
    for (boolean inChunks : new boolean[] {false, true}) {
      provider.publish(huge, inChunks);
      awaitAnotherFetch();
      assertTrue(jwksStats().getString("lastFailure").contains("larger than " + JwksCache.MAX_BYTES),
          jwksStats().encode());
      assertEquals(200, open(first.token("acme")));
    }
    provider.publish(first);

    String metrics = metrics();
    for (String meter : new String[] {"tenantcast_jwks_fetches_total\\{.*result=\"failure\".*} [1-9]",
        "tenantcast_jwks_fetches_total\\{.*result=\"success\".*} [1-9]", "tenantcast_jwks_keys(\\{.*})? [1-9]",
        "tenantcast_jwks_unknown_kids_total(\\{.*})? [1-9]"}) {
      assertTrue(Pattern.compile("^" + meter, Pattern.MULTILINE).matcher(metrics).find(), meter + " in " + metrics);
    }
  }

  @Test
  void startsWhileTheProviderIsDownAndServesOnceKeysArrive(Vertx vertx) {
    try (IdentityProvider late = IdentityProvider.start(vertx)) {
      late.down(503);
      TestService service = fixture.startAnother(jwks(late.jwksUrl()));
      Http http = fixture.http(service);
      Http.Reply ready = http.get("/ready");
      assertEquals(503, ready.status());
      assertEquals("DOWN", ready.json().getJsonObject("checks").getString("jwks"));
      SigningKey key = SigningKey.generate("EdDSA");
      Http.Reply refused = http.get("/api/sse/dashboard?access_token=" + key.token("acme"));
      assertEquals(503, refused.status());
      assertEquals("keys_unavailable", refused.json().getString("error"));
      assertTrue(refused.retryAfter() != null);

      late.publish(key);
      long millis = await(() -> http.get("/ready").status() == 200, "ready once the keys arrived");
      System.out.printf("JWKS late provider: ready %d ms after the provider came up%n", millis);
      assertEquals(200, open(service, key.token("acme")));
      assertTrue(late.fetches() >= 2, "a failed first fetch, then a successful one");
    }
  }
}
