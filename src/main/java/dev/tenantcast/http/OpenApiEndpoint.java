package dev.tenantcast.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code GET /openapi.json}: the OpenAPI document of this API ({@code openapi/tenantcast.json}, packaged in the jar),
 * for anyone, without a token. It changes only with the release, so it is cacheable: an ETag of its bytes, and
 * {@code Access-Control-Allow-Origin: *} so that API tools on other origins can read it (it holds no secret, and the
 * answer carries no credentials).
 */
final class OpenApiEndpoint implements Handler<RoutingContext> {
  static final String PATH = "/openapi.json";
  static final String RESOURCE = "openapi/tenantcast.json";

  private final Buffer document;
  private final String etag;

  private OpenApiEndpoint(byte[] document) {
    this.document = Buffer.buffer(document);
    this.etag = "\"" + HexFormat.of().formatHex(sha256(document), 0, 16) + "\"";
  }

  /** Reads the document from the class path (blocking). */
  static OpenApiEndpoint load() {
    try (InputStream in = OpenApiEndpoint.class.getClassLoader().getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not on the class path");
      }
      return new OpenApiEndpoint(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "public, max-age=3600")
        .putHeader(HttpHeaders.ETAG, etag).putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
    String known = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (known != null && matches(known)) {
      response.setStatusCode(304).end();
      return;
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(document);
  }

  private boolean matches(String ifNoneMatch) {
    for (String tag : ifNoneMatch.split(",")) {
      String trimmed = tag.trim();
      if (trimmed.equals("*") || trimmed.equals(etag) || trimmed.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
