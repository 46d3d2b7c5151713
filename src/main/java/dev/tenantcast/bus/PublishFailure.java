package dev.tenantcast.bus;

import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;

/**
 * Why a broker did not publish an event: the failure code of its event-bus reply. {@link #of(Throwable)} reads it back
 * on the caller's side, so both ends name failures by this type, not by numbers.
 */
public enum PublishFailure {
  /** The request breaks the contract (type, tenant, data). */
  INVALID(400),
  /** The event is larger than the broker takes. */
  TOO_LARGE(413),
  /** The broker is up but holds its maximum of publishes in flight: retry shortly. */
  BUSY(429),
  /** The broker cannot reach its backend (Redis down or not yet connected). */
  UNAVAILABLE(503),
  /** No broker answered in time: the event may or may not have been published. */
  NO_ANSWER(504);

  private final int code;

  PublishFailure(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  /** Answers a publish request with this failure. */
  public void reply(Message<?> request, String message) {
    request.fail(code, message);
  }

  /** The failure a publish request's reply carried; a timeout or a missing broker is {@link #NO_ANSWER}. */
  public static PublishFailure of(Throwable failure) {
    if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.RECIPIENT_FAILURE) {
      for (PublishFailure candidate : values()) {
        if (candidate.code == reply.failureCode()) {
          return candidate;
        }
      }
    }
    return NO_ANSWER;
  }
}
