package dev.tenantcast.http;

import dev.tenantcast.auth.InvalidTokenException;
import dev.tenantcast.redis.RedisPublisherVerticle;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
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

  public static ApiError tooLarge(String message) {
    return new ApiError(413, "payload_too_large", message, null);
  }

  public static ApiError tooMany(String message) {
    return new ApiError(429, "too_many_streams", message, 5);
  }

  public static ApiError unavailable(String code, String message) {
    return new ApiError(503, code, message, 2);
  }

  public ApiException asException() {
    return new ApiException(this);
  }

  /** A failure as an answer: our own errors as they are, event-bus replies by their code, anything else as 500. */
  public static ApiError of(Throwable failure) {
    if (failure instanceof ApiException e) {
      return e.error();
    }
    if (failure instanceof InvalidTokenException e) {
      return unauthorized(e.getMessage());
    }
    if (failure instanceof ReplyException e) {
      if (e.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
        return switch (e.failureCode()) {
          case RedisPublisherVerticle.INVALID -> badRequest(e.getMessage());
          case RedisPublisherVerticle.TOO_LARGE -> tooLarge(e.getMessage());
          default -> unavailable("redis_unavailable", e.getMessage());
        };
      }
      return unavailable("publisher_unavailable", "the Redis publisher did not answer ("
          + e.failureType().name().toLowerCase() + ")");
    }
    LOG.error("Unexpected failure", failure);
    return new ApiError(500, "internal_error", "unexpected server error", null);
  }

  public JsonObject toJson() {
    return new JsonObject().put("error", code).put("message", message);
  }

  public void send(HttpServerResponse response) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (retryAfterSeconds != null) {
      response.putHeader(HttpHeaders.RETRY_AFTER, retryAfterSeconds.toString());
    }
    response.end(toJson().encode());
  }
}
