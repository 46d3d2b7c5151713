package dev.tenantcast.http;

import dev.tenantcast.config.HttpConfig;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.Set;

/**
 * Which other sites may use the API from a browser: the origins of {@code http.allowedOrigins}. The same list drives
 * CORS (so a dashboard on another origin can stream and publish) and the cross-site check of cookie-authenticated
 * publishes (a browser attaches the cookie to a form another site posts, but it always names that site in Origin).
 */
final class OriginPolicy {
  private final HttpConfig config;

  OriginPolicy(HttpConfig config) {
    this.config = config;
  }

  /**
   * CORS for the stream, the client module and the publish API, or null when no other origin is allowed. Requests
   * from other origins pass without CORS headers (the browser then keeps the answer from the page) rather than being
   * refused, so that same-origin requests, which carry an Origin too, are unaffected.
   */
  Handler<RoutingContext> cors() {
    if (config.allowedOrigins().isEmpty()) {
      return null; // a CorsHandler without origins would allow every origin
    }
    CorsHandler cors = CorsHandler.create()
        .addOrigins(config.allowedOrigins())
        .allowCredentials(true)
        .allowedMethods(Set.of(HttpMethod.GET, HttpMethod.POST))
        .allowedHeaders(Set.of("Authorization", "Content-Type", "Last-Event-ID", "Idempotency-Key"))
        .maxAgeSeconds(600);
    return ctx -> {
      if (config.allowsOrigin(ctx.request().getHeader(HttpHeaders.ORIGIN))) {
        cors.handle(ctx);
      } else {
        ctx.next();
      }
    };
  }

  /**
   * Whether a request from a browser came from this service's own pages or an allowed origin. Requests without Origin
   * do not come from another site's page: browsers send it on every cross-origin request and on every POST.
   */
  boolean sameSiteOrAllowed(HttpServerRequest request) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return !"cross-site".equals(request.getHeader("Sec-Fetch-Site"));
    }
    if (config.allowsOrigin(origin)) {
      return true;
    }
    String host = request.getHeader(HttpHeaders.HOST);
    int scheme = origin.indexOf("://");
    return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
  }
}
