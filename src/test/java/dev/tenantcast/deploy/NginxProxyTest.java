package dev.tenantcast.deploy;

import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.Nginx;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.TestService;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Debian's nginx, run by the test with deploy/compose/nginx.conf (whose SSE block is README's recommended one, as
 * DeploymentExamplesTest checks), in front of two service instances on one real Redis: what README promises of
 * those settings, through a real nginx.
 *
 * <p>Only what a test must change is changed in the file: the upstream's servers (the two instances' ports), the
 * listen address, the access log's path; {@link Nginx} adds the process directives (one foreground process, pid, error
 * log and temporary files in target/). Two additions, both marked, make the read timeout testable in seconds:
 * <ul>
 *   <li>{@code proxy_read_timeout 2s} at the http level stands in for nginx's default of 60 s (and for any proxy on
 *   the way that closes idle connections early). The instances send a heartbeat every 5 s, so the stand-in is
 *   shorter than the heartbeat interval: the case of README's troubleshooting row "reconnecting every few seconds".
 *   Waiting out the real 60 s default would take minutes and prove nothing more: what matters is which timeout is in
 *   force for the stream, and whether the stream's silences exceed it.</li>
 *   <li>A control server on a second port whose SSE location is README's block without its
 *   {@code proxy_read_timeout} line, so it inherits the 2 s. Its stream is cut by nginx ("upstream timed out") at the
 *   first silence longer than 2 s; the stream through README's block, in the same nginx, stays open across several
 *   heartbeat intervals of 5 s, each a silence longer than the timeout it would otherwise have. That shows README's
 *   line is what keeps streams open, and that the test can see a cut when there is one.</li>
 * </ul>
 * Buffering: the service also sends {@code X-Accel-Buffering: no}, which turns nginx's buffering off for the response
 * by itself; the latency test shows the whole path (README's {@code proxy_buffering off} and the header) delivers
 * each event at once, not that either alone would.
 */
@ExtendWith(VertxExtension.class)
class NginxProxyTest {
  private static final Path NGINX_CONF = Path.of("deploy/compose/nginx.conf");
  private static final int HEARTBEAT_SECONDS = 5;
  private static final int INHERITED_READ_TIMEOUT_SECONDS = 2;
  private static final int LATENCY_EVENTS = 200;
  private static final Duration LATENCY_BOUND = Duration.ofMillis(1000);

  private static ServiceFixture fixture;
  private static TestService second;
  private static Nginx nginx;
  private static int port;
  private static int controlPort;
  private static Http http;

  @BeforeAll
  static void start(Vertx vertx) throws IOException {
    JsonObject overrides = new JsonObject().put("http", new JsonObject().put("heartbeatSeconds", HEARTBEAT_SECONDS));
    fixture = ServiceFixture.start(vertx, overrides);
    second = fixture.startAnother(overrides);
    int[] free = TestService.twoFreePorts();
    port = free[0];
    controlPort = free[1];
    String file = Files.readString(NGINX_CONF);
    nginx = Nginx.start(prefix -> forTest(file, prefix), port, controlPort);
    http = new Http(vertx, port);
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    if (fixture != null) {
      fixture.close();
    }
  }

  /** deploy/compose/nginx.conf with the test's ports and paths, the stand-in timeout and the control server. */
  private static String forTest(String file, Path prefix) {
    Matcher servers = Pattern.compile("(?m)^(\\s*)server tenantcast-\\d+:\\d+;\\n").matcher(file);
    List<String> found = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    while (servers.find()) {
      found.add(servers.group());
      servers.appendReplacement(text, found.size() > 1 ? "" : Matcher.quoteReplacement(
          servers.group(1) + "server 127.0.0.1:" + fixture.service.port() + ";\n"
          + servers.group(1) + "server 127.0.0.1:" + second.port() + ";\n"));
    }
    servers.appendTail(text);
    assertEquals(2, found.size(), "the upstream of nginx.conf names the two instances: " + found);
    String config = text.toString();
    assertEquals(1, count(config, "listen "), "one server in nginx.conf");
    config = replaceOnce(config, "listen 8080;", "listen 127.0.0.1:" + port + ";");
    config = replaceOnce(config, "access_log /dev/stdout tenantcast;",
        "access_log " + prefix.resolve("access.log") + " tenantcast;");
    config = replaceOnce(config, "http {\n", "http {\n    # TEST: stands in for nginx's default of 60 s\n"
        + "    proxy_read_timeout " + INHERITED_READ_TIMEOUT_SECONDS + "s;\n");
    String block = sseLocation(file);
    String withoutTimeout = block.lines().filter(l -> !l.contains("proxy_read_timeout")).map(l -> "        " + l)
        .reduce((a, b) -> a + "\n" + b).orElseThrow();
    assertEquals(block.lines().count() - 1, withoutTimeout.lines().count(), "README's block sets the timeout once");
    int end = config.lastIndexOf('}');
    return config.substring(0, end) + "    # TEST: the control, README's block without its proxy_read_timeout\n"
        + "    server {\n        listen 127.0.0.1:" + controlPort + ";\n\n" + withoutTimeout
        + "\n    }\n" + config.substring(end);
  }

  /** The {@code location /api/sse/ { ... }} block of an nginx configuration, without its indentation. */
  static String sseLocation(String conf) {
    List<String> all = conf.lines().toList();
    int start = -1;
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).strip().startsWith("location /api/sse/ {")) {
        assertEquals(-1, start, "one location /api/sse/");
        start = i;
      }
    }
    assertTrue(start >= 0, "a location /api/sse/ block");
    String indent = all.get(start).substring(0, all.get(start).indexOf('l'));
    for (int end = start + 1; end < all.size(); end++) {
      if (all.get(end).equals(indent + "}")) {
        return String.join("\n", all.subList(start, end + 1).stream()
            .map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l).toList());
      }
    }
    return fail("the location /api/sse/ block is not closed");
  }

  private static int count(String text, String part) {
    return text.split(Pattern.quote(part), -1).length - 1;
  }

  private static String replaceOnce(String text, String part, String replacement) {
    assertEquals(1, count(text, part), "nginx.conf has " + part.strip() + " once");
    return text.replace(part, replacement);
  }

  private static SseClient stream(int through, String uri, io.vertx.core.MultiMap headers) {
    return SseClient.open(fixture.clients, through, uri, headers);
  }

  private static SseClient stream(int through, String tenant) {
    SseClient client = stream(through, "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant(tenant), null);
    assertEquals(200, client.status());
    assertEquals("CONNECTED", client.next().type());
    return client;
  }

  /** Opens streams through nginx until one is on each instance (round robin: the second already is). */
  private static List<SseClient> oneStreamPerInstance(String tenant) {
    List<SseClient> streams = new ArrayList<>();
    Set<String> instances = new HashSet<>();
    for (int attempt = 0; attempt < 8 && instances.size() < 2; attempt++) {
      SseClient client = stream(port, "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant(tenant), null);
      SseEvent connected = client.next();
      if (instances.add(connected.payload().getString("instanceId"))) {
        streams.add(client);
      } else {
        client.close();
      }
    }
    assertEquals(2, streams.size(), "nginx spreads streams over both instances");
    return streams;
  }

  @Test
  void eachEventArrivesThroughNginxAtOnceOnStreamsOfBothInstances() {
    List<SseClient> streams = oneStreamPerInstance("acme");
    try {
      List<Long> latencies = new ArrayList<>(); // microseconds
      for (int n = 0; n < LATENCY_EVENTS; n++) {
        long published = System.nanoTime();
        assertEquals(2, fixture.redis.publish("dashboard-update-acme", new JsonObject().put("n", n).encode()),
            "each instance's subscriber got it");
        for (SseClient stream : streams) {
          // in order and once: a late, duplicated or lost event would show up here as another n
          SseEvent event = stream.nextContent(LATENCY_BOUND);
          long micros = (System.nanoTime() - published) / 1000;
          assertEquals(n, event.payload().getInteger("n"));
          latencies.add(micros);
        }
      }
      List<Long> sorted = latencies.stream().sorted().toList();
      System.out.printf("[nginx] %d events x 2 streams (one per instance), Redis PUBLISH to receipt through nginx:"
          + " p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (bound %d ms)%n", LATENCY_EVENTS,
          sorted.get(sorted.size() / 2) / 1000.0, sorted.get(sorted.size() * 95 / 100) / 1000.0,
          sorted.get(sorted.size() * 99 / 100) / 1000.0, sorted.get(sorted.size() - 1) / 1000.0,
          LATENCY_BOUND.toMillis());
      assertTrue(sorted.get(sorted.size() - 1) <= LATENCY_BOUND.toMillis() * 1000, "every event within the bound");
    } finally {
      streams.forEach(SseClient::close);
    }
  }

  @Test
  void readmesReadTimeoutKeepsStreamsOpenAcrossSilencesThatCutThemWithoutIt() {
    SseClient kept = stream(port, "globex");
    SseClient control = stream(controlPort, "globex");
    try {
      long opened = System.nanoTime();
      long keptLast = opened;
      long controlLast = opened;
      long controlCut = -1;
      long longestKeptSilence = 0;
      int heartbeats = 0;
      long observe = Duration.ofSeconds(HEARTBEAT_SECONDS * 5L / 2).toNanos(); // at least two full heartbeat gaps
      long deadline = opened + Math.max(observe, Duration.ofSeconds(HEARTBEAT_SECONDS + 10).toNanos());
      while (System.nanoTime() < deadline && (controlCut < 0 || System.nanoTime() - opened < observe)) {
        SseEvent event = kept.poll(Duration.ofMillis(20));
        if (event != null) {
          long now = System.nanoTime();
          assertEquals("HEARTBEAT", event.type(), "only heartbeats on this tenant");
          heartbeats++;
          longestKeptSilence = Math.max(longestKeptSilence, now - keptLast);
          keptLast = now;
        }
        if (controlCut < 0) {
          if (control.poll(Duration.ofMillis(20)) != null) {
            controlLast = System.nanoTime();
          } else if (control.ended()) {
            controlCut = System.nanoTime();
          }
        }
        assertFalse(kept.ended(), "the stream through README's block was cut after "
            + (System.nanoTime() - opened) / 1_000_000 + " ms:\n" + nginx.errorLog());
      }
      long keptFor = (System.nanoTime() - opened) / 1_000_000;
      long silenceBeforeCut = (controlCut - controlLast) / 1_000_000;
      System.out.printf("[nginx] inherited proxy_read_timeout %d s, heartbeat %d s: without README's timeout the stream"
          + " was cut after %d ms, %d ms after its last event; with it, open for %d ms across %d heartbeats,"
          + " longest silence %d ms%n", INHERITED_READ_TIMEOUT_SECONDS, HEARTBEAT_SECONDS,
          (controlCut - opened) / 1_000_000, silenceBeforeCut, keptFor, heartbeats, longestKeptSilence / 1_000_000);
      assertTrue(controlCut > 0, "without README's proxy_read_timeout the stream is cut");
      assertTrue(silenceBeforeCut >= INHERITED_READ_TIMEOUT_SECONDS * 1000L - 500
          && silenceBeforeCut < HEARTBEAT_SECONDS * 1000L, "cut by the read timeout, before the next heartbeat: "
          + silenceBeforeCut + " ms");
      assertTrue(nginx.errorLog().contains("upstream timed out"), "nginx says why:\n" + nginx.errorLog());
      assertTrue(heartbeats >= 2, "heartbeats went through: " + heartbeats);
      assertTrue(longestKeptSilence / 1_000_000 > 2 * INHERITED_READ_TIMEOUT_SECONDS * 1000L,
          "the kept stream was silent for longer than the inherited timeout: " + longestKeptSilence / 1_000_000);
    } finally {
      kept.close();
      control.close();
    }
  }

  @Test
  void aStreamResumesThroughNginxWithLastEventIdOnEitherInstance() {
    String publisher = fixture.tokens.forTenant("initech", "publisher");
    SseClient first = stream(port, "initech");
    List<String> ids = new ArrayList<>();
    try {
      for (int n = 0; n < 6; n++) {
        publish(publisher, n);
      }
      for (int n = 0; n < 6; n++) {
        SseEvent event = first.nextContent();
        assertEquals(n, event.payload().getInteger("n"));
        ids.add(event.id());
      }
    } finally {
      first.close();
    }
    for (int n = 6; n < 10; n++) {
      publish(publisher, n); // while the client is away
    }
    Set<String> instances = new HashSet<>();
    for (int attempt = 0; attempt < 6 && (attempt < 2 || instances.size() < 2); attempt++) {
      int from = attempt % ids.size();
      SseClient again = stream(port, "/api/sse/dashboard?access_token=" + fixture.tokens.forTenant("initech"),
          Http.headers("Last-Event-ID", ids.get(from)));
      try {
        SseEvent connected = again.next();
        assertEquals("CONNECTED", connected.type());
        JsonObject resume = connected.payload().getJsonObject("resume");
        assertNotNull(resume, "the Last-Event-ID header reached the service: " + connected.data());
        assertEquals(true, resume.getBoolean("resumed"), resume.encode());
        assertEquals(9 - from, resume.getInteger("replayed"), resume.encode());
        for (int n = from + 1; n < 10; n++) {
          assertEquals(n, again.nextContent().payload().getInteger("n"));
        }
        instances.add(connected.payload().getString("instanceId"));
      } finally {
        again.close();
      }
    }
    System.out.printf("[nginx] Last-Event-ID resumes through nginx replayed what was missed on instances %s%n",
        instances);
    assertEquals(2, instances.size(), "resumed on both instances");
  }

  private static void publish(String token, int n) {
    Http.Reply reply = http.postJson("/api/events", token, new JsonObject().put("type", "NOTIFICATION")
        .put("data", new JsonObject().put("n", n)).encode());
    assertEquals(202, reply.status(), "POST /api/events through nginx: " + reply);
  }

  @Test
  void theAccessLogNamesStreamsButNotTheirTokens() throws InterruptedException {
    String token = fixture.tokens.forTenant("umbrella");
    SseClient client = stream(port, "/api/sse/dashboard?access_token=" + token, null);
    assertEquals("CONNECTED", client.next().type());
    client.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<String> lines = nginx.lines("access.log");
    // nginx writes a request's line when it ends, once it has seen the client go: poll the log
    while (lines.stream().noneMatch(l -> l.contains("GET /api/sse/dashboard")) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      lines = nginx.lines("access.log");
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("GET /api/sse/dashboard")), "streams are logged: " + lines);
    assertTrue(lines.stream().noneMatch(l -> l.contains("access_token") || l.contains(token)),
        "no token in the access log: " + lines);
  }
}
