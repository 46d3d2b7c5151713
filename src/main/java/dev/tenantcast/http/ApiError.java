package dev.tenantcast.http;

import dev.tenantcast.auth.InvalidTokenException;
import dev.tenantcast.auth.KeysUnavailableException;
import dev.tenantcast.bus.PublishException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An error answer: {@code {"error": "<code>", "message": "<human text>"}} with its status, and {@code Retry-After}
 * for limits. {@link #of(Throwable)} is the one place that maps failures to answers.
 */
public record ApiError(int status, String code, String message, Integer retryAfterSeconds) {
  private static final Logger LOG = LoggerFactory.getLogger(ApiError.class);

  public static ApiError badRequest(String message) {
    return new ApiError(400, "bad_request", message, null);
  }

  public static ApiError unauthorized(String message) {
    return new ApiError(401, "unauthorized", message, null);
  }

  public static ApiError forbidden(String message) {
    return new ApiError(403, "forbidden", message, null);
  }

  public static ApiError notFound() {
    return new ApiError(404, "not_found", "no such endpoint", null);
  }

  public static ApiError timeout(String message) {
    return new ApiError(408, "request_timeout", message, null);
  }

  public static ApiError tooLarge(String message) {
    return new ApiError(413, "payload_too_large", message, null);
  }

  public static ApiError unsupportedMediaType(String message) {
    return new ApiError(415, "unsupported_media_type", message, null);
  }

  /** Over a per-client limit: retry after the given seconds. */
  public static ApiError tooMany(String code, String message, long retryAfterSeconds) {
    return new ApiError(429, code, message, (int) Math.max(1, retryAfterSeconds));
  }

  /** Over an instance-wide limit, or a dependency down: retry after the given seconds. */
  public static ApiError unavailable(String code, String message, long retryAfterSeconds) {
    return new ApiError(503, code, message, (int) Math.max(1, retryAfterSeconds));
  }

  public ApiException asException() {
    return new ApiException(this);
  }

  /** A failure as an answer: our own errors as they are, broker failures by their kind, anything else as 500. */
  public static ApiError of(Throwable failure) {
    if (failure instanceof ApiException e) {
      return e.error();
    }
    if (failure instanceof InvalidTokenException e) {
      return unauthorized(e.getMessage());
    }
    if (failure instanceof KeysUnavailableException e) {
      return unavailable("keys_unavailable", e.getMessage(), e.retryAfterSeconds());
    }
    if (failure instanceof PublishException e) {
      return switch (e.failure()) {
        case INVALID -> badRequest(e.getMessage());
        case TOO_LARGE -> tooLarge(e.getMessage());
        case BUSY -> unavailable("publisher_busy", e.getMessage(), 1);
        case UNAVAILABLE -> unavailable("redis_unavailable", e.getMessage(), 2);
        case NO_ANSWER -> unavailable("publisher_unavailable", "the publisher did not answer in time", 2);
      };
    }
    LOG.error("Unexpected failure", failure);
    return new ApiError(500, "internal_error", "unexpected server error", null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", code).put("message", message);
  }

  /**
   * Answers the request. A request whose body was not read (refused before it) gets its connection closed after the
   * answer: reading on would cost time for nothing, and the next request could only start after the unread body.
   */
  public void send(HttpServerRequest request) {
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      response.reset();
      return;
    }
    if (retryAfterSeconds != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds.toString());
    }
    boolean unread = !request.isEnded();
    if (unread) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    Json.send(response, status, toJson()).onComplete(written -> {
      if (unread) {
        request.connection().close();
      }
    });
  }
}
