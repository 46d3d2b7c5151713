package dev.tenantcast.auth;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Finds the token of a request: {@code Authorization: Bearer}, else the cookie {@code tenantcast_token}, else the
 * query parameter {@code access_token} (a browser's EventSource cannot send headers). Where it came from matters: a
 * browser sends the cookie by itself, even on a request another site made it send (see the publish API's checks).
 */
public final class TokenExtractor {
  public static final String COOKIE = "tenantcast_token";
  public static final String QUERY_PARAMETER = "access_token";
  private static final String BEARER = "bearer ";

  /** Where a token came from. */
  public enum Source { HEADER, COOKIE, QUERY }

  /** A token and its source. */
  public record Credential(String token, Source source) {
  }

  private TokenExtractor() {
  }

  /** The request's credential, or null when it carries none. */
  public static Credential from(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return credential(header.substring(BEARER.length()).trim(), Source.HEADER);
    }
    Cookie cookie = request.getCookie(COOKIE);
    if (cookie != null) {
      return credential(cookie.getValue(), Source.COOKIE);
    }
    return credential(request.getParam(QUERY_PARAMETER), Source.QUERY);
  }

  private static Credential credential(String value, Source source) {
    return value == null || value.isBlank() ? null : new Credential(value, source);
  }
}
