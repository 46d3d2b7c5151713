package dev.tenantcast.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The one fixture of the tests that run the service: a real Redis on a free port (or the service's embedded one),
 * service instances on it, and the client side (token minter, HTTP client, event streams) on the Vert.x that
 * vertx-junit5's {@code VertxExtension} injects. Closing it stops the services and Redis; the extension closes the
 * client Vert.x.
 */
public final class ServiceFixture implements AutoCloseable {
  /** The test's Redis, or null when the service runs its embedded one. */
  public final TestRedis redis;
  public final TestService service;
  public final Vertx clients;
  public final Tokens tokens;
  public final Http http;
  private final List<AutoCloseable> others = new ArrayList<>();

  private ServiceFixture(Vertx clients, TestRedis redis, TestService service) {
    this.redis = redis;
    this.service = service;
    this.clients = clients;
    this.tokens = new Tokens(clients);
    this.http = new Http(clients, service.port());
  }

  public static ServiceFixture start(Vertx clients) {
    return start(clients, new JsonObject());
  }

  /** @param overrides merged over the test defaults, as for {@link TestService#start(String, JsonObject)} */
  public static ServiceFixture start(Vertx clients, JsonObject overrides) {
    TestRedis redis = TestRedis.start();
    try {
      return new ServiceFixture(clients, redis, TestService.start(redis.url(), overrides));
    } catch (RuntimeException | AssertionError e) {
      redis.close();
      throw e;
    }
  }

  /** A service that starts its own embedded Redis, as a user's first run does. */
  public static ServiceFixture embedded(Vertx clients, JsonObject overrides) {
    return new ServiceFixture(clients, null, TestService.start(null, overrides));
  }

  /** Another instance on the same Redis, stopped with the fixture. */
  public TestService startAnother(JsonObject overrides) {
    return keep(TestService.start(redis.url(), overrides));
  }

  /** Another instance that does not wait for Redis (which may be down), stopped with the fixture. */
  public TestService startAnotherUnready(JsonObject overrides) {
    return keep(TestService.startUnready(redis.url(), overrides));
  }

  /** An HTTP client for another instance, closed with the fixture. */
  public Http http(TestService instance) {
    return keep(new Http(clients, instance.port()));
  }

  /** Opens a stream of the tenant with a fresh token and checks it starts with CONNECTED. */
  public SseClient stream(String tenant) {
    return stream(service, tenant);
  }

  /** The same, on another instance. */
  public SseClient stream(TestService instance, String tenant) {
    SseClient client = SseClient.open(clients, instance.port(), tokens.forTenant(tenant));
    SseEvent first = client.next();
    if (!"CONNECTED".equals(first.type())) {
      client.close();
      throw new AssertionError("the stream did not start with CONNECTED but with " + first.data());
    }
    return client;
  }

  /** Opens any stream request on the service, without checking its start. */
  public SseClient open(String uri, MultiMap headers) {
    return SseClient.open(clients, service.port(), uri, headers);
  }

  /** Opens a stream with the given token, without checking its start. */
  public SseClient open(String token) {
    return SseClient.open(clients, service.port(), token);
  }

  private <T extends AutoCloseable> T keep(T resource) {
    others.add(resource);
    return resource;
  }

  @Override
  public void close() {
    for (int i = others.size() - 1; i >= 0; i--) {
      try {
        others.get(i).close();
      } catch (Exception e) {
        throw new AssertionError("could not stop " + others.get(i), e);
      }
    }
    http.close();
    service.close();
    if (redis != null) {
      redis.close();
    }
  }
}
