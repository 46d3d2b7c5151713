package dev.tenantcast.hostile;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.RawConnections;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile input, generated: tokens with any claims, tenant ids, channels, payloads, event ids, headers and bodies.
 * Whatever comes in, the service answers without a 5xx, stays healthy, never delivers one tenant's event to another,
 * and every byte it writes to a stream parses, under the WHATWG event-stream rules ({@link SseClient}), into exactly
 * the fields it meant: one {@code id} (content events only) and one {@code data} line holding the event's JSON.
 */
class HostileInputProperties {
  private static final Set<Integer> CLIENT_ERRORS = Set.of(400, 401, 403, 404, 405, 408, 413, 415, 429);
  private static Vertx vertx;
  private static ServiceFixture fixture;
  private static SseClient acme;
  private static SseClient globex;
  private static int marker;

  @BeforeContainer
  static void start() {
    vertx = Vertx.vertx();
    fixture = ServiceFixture.start(vertx, new JsonObject().put("http", new JsonObject()
        .put("publishesPerSecondPerToken", 1_000_000).put("publishesPerSecondPerTenant", 1_000_000)
        .put("publishBytesPerSecondPerTenant", 1_000_000_000).put("maxStreamsPerUser", 1_000)));
    acme = fixture.stream("acme");
    globex = fixture.stream("globex");
  }

  @AfterContainer
  static void stop() {
    acme.close();
    globex.close();
    fixture.close();
    vertx.close();
  }

  /** After every property: still healthy, and both streams still get their own next event, and only that. */
  @AfterProperty
  void stillServing() {
    assertEquals(200, fixture.http.get("/health").status());
    assertEquals(200, fixture.http.get("/ready").status());
    drainUntilMarker(acme, "acme");
    drainUntilMarker(globex, "globex");
  }

  /** Publishes a marker to the tenant and returns every content event the stream saw before it, each checked. */
  private static List<SseEvent> drainUntilMarker(SseClient stream, String tenant) {
    int expected = ++marker;
    fixture.redis.publish("dashboard-update-" + tenant, new JsonObject().put("marker", expected).encode());
    List<SseEvent> before = new ArrayList<>();
    while (true) {
      SseEvent event = stream.nextContent();
      assertWellFramed(event);
      if (event.payload() != null && Integer.valueOf(expected).equals(event.payload().getValue("marker"))) {
        return before;
      }
      before.add(event);
    }
  }

  /** Exactly the intended fields: data once, id once (content events only), nothing else. */
  private static void assertWellFramed(SseEvent event) {
    Map<String, List<String>> fields = event.fields();
    assertTrue(Set.of("id", "data", "retry").containsAll(fields.keySet()), "fields: " + fields.keySet());
    assertEquals(1, fields.get("data").size(), "one data line");
    JsonObject json = event.json();
    assertTrue(Set.of("type", "id", "data", "timestamp").containsAll(json.fieldNames()), json.encode());
    if (fields.containsKey("id")) {
      assertEquals(1, fields.get("id").size());
      assertTrue(event.id().matches("[A-Za-z0-9_.:-]{1,128}"), "id " + event.id());
    }
  }

  // ------------------------------------------------------------------------------------------------ tokens

  @Provide
  Arbitrary<Object> claimValues() {
    long now = System.currentTimeMillis() / 1000;
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12).map(s -> (Object) s),
        Arbitraries.longs().map(l -> (Object) l),
        Arbitraries.longs().between(now - 100, now + 100_000).map(l -> (Object) l),
        Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(true, false).map(b -> (Object) b),
        Arbitraries.just("acme").map(s -> (Object) s),
        Arbitraries.of("admin", "publisher").map(r -> (Object) new JsonArray().add(r)),
        Arbitraries.just(new JsonObject().put("nested", 1)).map(o -> (Object) o),
        Arbitraries.just(JsonObject.of("null", null)).map(o -> o.getValue("null")));
  }

  @Provide
  Arbitrary<String> claims() {
    return Arbitraries.maps(Arbitraries.of("exp", "nbf", "iat", "sub", "tenant", "roles", "iss", "aud"),
        claimValues()).ofMaxSize(8).map(map -> {
          JsonObject json = new JsonObject();
          map.forEach(json::put);
          return json.encode();
        });
  }

  @Property(tries = 150)
  void anySignedClaimsAreAnsweredWithoutServerError(@ForAll("claims") String claims) {
    String token = Tokens.signRaw(claims);
    for (String uri : List.of("/api/sse/dashboard?access_token=", "/api/sse/stats?access_token=")) {
      int status = statusOf(uri + token);
      assertTrue(status == 200 || CLIENT_ERRORS.contains(status), claims + " -> " + status);
    }
  }

  /** The status of a GET, closing a stream at once if it opened one. */
  private static int statusOf(String uri) {
    try (SseClient client = SseClient.open(vertx, fixture.service.port(), uri, null)) {
      return client.status();
    }
  }

  // ------------------------------------------------------------------------------------------------ tenant ids

  @Property(tries = 100)
  void anyTenantParameterOpensOnlyTheTokensOwnTenant(@ForAll("tenantish") String tenant) {
    String uri = "/api/sse/dashboard?tenant=" + java.net.URLEncoder.encode(tenant, StandardCharsets
        .UTF_8) + "&access_token=" + fixture.tokens.forTenant("acme");
    int status = statusOf(uri);
    if (tenant.equals("acme")) {
      assertEquals(200, status);
    } else {
      assertTrue(status == 400 || status == 403, tenant + " -> " + status);
    }
  }

  @Provide
  Arbitrary<String> tenantish() {
    return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(70), Arbitraries.strings().withCharRange('a', 'z')
        .ofMinLength(1).ofMaxLength(8), Arbitraries.of("acme", "globex", "ACME", "acme ", "acme\n", "../acme", "*",
        "acme*", "a".repeat(65)));
  }

  // ------------------------------------------------------------------------------------------------ payloads

  /** A payload, and whether the contract says it must be delivered (true), must not (false), or either (null). */
  record Payload(String text, Boolean mustDeliver) {
    /** The text as it travels (UTF-8): a lone surrogate, which the generators make, travels as '?'. */
    Payload {
      text = new String(text.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    /** Escaped, so that a report shows every character. */
    @Override
    public String toString() {
      return new JsonArray().add(text).encode() + (mustDeliver == null ? "" : mustDeliver ? " (must deliver)"
          : " (must reject)");
    }
  }

  @Provide
  Arbitrary<Payload> payloads() {
    Arbitrary<String> nasty = Arbitraries.strings().withChars("\r\n\u0000\u2028\u2029\"\\:/*<>{}[]a1 é😀")
        .ofMaxLength(20);
    Arbitrary<Object> leaf = Arbitraries.oneOf(nasty.map(s -> (Object) s),
        Arbitraries.integers().map(i -> (Object) i), Arbitraries.doubles().map(d -> (Object) d),
        Arbitraries.of(true, false).map(b -> (Object) b));
    Arbitrary<JsonObject> objects = Arbitraries.maps(nasty, leaf).ofMaxSize(4).map(HostileInputProperties::object);
    Arbitrary<String> valid = Arbitraries.maps(nasty, Arbitraries.oneOf(leaf, objects.map(o -> (Object) o)))
        .ofMaxSize(5).map(map -> object(map).encode());
    Arbitrary<Payload> wrapped = Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(140),
            Arbitraries.strings().withChars("abcXYZ019_.:-").ofMinLength(1).ofMaxLength(128))
        .map(id -> new Payload(new JsonObject().put("@tenantcast", new JsonObject().put("id", id).put("timestamp", 1))
            .put("data", new JsonObject().put("wrapped", true)).encode(), id.matches("[A-Za-z0-9_.:-]{1,128}")));
    Arbitrary<String> garbled = valid.flatMap(json -> Arbitraries.integers().between(0, json.length())
        .flatMap(at -> nasty.map(insert -> json.substring(0, at) + insert + json.substring(at))));
    return Arbitraries.oneOf(valid.map(json -> new Payload(json, true)), wrapped,
        garbled.map(text -> new Payload(text, null)), Arbitraries.strings().ofMaxLength(40).map(t -> new Payload(t,
            null)));
  }

  private static JsonObject object(Map<String, ?> map) {
    JsonObject json = new JsonObject();
    map.forEach(json::put);
    return json;
  }

  @Property(tries = 200)
  void anyPayloadIsDeliveredExactlyOrCountedAndNeverReachesAnotherTenant(@ForAll("payloads") Payload payload,
                                                                         @ForAll("channelTenants") String channel) {
    long rejectedBefore = fixture.service.stats().getJsonObject("messages").getLong("rejected");
    fixture.redis.publish("dashboard-update-" + channel, payload.text());
    Map<String, List<SseEvent>> got = Map.of("acme", drainUntilMarker(acme, "acme"),
        "globex", drainUntilMarker(globex, "globex"));
    got.forEach((tenant, events) -> assertTrue(tenant.equals(channel) || events.isEmpty(),
        tenant + " got an event of channel " + channel + ": " + payload));
    if (!got.containsKey(channel)) {
      return;
    }
    List<SseEvent> delivered = got.get(channel);
    if (delivered.isEmpty()) {
      assertTrue(payload.mustDeliver() != Boolean.TRUE, "lost: " + payload);
      fixture.service.awaitStats(s -> s.getJsonObject("messages").getLong("rejected") > rejectedBefore,
          "the rejection of " + payload + " counted");
      return;
    }
    assertTrue(payload.mustDeliver() != Boolean.FALSE, "delivered what must not be: " + payload);
    assertEquals(1, delivered.size(), "delivered once: " + payload);
    SseEvent event = delivered.get(0);
    JsonObject sent = new JsonObject(payload.text());
    if (sent.getValue("@tenantcast") instanceof JsonObject meta) {
      assertEquals(meta.getString("id"), event.json().getString("id"), "the publisher's id, exactly");
      assertEquals(sent.getJsonObject("data"), event.payload());
    } else {
      assertNotNull(event.id());
      assertEquals(sent, event.payload(), "the payload, exactly: " + payload);
    }
  }

  @Provide
  Arbitrary<String> channelTenants() {
    return Arbitraries.oneOf(Arbitraries.just("acme"), Arbitraries.just("acme"), Arbitraries.just("globex"),
        Arbitraries.strings().ofMaxLength(10), Arbitraries.of("acme-extra", "acm", "ACME", "acme\r\n", ""));
  }

  // ------------------------------------------------------------------------------------------------ headers, bodies

  @Provide
  Arbitrary<String> headerValues() {
    return Arbitraries.oneOf(Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60),
        Arbitraries.of("http://evil.example", "null", "", "*", "1-2-3", "application/json; charset=x",
            "Bearer ", "Bearer a.b.c", "tenantcast_token=" + "x".repeat(50)));
  }

  @Property(tries = 100)
  void anyHeadersAreAnsweredWithoutServerError(@ForAll("headerValues") String origin,
                                               @ForAll("headerValues") String lastEventId,
                                               @ForAll("headerValues") String cookie,
                                               @ForAll("headerValues") String authorization,
                                               @ForAll("headerValues") String contentType) {
    MultiMap headers = Http.headers("Origin", origin, "Last-Event-ID", lastEventId, "Cookie", cookie,
        "Authorization", authorization, "Content-Type", contentType);
    try (SseClient stream = SseClient.open(vertx, fixture.service.port(), "/api/sse/dashboard", headers)) {
      assertTrue(CLIENT_ERRORS.contains(stream.status()), "stream -> " + stream.status());
    }
    int publish = Http.toReply(await(fixture.http.postAsync("/api/events", headers,
        Buffer.buffer("{\"type\":\"NOTIFICATION\",\"data\":{}}")))).status();
    assertTrue(CLIENT_ERRORS.contains(publish), "publish -> " + publish);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.oneOf(payloads().map(p -> ("{\"type\":\"NOTIFICATION\",\"data\":" + p.text() + "}")
            .getBytes(StandardCharsets.UTF_8)),
        payloads().map(p -> p.text().getBytes(StandardCharsets.UTF_8)),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
  }

  @Property(tries = 150)
  void anyPublishBodyIsAcceptedOrRefusedWithAClientError(@ForAll("bodies") byte[] body) {
    String publisher = fixture.tokens.forTenant("acme", "publisher");
    int status = Http.toReply(await(fixture.http.postAsync("/api/events", Http.headers("Authorization",
        "Bearer " + publisher, "Content-Type", "application/json"), Buffer.buffer(body)))).status();
    assertTrue(status == 202 || CLIENT_ERRORS.contains(status), "-> " + status);
    List<SseEvent> got = drainUntilMarker(acme, "acme");
    assertEquals(status == 202 ? 1 : 0, got.size(), "delivered iff accepted");
  }

  @Property(tries = 60)
  void anyRequestBytesAreAnsweredWithoutServerError(@ForAll("requestLines") String request) {
    try (RawConnections raw = new RawConnections(vertx)) {
      raw.open(fixture.service.port(), 1, 1, i -> Buffer.buffer(request.getBytes(
          StandardCharsets.ISO_8859_1)));
      raw.awaitClosed(1, 300);
      String answer = raw.answers().keySet().iterator().next();
      assertTrue(answer.equals("none") || !answer.matches("HTTP/1\\.[01] 5\\d\\d.*"), request + " -> " + answer);
    }
  }

  @Provide
  Arbitrary<String> requestLines() {
    Arbitrary<String> path = Arbitraries.strings().withChars("/%?&=#.:\\ab\u00e9\u0000\r\n").ofMaxLength(30);
    return Arbitraries.oneOf(
        path.map(p -> "GET " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        path.map(p -> "POST /api/events HTTP/1.1\r\nHost: " + p + "\r\nContent-Length: 2\r\n\r\n{}"),
        Arbitraries.strings().ofMaxLength(80).map(s -> s + "\r\n\r\n"),
        Arbitraries.of("GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET /api/sse/dashboard HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n\r\n"));
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.await(Duration.ofSeconds(15).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
