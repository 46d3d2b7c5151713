package dev.tenantcast.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** The one way this API answers with JSON. */
final class Json {
  private Json() {
  }

  /** @return completes once the answer is written */
  static Future<Void> send(HttpServerResponse response, int status, JsonObject body) {
    return response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.toBuffer());
  }
}
