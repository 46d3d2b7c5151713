package dev.tenantcast.testing;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * What most test classes need, started once: a real Redis, one service instance on it, a client-side Vert.x with a
 * token minter and an HTTP client. Close it to stop everything.
 */
public final class ServiceFixture implements AutoCloseable {
  public final TestRedis redis;
  public final TestService service;
  public final Vertx clients;
  public final Tokens tokens;
  public final Http http;

  private ServiceFixture(TestRedis redis, TestService service) {
    this.redis = redis;
    this.service = service;
    this.clients = Vertx.vertx();
    this.tokens = new Tokens(clients);
    this.http = new Http(clients, service.port());
  }

  public static ServiceFixture start() {
    return start(new JsonObject());
  }

  /** @param overrides merged over the test defaults, as for {@link TestService#start(String, JsonObject)} */
  public static ServiceFixture start(JsonObject overrides) {
    TestRedis redis = TestRedis.start();
    try {
      return new ServiceFixture(redis, TestService.start(redis.url(), overrides));
    } catch (RuntimeException | AssertionError e) {
      redis.close();
      throw e;
    }
  }

  /** Opens a stream of the tenant with a fresh token and checks it starts with CONNECTED. */
  public SseClient stream(String tenant) {
    SseClient client = SseClient.open(clients, service.port(), tokens.forTenant(tenant));
    SseEvent first = client.next();
    if (!"CONNECTED".equals(first.type())) {
      client.close();
      throw new AssertionError("the stream did not start with CONNECTED but with " + first.data());
    }
    return client;
  }

  @Override
  public void close() {
    http.close();
    clients.close();
    service.close();
    redis.close();
  }
}
