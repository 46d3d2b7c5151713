package dev.tenantcast.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.util.concurrent.TimeUnit;

/** Blocking HTTP calls for tests, over a real client. */
public final class Http implements AutoCloseable {
  /** A response: status, the Retry-After header if any, and the body as JSON (null when it is not JSON). */
  public record Reply(int status, String retryAfter, String contentType, JsonObject json) {
  }

  private final WebClient client;
  private final int port;

  public Http(Vertx vertx, int port) {
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(100));
    this.port = port;
  }

  public Reply get(String uri, MultiMap headers) {
    return await(client.get(uri).putHeaders(headers == null ? MultiMap.caseInsensitiveMultiMap() : headers).send());
  }

  public Reply get(String uri) {
    return get(uri, null);
  }

  /** A GET without waiting, for many requests in flight at once. */
  public io.vertx.core.Future<Reply> getAsync(String uri) {
    return client.get(uri).send().map(Http::toReply);
  }

  public Reply postJson(String uri, String bearer, String body) {
    return await(postAsync(uri, bearer, body));
  }

  public io.vertx.core.Future<HttpResponse<Buffer>> postAsync(String uri, String bearer, String body) {
    var request = client.post(uri).putHeader("Content-Type", "application/json");
    if (bearer != null) {
      request.bearerTokenAuthentication(bearer);
    }
    return request.sendBuffer(Buffer.buffer(body));
  }

  /** Any method, with any headers and an optional body: the whole answer, headers and all. */
  public HttpResponse<Buffer> send(HttpMethod method, String uri, MultiMap headers, String body) {
    var request = client.request(method, uri)
        .putHeaders(headers == null ? MultiMap.caseInsensitiveMultiMap() : headers);
    try {
      return (body == null ? request.send() : request.sendBuffer(Buffer.buffer(body))).await(15, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("HTTP call failed: " + method + " " + uri, e);
    }
  }

  /** POST with any headers and body bytes. */
  public io.vertx.core.Future<HttpResponse<Buffer>> postAsync(String uri, MultiMap headers, Buffer body) {
    return client.post(uri).putHeaders(headers).sendBuffer(body);
  }

  public static Reply toReply(HttpResponse<Buffer> response) {
    JsonObject json = null;
    try {
      json = response.bodyAsJsonObject();
    } catch (RuntimeException notJson) {
      // left null
    }
    return new Reply(response.statusCode(), response.getHeader("Retry-After"), response.getHeader("Content-Type"),
        json);
  }

  private static Reply await(io.vertx.core.Future<HttpResponse<Buffer>> future) {
    try {
      return toReply(future.await(15, TimeUnit.SECONDS));
    } catch (Exception e) {
      throw new AssertionError("HTTP call failed", e);
    }
  }

  public static MultiMap headers(String... namesAndValues) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      headers.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return headers;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    client.close();
  }
}
