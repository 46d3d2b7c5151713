package dev.tenantcast.http;

import dev.tenantcast.bus.EventJson;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.testing.Http;
import dev.tenantcast.testing.ServiceFixture;
import dev.tenantcast.testing.SseClient;
import dev.tenantcast.testing.SseEvent;
import dev.tenantcast.testing.Tokens;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The API document, {@code openapi/tenantcast.json}, cannot drift from the service: every route of a running service's
 * router is in it and every operation in it is routed; real requests to a live service (a real redis-server, real
 * signed tokens) get only the statuses, media types and error codes the document lists for their operation; an
 * operation needs a token exactly when the document says so; README's error table lists the same codes; and the
 * service serves the document itself.
 */
@ExtendWith(VertxExtension.class)
class OpenApiDocumentTest {
  private static final Path DOCUMENT = Path.of("openapi", "tenantcast.json");
  private static final List<String> METHODS = List.of("get", "head", "post", "put", "delete", "patch", "options");
  private static final String STREAM = "/api/sse/dashboard";
  private static final String EVENTS = "/api/events";
  private static final int MAX_BODY = 4096;

  private static JsonObject document;
  private static ServiceFixture fixture;
  private static int tokenCount;

  @BeforeAll
  static void start(Vertx vertx) throws IOException {
    // Parsed by the service's own strict JSON rule: a duplicate name or a comment would fail here.
    document = EventJson.parseObject(Buffer.buffer(Files.readAllBytes(DOCUMENT)));
    // One stream per user and two publishes per second per token, so that the 429s are reachable; the demo's token
    // desk on, and refusing (the test secret is not the development secret).
    fixture = ServiceFixture.start(vertx, new JsonObject()
        .put("http", new JsonObject().put("maxBodyBytes", MAX_BODY).put("maxStreamsPerUser", 1)
            .put("publishesPerSecondPerToken", 2))
        .put("demo", new JsonObject().put("enabled", true)));
  }

  @AfterAll
  static void stop() {
    fixture.close();
  }

  @Test
  void theDocumentIsOpenApi31AndEveryReferenceResolves() {
    assertTrue(document.getString("openapi").startsWith("3.1."), document.getString("openapi"));
    List<String> refs = new ArrayList<>();
    collectRefs(document, refs);
    assertFalse(refs.isEmpty());
    for (String ref : refs) {
      assertNotNull(resolve(ref), "unresolved " + ref);
    }
    Set<String> ids = new HashSet<>();
    JsonObject schemes = document.getJsonObject("components").getJsonObject("securitySchemes");
    operations().forEach((key, operation) -> {
      assertTrue(ids.add(operation.getString("operationId")), "operationId of " + key + " is unique");
      JsonArray security = operation.getJsonArray("security");
      assertNotNull(security, key + " says whether it needs a token (an empty list: public)");
      for (Object requirement : security) {
        for (String scheme : ((JsonObject) requirement).fieldNames()) {
          assertTrue(schemes.containsKey(scheme), key + " names the security scheme " + scheme);
        }
      }
      assertFalse(operation.getJsonObject("responses").isEmpty(), key + " has responses");
    });
  }

  @Test
  void everyRouteOfTheRunningRouterIsDocumentedAndEveryOperationIsRouted() {
    Set<String> exact = new TreeSet<>();
    Set<String> prefixes = new TreeSet<>();
    for (Route route : runningRouter().getRoutes()) {
      if (route.getPath() == null) {
        continue; // the catch-all 404 and the failure handler: no operation of their own
      }
      assertFalse(route.isRegexPath(), "a regex route cannot be documented as it stands: " + route.getPath());
      Set<HttpMethod> methods = route.methods();
      assertTrue(methods != null && !methods.isEmpty(), "a route for every method: " + route.getPath());
      for (HttpMethod method : methods) {
        (route.isExactPath() ? exact : prefixes).add(method.name() + " " + route.getPath());
      }
    }
    Set<String> documented = operations().keySet();

    Set<String> undocumented = new TreeSet<>(exact);
    undocumented.removeAll(documented);
    assertEquals(Set.of(), undocumented, "routes the document lacks");

    Set<String> unrouted = new TreeSet<>();
    Map<String, Integer> servedByPrefix = new TreeMap<>();
    prefixes.forEach(prefix -> servedByPrefix.put(prefix, 0));
    for (String operation : documented) {
      if (exact.contains(operation)) {
        continue;
      }
      String prefix = prefixes.stream().filter(p -> underPrefix(operation, p)).findFirst().orElse(null);
      if (prefix == null) {
        unrouted.add(operation);
      } else {
        // a catch-all such as the static files would "serve" any path: this one must exist
        String path = operation.substring(operation.indexOf(' ') + 1);
        int status = fixture.http.send(HttpMethod.valueOf(operation.substring(0, operation.indexOf(' '))), path,
            null, null).statusCode();
        assertNotEquals(404, status, operation + " is served by " + prefix);
        servedByPrefix.merge(prefix, 1, Integer::sum);
      }
    }
    assertEquals(Set.of(), unrouted, "documented operations no route serves");
    servedByPrefix.forEach((prefix, count) -> assertTrue(count > 0, "the document names no path of " + prefix));
  }

  @Test
  void everyAnswerOfALiveServiceIsDocumentedForItsOperation() {
    Tokens tokens = fixture.tokens;
    String viewer = tokens.forTenant("acme");
    String admin = tokens.admin();
    List<String> problems = new ArrayList<>();

    check(problems, 401, "GET", STREAM, STREAM, null, null);
    check(problems, 401, "GET", STREAM, STREAM + "?access_token=" + tokens.expired("acme"), null, null);
    check(problems, 401, "GET", STREAM, STREAM, bearer(tokens.signedWithWrongSecret("acme")), null);
    check(problems, 403, "GET", STREAM, STREAM + "?tenant=globex&access_token=" + viewer, null, null);
    check(problems, 400, "GET", STREAM, STREAM, bearer(admin), null);
    check(problems, 400, "GET", STREAM, STREAM + "?tenant=bad.tenant", bearer(admin), null);
    String crowd = token("acme", "crowd");
    try (SseClient first = SseClient.open(fixture.clients, fixture.http.port(), crowd)) {
      assertEquals("CONNECTED", first.next().type());
      check(problems, 429, "GET", STREAM, STREAM, bearer(crowd), null);
    }
    try (SseClient stream = fixture.open(viewer)) {
      checkStream(problems, stream);
    }

    String event = "{\"type\":\"NOTIFICATION\",\"data\":{\"text\":\"documented\"}}";
    check(problems, 401, "POST", EVENTS, EVENTS, json(null), event);
    check(problems, 403, "POST", EVENTS, EVENTS, json(viewer), event);
    check(problems, 403, "POST", EVENTS, EVENTS, json(publisher()),
        "{\"tenant\":\"globex\",\"type\":\"NOTIFICATION\",\"data\":{}}");
    check(problems, 403, "POST", EVENTS, EVENTS, json(publisher()), "{\"type\":\"SYSTEM_ALERT\",\"data\":{}}");
    check(problems, 400, "POST", EVENTS, EVENTS, json(publisher()), "not json");
    check(problems, 400, "POST", EVENTS, EVENTS, json(publisher()), "{\"type\":\"HEARTBEAT\",\"data\":{}}");
    check(problems, 413, "POST", EVENTS, EVENTS, json(publisher()),
        "{\"type\":\"NOTIFICATION\",\"data\":{\"blob\":\"" + "x".repeat(MAX_BODY) + "\"}}");
    check(problems, 415, "POST", EVENTS, EVENTS,
        Http.headers("Cookie", "tenantcast_token=" + publisher(), "Content-Type", "text/plain"), event);
    check(problems, 202, "POST", EVENTS, EVENTS, json(publisher()), event);
    check(problems, 202, "POST", EVENTS, EVENTS, json(publisher()),
        "{\"tenant\":\"acme\",\"type\":\"DASHBOARD_UPDATE\",\"data\":{\"cpu\":42}}");
    check(problems, 202, "POST", EVENTS, EVENTS, json(admin), "{\"type\":\"SYSTEM_ALERT\",\"data\":{}}");
    String hasty = publisher();
    HttpResponse<Buffer> overRate = null;
    for (int i = 0; i < 10 && (overRate == null || overRate.statusCode() != 429); i++) {
      overRate = fixture.http.send(HttpMethod.POST, EVENTS, json(hasty), event);
    }
    verify(problems, 429, "POST " + EVENTS, EVENTS, overRate);

    check(problems, 401, "GET", "/api/sse/stats", "/api/sse/stats", null, null);
    check(problems, 403, "GET", "/api/sse/stats", "/api/sse/stats", bearer(viewer), null);
    check(problems, 200, "GET", "/api/sse/stats", "/api/sse/stats", bearer(admin), null);

    for (String path : List.of("/health", "/ready")) {
      check(problems, 200, "GET", path, path, null, null);
      check(problems, 200, "HEAD", path, path, null, null);
    }
    for (String path : List.of("/metrics", "/openapi.json", "/", "/tenantcast-client.js", "/tenantcast-client.d.ts",
        "/api/demo/tenants")) {
      check(problems, 200, "GET", path, path, null, null);
    }
    check(problems, 403, "POST", "/api/demo/token", "/api/demo/token", json(null), "{\"tenant\":\"acme\"}");

    assertEquals(List.of(), problems);
  }

  @Test
  void theAnswersOfAServiceWithoutRedisAreDocumented(Vertx vertx) {
    try (ServiceFixture isolated = ServiceFixture.start(vertx)) {
      List<String> problems = new ArrayList<>();
      // the demo is off by default
      check(isolated, problems, 404, "GET", "/api/demo/tenants", "/api/demo/tenants", null, null);
      check(isolated, problems, 404, "POST", "/api/demo/token", "/api/demo/token", json(null), "{\"tenant\":\"a\"}");
      isolated.redis.kill();
      isolated.service.awaitStats(s -> !s.getJsonObject("broker").getBoolean("publisherConnected")
          && !s.getJsonObject("broker").getBoolean("subscribed"), "Redis down");
      String event = "{\"type\":\"NOTIFICATION\",\"data\":{}}";
      check(isolated, problems, 503, "POST", EVENTS, EVENTS, json(isolated.tokens.forTenant("acme", "publisher")),
          event);
      check(isolated, problems, 503, "GET", "/ready", "/ready", null, null);
      check(isolated, problems, 503, "HEAD", "/ready", "/ready", null, null);
      assertEquals(List.of(), problems);
    }
  }

  @Test
  void anOperationNeedsATokenExactlyWhenTheDocumentSaysSo() {
    operations().forEach((key, operation) -> {
      String method = key.substring(0, key.indexOf(' '));
      String path = key.substring(key.indexOf(' ') + 1);
      boolean post = method.equals("POST");
      int status = fixture.http.send(HttpMethod.valueOf(method), path, post ? json(null) : null, post ? "{}" : null)
          .statusCode();
      if (operation.getJsonArray("security").isEmpty()) {
        assertNotEquals(401, status, key + " is public");
      } else {
        assertEquals(401, status, key + " needs a token");
      }
    });
  }

  @Test
  void theStreamsEventTypesAreTheBuiltInTypesAndTheDeclaredTypesPattern() {
    JsonArray anyOf = document.getJsonObject("components").getJsonObject("schemas").getJsonObject("StreamEvent")
        .getJsonObject("properties").getJsonObject("type").getJsonArray("anyOf");
    Set<String> expected = new TreeSet<>();
    for (MessageType type : MessageType.builtIn()) {
      expected.add(type.name());
    }
    assertEquals(expected, new TreeSet<>(anyOf.getJsonObject(0).getJsonArray("enum").getList()));
    assertEquals("^" + MessageType.NAME.pattern() + "$", anyOf.getJsonObject(1).getString("pattern"));
    JsonArray publishable = document.getJsonObject("components").getJsonObject("schemas")
        .getJsonObject("PublishRequest").getJsonArray("oneOf");
    for (int i = 0; i < publishable.size(); i++) {
      assertEquals("^" + MessageType.NAME.pattern() + "$", publishable.getJsonObject(i).getJsonObject("properties")
          .getJsonObject("type").getString("pattern"));
    }
  }

  @Test
  void readmesErrorTableListsTheDocumentsErrorCodes() throws IOException {
    Map<String, Set<String>> readme = new TreeMap<>();
    Pattern row = Pattern.compile("^\\| (\\d{3}) \\| (`[a-z_]+`(?:, `[a-z_]+`)*) \\|");
    for (String line : Files.readAllLines(Path.of("README.md"))) {
      Matcher matcher = row.matcher(line);
      if (matcher.find()) {
        Set<String> codes = readme.computeIfAbsent(matcher.group(1), k -> new TreeSet<>());
        for (String code : matcher.group(2).split(", ")) {
          codes.add(code.replace("`", ""));
        }
      }
    }
    Map<String, Set<String>> documented = new TreeMap<>();
    operations().forEach((key, operation) -> operation.getJsonObject("responses").forEach(response -> {
      Set<String> codes = errorCodes(deref((JsonObject) response.getValue()));
      if (!codes.isEmpty()) {
        documented.computeIfAbsent(response.getKey(), k -> new TreeSet<>()).addAll(codes);
      }
    }));
    assertEquals(readme, documented, "README's error table and the document's error codes, by status");
  }

  @Test
  void theServiceServesTheDocumentCacheably() throws IOException {
    HttpResponse<Buffer> served = fixture.http.send(HttpMethod.GET, "/openapi.json", null, null);
    assertEquals(200, served.statusCode());
    assertEquals(new JsonObject(Files.readString(DOCUMENT)), served.bodyAsJsonObject());
    assertTrue(served.getHeader("Content-Type").startsWith("application/json"));
    assertTrue(served.getHeader("Cache-Control").contains("public"), served.getHeader("Cache-Control"));
    assertEquals("*", served.getHeader("Access-Control-Allow-Origin"));
    String etag = served.getHeader("ETag");
    assertNotNull(etag);
    HttpResponse<Buffer> again = fixture.http.send(HttpMethod.GET, "/openapi.json", Http.headers("If-None-Match",
        etag), null);
    assertEquals(304, again.statusCode());
    assertEquals(0, again.body() == null ? 0 : again.body().length());
  }

  // --- the live checks

  private static void check(List<String> problems, int expected, String method, String path, String uri,
                            MultiMap headers, String body) {
    check(fixture, problems, expected, method, path, uri, headers, body);
  }

  /** Sends the request; whatever it answers must be documented for the operation, and be what the test meant. */
  private static void check(ServiceFixture service, List<String> problems, int expected, String method, String path,
                            String uri, MultiMap headers, String body) {
    verify(problems, expected, method + " " + path, uri, service.http.send(HttpMethod.valueOf(method), uri, headers,
        body));
  }

  private static void verify(List<String> problems, int expected, String key, String uri,
                             HttpResponse<Buffer> response) {
    if (response.statusCode() != expected) {
      problems.add(key + " (" + uri.replaceAll("access_token=[^&]*", "access_token=...") + "): expected "
          + expected + " but got " + response.statusCode() + " " + response.bodyAsString());
    }
    JsonObject errorBody = null;
    try {
      errorBody = response.body() == null ? null : response.bodyAsJsonObject();
    } catch (RuntimeException notJson) {
      // a page, a script, metrics
    }
    String problem = undocumented(key, response.statusCode(), key.startsWith("HEAD ") ? null
        : response.getHeader("Content-Type"), response.getHeader("Retry-After") != null,
        errorBody == null ? null : errorBody.getString("error"));
    if (problem != null) {
      problems.add(problem);
    }
  }

  private static void checkStream(List<String> problems, SseClient stream) {
    String problem = undocumented("GET " + STREAM, stream.status(), stream.header("Content-Type"), false, null);
    if (problem != null) {
      problems.add(problem);
    }
    SseEvent connected = stream.next();
    JsonObject schemas = document.getJsonObject("components").getJsonObject("schemas");
    JsonArray types = schemas.getJsonObject("StreamEvent").getJsonObject("properties").getJsonObject("type")
        .getJsonArray("anyOf").getJsonObject(0).getJsonArray("enum");
    if (!types.contains(connected.type()) || !"CONNECTED".equals(connected.type())) {
      problems.add("the stream started with " + connected.data());
    }
    for (Object field : schemas.getJsonObject("ConnectedData").getJsonArray("required")) {
      if (!connected.payload().containsKey((String) field)) {
        problems.add("CONNECTED lacks the documented " + field + ": " + connected.data());
      }
    }
  }

  /** Why an answer is not what the document lists for the operation, or null when it is. */
  private static String undocumented(String key, int status, String contentType, boolean retryAfter,
                                     String errorCode) {
    JsonObject operation = operations().get(key);
    if (operation == null) {
      return key + " is not in the document";
    }
    JsonObject responses = operation.getJsonObject("responses");
    if (!responses.containsKey(String.valueOf(status))) {
      return key + " answered " + status + ", which the document does not list";
    }
    JsonObject response = deref(responses.getJsonObject(String.valueOf(status)));
    JsonObject content = response.getJsonObject("content");
    if (content != null && contentType != null) {
      String type = contentType.split(";")[0].trim();
      if (!content.containsKey(type) && !content.containsKey("*/*")) {
        return key + " " + status + " answered " + type + ", the document lists " + content.fieldNames();
      }
    }
    if (retryAfter && (response.getJsonObject("headers") == null
        || !response.getJsonObject("headers").containsKey("Retry-After"))) {
      return key + " " + status + " sent Retry-After, which the document does not list";
    }
    if (errorCode != null && !errorCodes(response).contains(errorCode)) {
      return key + " " + status + " answered the error " + errorCode + ", the document lists "
          + errorCodes(response);
    }
    return null;
  }

  // --- reading the document

  /** "METHOD /path" to the operation, in the document's order. */
  private static Map<String, JsonObject> operations() {
    Map<String, JsonObject> operations = new LinkedHashMap<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : METHODS) {
        if (item.containsKey(method)) {
          operations.put(method.toUpperCase() + " " + path, item.getJsonObject(method));
        }
      }
    }
    return operations;
  }

  /** The error codes a response's JSON schema allows: the enums of {@code error} in it and its allOf parts. */
  private static Set<String> errorCodes(JsonObject response) {
    Set<String> codes = new TreeSet<>();
    JsonObject content = response.getJsonObject("content");
    if (content == null || content.getJsonObject("application/json") == null) {
      return codes;
    }
    JsonObject schema = deref(content.getJsonObject("application/json").getJsonObject("schema"));
    List<JsonObject> parts = new ArrayList<>(List.of(schema));
    if (schema.getJsonArray("allOf") != null) {
      schema.getJsonArray("allOf").forEach(part -> parts.add(deref((JsonObject) part)));
    }
    for (JsonObject part : parts) {
      JsonObject properties = part.getJsonObject("properties");
      if (properties != null && properties.getJsonObject("error") != null
          && properties.getJsonObject("error").getJsonArray("enum") != null) {
        properties.getJsonObject("error").getJsonArray("enum").forEach(code -> codes.add((String) code));
      }
    }
    return codes;
  }

  private static JsonObject deref(JsonObject object) {
    JsonObject resolved = object;
    while (resolved != null && resolved.containsKey("$ref")) {
      resolved = resolve(resolved.getString("$ref"));
    }
    return resolved;
  }

  /** A local JSON pointer reference, {@code #/components/...}. */
  private static JsonObject resolve(String ref) {
    if (!ref.startsWith("#/")) {
      return null;
    }
    Object node = document;
    for (String token : ref.substring(2).split("/")) {
      if (!(node instanceof JsonObject object)) {
        return null;
      }
      node = object.getValue(token.replace("~1", "/").replace("~0", "~"));
    }
    return node instanceof JsonObject object ? object : null;
  }

  private static void collectRefs(Object node, List<String> refs) {
    if (node instanceof JsonObject object) {
      object.forEach(entry -> {
        if (entry.getKey().equals("$ref")) {
          refs.add((String) entry.getValue());
        } else {
          collectRefs(entry.getValue(), refs);
        }
      });
    } else if (node instanceof JsonArray array) {
      array.forEach(item -> collectRefs(item, refs));
    }
  }

  private static boolean underPrefix(String operation, String prefixRoute) {
    String method = prefixRoute.substring(0, prefixRoute.indexOf(' '));
    String prefix = prefixRoute.substring(prefixRoute.indexOf(' ') + 1);
    return operation.startsWith(method + " ") && operation.substring(method.length() + 1).startsWith(prefix);
  }

  /** The router of one HTTP verticle instance of the running service (every instance builds the same). */
  private static Router runningRouter() {
    VertxInternal vertx = (VertxInternal) fixture.service.vertx();
    return vertx.deploymentManager().deployments().stream()
        .flatMap(deployment -> deployment.deployment().instances().stream())
        .filter(HttpVerticle.class::isInstance)
        .map(verticle -> ((HttpVerticle) verticle).router())
        .findFirst()
        .orElseThrow(() -> new AssertionError("no HttpVerticle is deployed"));
  }

  // --- requests

  /** A token of its own (a token's publish rate is counted per token). */
  private static String token(String tenant, String sub, String... roles) {
    return fixture.tokens.sign(Tokens.claims(tenant, roles).put("sub", sub)
        .put("exp", Instant.now().plusSeconds(3600).getEpochSecond()));
  }

  private static String publisher() {
    return token("acme", "publisher-" + ++tokenCount, "publisher");
  }

  private static MultiMap bearer(String token) {
    return Http.headers("Authorization", "Bearer " + token);
  }

  private static MultiMap json(String token) {
    MultiMap headers = Http.headers("Content-Type", "application/json");
    if (token != null) {
      headers.add("Authorization", "Bearer " + token);
    }
    return headers;
  }
}
