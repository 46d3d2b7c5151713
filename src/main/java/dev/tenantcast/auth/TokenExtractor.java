package dev.tenantcast.auth;

import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * Finds the token of a request: {@code Authorization: Bearer}, else the cookie {@code tenantcast_token}, else the
 * query parameter {@code access_token} (a browser's EventSource cannot send headers).
 */
public final class TokenExtractor {
  public static final String COOKIE = "tenantcast_token";
  public static final String QUERY_PARAMETER = "access_token";
  private static final String BEARER = "bearer ";

  private TokenExtractor() {
  }

  /** The token, or null when the request carries none. */
  public static String from(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return nonBlank(header.substring(BEARER.length()).trim());
    }
    Cookie cookie = request.getCookie(COOKIE);
    if (cookie != null) {
      return nonBlank(cookie.getValue());
    }
    return nonBlank(request.getParam(QUERY_PARAMETER));
  }

  private static String nonBlank(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
