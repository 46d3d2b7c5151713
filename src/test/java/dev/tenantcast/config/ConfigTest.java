package dev.tenantcast.config;

import dev.tenantcast.app.VerticleDescriptor;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** conf/config.json, environment overrides, validation messages that name the key, and verticles/. */
class ConfigTest {
  private static final Path HERE = Path.of("");

  private static TenantcastConfig load(Map<String, String> env) {
    return TenantcastConfig.from(ConfigLoader.load(HERE, env));
  }

  private static String failure(Map<String, String> env) {
    return assertThrows(ConfigException.class, () -> load(env)).getMessage();
  }

  @Test
  void theDefaultsMatchTheProductContract() {
    TenantcastConfig config = load(Map.of());
    assertEquals(8080, config.http().port());
    assertEquals(30, config.http().heartbeatSeconds());
    assertEquals("redis://127.0.0.1:6379", config.redis().effectiveUrl());
    assertNull(config.redis().url(), "no URL configured: the embedded default may apply");
    assertEquals("tenant", config.jwt().tenantClaim());
    assertEquals(65536, config.redis().maxPayloadBytes());
    assertEquals(Map.of(MessageType.DASHBOARD_UPDATE, "dashboard-update-{tenant}",
        MessageType.NOTIFICATION, "notification-{tenant}", MessageType.SYSTEM_ALERT, "system-alert"),
        config.redis().channels());
    assertTrue(config.jwt().usesDevelopmentSecret());
  }

  @Test
  void environmentVariablesOverrideEveryKey() {
    TenantcastConfig config = load(Map.of(
        "TENANTCAST_HTTP_PORT", "9090",
        "TENANTCAST_REDIS_URL", "redis://redis.internal:6380",
        "TENANTCAST_JWT_SECRET", "another-secret-that-is-at-least-32-bytes",
        "TENANTCAST_TENANT_CLAIM", "sppgId",
        "TENANTCAST_HEARTBEAT_SECONDS", "15",
        "TENANTCAST_REDIS_CHANNELS_NOTIFICATION", "notify.{tenant}",
        "TENANTCAST_INSTANCE_ID", "node-a"));
    assertEquals(9090, config.http().port());
    assertEquals("redis://redis.internal:6380", config.redis().url());
    assertEquals("sppgId", config.jwt().tenantClaim());
    assertEquals(15, config.http().heartbeatSeconds());
    assertEquals("notify.{tenant}", config.redis().channels().get(MessageType.NOTIFICATION));
    assertEquals("node-a", config.instanceId());
    assertTrue(!config.jwt().usesDevelopmentSecret());
  }

  @Test
  void theFullNameWinsOverTheShortAlias() {
    assertEquals(7, load(Map.of("TENANTCAST_HEARTBEAT_SECONDS", "15", "TENANTCAST_HTTP_HEARTBEAT_SECONDS", "7"))
        .http().heartbeatSeconds());
  }

  @Test
  void everyKeyHasAVariable() {
    Map<String, String> variables = ConfigLoader.variables(ConfigLoader.defaults(HERE));
    assertEquals("http.port", variables.get("TENANTCAST_HTTP_PORT"));
    assertEquals("jwt.publicKey", variables.get("TENANTCAST_JWT_PUBLIC_KEY"));
    assertEquals("redis.maxPayloadBytes", variables.get("TENANTCAST_REDIS_MAX_PAYLOAD_BYTES"));
  }

  @Test
  void badValuesStopTheStartNamingTheKey() {
    assertTrue(failure(Map.of("TENANTCAST_HTTP_PORT", "eighty")).contains("TENANTCAST_HTTP_PORT"));
    assertTrue(failure(Map.of("TENANTCAST_HTTP_PORT", "70000")).contains("'http.port'"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_URL", "localhost:6379")).contains("'redis.url'"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_SECRET", "short")).contains("'jwt.secret'"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_PUBLIC_KEY", "/no/such/key.pem")).contains("'jwt.publicKey'"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_EMBEDDED", "sometimes")).contains("'redis.embedded'"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_CHANNELS_NOTIFICATION", "notify"))
        .contains("'redis.channels.NOTIFICATION'"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_CHANNELS_SYSTEM_ALERT", "alerts-{tenant}"))
        .contains("'redis.channels.SYSTEM_ALERT'"));
  }

  @Test
  void declaredEventTypesJoinTheBuiltInOnesInOneRegistry() {
    EventTypes types = load(Map.of("TENANTCAST_EVENT_TYPES", "{\"ORDER_SHIPPED\": {\"scope\": \"tenant\", "
        + "\"channel\": \"order-shipped-{tenant}\"}, \"MAINTENANCE\": {\"scope\": \"broadcast\", "
        + "\"channel\": \"maintenance\"}}")).eventTypes();
    assertEquals(List.of("DASHBOARD_UPDATE", "NOTIFICATION", "SYSTEM_ALERT", "ORDER_SHIPPED", "MAINTENANCE"),
        types.types().stream().map(MessageType::name).toList());
    assertEquals(MessageType.declared("ORDER_SHIPPED", true), types.content("ORDER_SHIPPED"));
    assertEquals(MessageType.declared("MAINTENANCE", false), types.content("MAINTENANCE"));
    assertEquals("order-shipped-{tenant}", types.all().get(3).channel());
    assertNull(types.content("HEARTBEAT"), "server types are not published");
    assertEquals(EventTypes.defaults().all(), load(Map.of()).eventTypes().all(), "no declaration: the built-ins");
  }

  @Test
  void badEventTypeDeclarationsStopTheStartNamingTheKey() {
    Map<String, String> bad = new java.util.LinkedHashMap<>();
    bad.put("{\"order_shipped\": {\"scope\": \"tenant\", \"channel\": \"o-{tenant}\"}}",
        "'eventTypes.order_shipped' is not a type name");
    bad.put("{\"ORDER\": {\"scope\": \"tenant\", \"channel\": \"orders\"}}",
        "'eventTypes.ORDER.channel' must contain {tenant} exactly once");
    bad.put("{\"ORDER\": {\"scope\": \"broadcast\", \"channel\": \"orders-{tenant}\"}}",
        "'eventTypes.ORDER.channel' is for every tenant and must not contain {tenant}");
    bad.put("{\"ORDER\": {\"scope\": \"mine\", \"channel\": \"o-{tenant}\"}}",
        "'eventTypes.ORDER.scope' must be tenant");
    bad.put("{\"ORDER\": {\"scope\": \"tenant\", \"channel\": \"o {tenant}\"}}",
        "'eventTypes.ORDER.channel' may contain only");
    bad.put("{\"ORDER\": {\"scope\": \"tenant\"}}", "'eventTypes.ORDER.channel' must be a non-empty string");
    bad.put("{\"ORDER\": {\"scope\": \"tenant\", \"channel\": \"o-{tenant}\", \"colour\": \"red\"}}",
        "'eventTypes.ORDER.colour' is not a known setting");
    bad.put("{\"NOTIFICATION\": {\"scope\": \"tenant\", \"channel\": \"n-{tenant}\"}}",
        "'eventTypes.NOTIFICATION' is a built-in type: set its channel with redis.channels.NOTIFICATION");
    bad.put("{\"HEARTBEAT\": {\"scope\": \"broadcast\", \"channel\": \"beat\"}}",
        "'eventTypes.HEARTBEAT' is a type the server makes");
    bad.put("{\"ALERT\": {\"scope\": \"broadcast\", \"channel\": \"system-alert\"}}",
        "'eventTypes.ALERT.channel' is also the channel of SYSTEM_ALERT (redis.channels.SYSTEM_ALERT)");
    bad.put("{\"A\": {\"scope\": \"tenant\", \"channel\": \"a-{tenant}\"}, "
        + "\"B\": {\"scope\": \"tenant\", \"channel\": \"a-{tenant}\"}}", "'eventTypes.B.channel' is also "
        + "the channel of A (eventTypes.A.channel)");
    bad.put("{\"DASHBOARD\": {\"scope\": \"tenant\", \"channel\": \"dashboard-{tenant}\"}}",
        "'eventTypes.DASHBOARD.channel' overlaps the channel of DASHBOARD_UPDATE (redis.channels.DASHBOARD_UPDATE): "
            + "'dashboard-update-x' would match both");
    bad.put("{\"EVERYONE\": {\"scope\": \"broadcast\", \"channel\": \"notification-all\"}}",
        "'eventTypes.EVERYONE.channel' overlaps the channel of NOTIFICATION");
    bad.put("[]", "'TENANTCAST_EVENT_TYPES' cannot be read");
    bad.forEach((json, message) -> {
      String failure = failure(Map.of("TENANTCAST_EVENT_TYPES", json));
      assertTrue(failure.contains(message), json + " -> " + failure);
    });
    // a tenant id cannot contain '.', so a channel like these is never one tenant's and another's
    load(Map.of("TENANTCAST_EVENT_TYPES",
        "{\"ORDER\": {\"scope\": \"tenant\", \"channel\": \"dashboard-update.{tenant}\"}}"));
  }

  @Test
  void aJwksUrlReplacesTheSecret() {
    TenantcastConfig config = load(Map.of("TENANTCAST_JWT_JWKS_URL", "https://idp.example/realms/r/certs",
        "TENANTCAST_JWT_JWKS_REFRESH_SECONDS", "300", "TENANTCAST_JWT_JWKS_MIN_REFRESH_SECONDS", "10"));
    assertEquals(new JwtConfig.Jwks("https://idp.example/realms/r/certs", 300, 10), config.jwt().jwks());
    assertTrue(!config.jwt().usesDevelopmentSecret(), "the development secret is not in use with a JWKS URL");
    assertNull(load(Map.of()).jwt().jwks());
    assertEquals(600, TenantcastConfig.from(ConfigLoader.load(HERE, Map.of("TENANTCAST_JWT_JWKS_URL",
        "http://127.0.0.1:8081/jwks.json"))).jwt().jwks().refreshSeconds());
  }

  @Test
  void aBadJwksSettingStopsTheStartNamingTheKey() {
    assertTrue(failure(Map.of("TENANTCAST_JWT_JWKS_URL", "idp.example/certs")).contains("'jwt.jwksUrl'"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_JWKS_URL", "ftp://idp.example/certs")).contains("'jwt.jwksUrl'"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_JWKS_URL", "https://idp.example/certs",
        "TENANTCAST_JWT_PUBLIC_KEY", "pom.xml")).contains("both set"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_JWKS_REFRESH_SECONDS", "0")).contains("'jwt.jwksRefreshSeconds'"));
    assertTrue(failure(Map.of("TENANTCAST_JWT_JWKS_MIN_REFRESH_SECONDS", "700"))
        .contains("'jwt.jwksMinRefreshSeconds'"));
  }

  @Test
  void unknownKeysInAFileAreErrors() {
    JsonObject json = ConfigLoader.defaults(HERE);
    json.getJsonObject("http").put("prot", 8080);
    String message = assertThrows(ConfigException.class, () -> TenantcastConfig.from(json)).getMessage();
    assertTrue(message.contains("'http.prot'"), message);
  }

  @Test
  void theVerticleDescriptorsDeployTheBridgeOnceAndHttpPerEventLoop() {
    List<VerticleDescriptor> descriptors = VerticleDescriptor.load(HERE);
    Map<String, VerticleDescriptor> byClass = new java.util.HashMap<>();
    descriptors.forEach(d -> byClass.put(d.className().substring(d.className().lastIndexOf('.') + 1), d));
    assertEquals(1, byClass.get("RedisSubscriberVerticle").instances());
    assertEquals(1, byClass.get("RedisPublisherVerticle").instances());
    assertEquals(Runtime.getRuntime().availableProcessors(), byClass.get("HttpVerticle").instances());
    assertEquals(List.of("http", "jwt", "demo", "history"), byClass.get("HttpVerticle").sections());
  }

  @Test
  void aBadDescriptorNamesItsFileAndKey() {
    String message = assertThrows(ConfigException.class, () -> VerticleDescriptor.parse("x.json",
        new JsonObject().put("class", "a.B").put("instances", "many"))).getMessage();
    assertTrue(message.contains("verticles/x.json: instances"), message);
  }

  @Test
  void clusterAndSentinelModesNameTheirEndpoints() {
    TenantcastConfig cluster = load(Map.of("TENANTCAST_REDIS_MODE", "cluster",
        "TENANTCAST_REDIS_ENDPOINTS", "redis://10.0.0.1:6379, redis://10.0.0.2:6379",
        "TENANTCAST_REDIS_SUBSCRIPTION_MODE", "interest"));
    assertEquals(RedisConfig.Mode.CLUSTER, cluster.redis().mode());
    assertEquals(List.of("redis://10.0.0.1:6379", "redis://10.0.0.2:6379"), cluster.redis().endpoints());
    assertTrue(failure(Map.of("TENANTCAST_REDIS_MODE", "cluster")).contains("redis.endpoints"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_MODE", "cluster", "TENANTCAST_REDIS_ENDPOINTS",
        "redis://10.0.0.1:6379")).contains("must be interest in cluster mode"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_MODE", "sentinel", "TENANTCAST_REDIS_ENDPOINTS",
        "redis://10.0.0.1:26379")).contains("redis.masterName"));
    assertTrue(failure(Map.of("TENANTCAST_REDIS_ENDPOINTS", "10.0.0.1:6379")).contains("Redis URLs"));
  }

  @Test
  void aClusteredEventBusJoinsNamedMembersOnly() {
    assertEquals(false, load(Map.of()).eventBus().clustered());
    assertTrue(failure(Map.of("TENANTCAST_EVENT_BUS_CLUSTERED", "true")).contains("never by multicast"));
    EventBusConfig bus = load(Map.of("TENANTCAST_EVENT_BUS_CLUSTERED", "true",
        "TENANTCAST_EVENT_BUS_MEMBERS", "10.0.0.5:5701,10.0.0.6:5701")).eventBus();
    assertEquals(List.of("10.0.0.5:5701", "10.0.0.6:5701"), bus.members());
  }

  @Test
  void aMisspeltVariableStopsTheStartAndNamesTheSettingItMeant() {
    String message = failure(Map.of("TENANTCAST_HTTP_PROT", "9090"));
    assertTrue(message.contains("TENANTCAST_HTTP_PROT") && message.contains("did you mean TENANTCAST_HTTP_PORT?"),
        message);
    assertTrue(failure(Map.of("TENANTCAST_NONSENSE_AT_ALL", "1")).contains("names no setting"));
    load(Map.of("TENANTCAST_LOG_LEVEL", "DEBUG", "TENANTCAST_LOG_FORMAT", "json", "TENANTCAST_TENANT_CLAIM", "org",
        "PATH", "/usr/bin"));
  }
}
