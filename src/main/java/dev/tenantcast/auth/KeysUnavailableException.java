package dev.tenantcast.auth;

/**
 * No signing keys yet: the identity provider's key set has not been fetched since the start. Answered with 503 and
 * {@code Retry-After}, not 401: the token may well be good, and the client should retry rather than discard it.
 */
public final class KeysUnavailableException extends RuntimeException {
  private final int retryAfterSeconds;

  public KeysUnavailableException(String message, int retryAfterSeconds) {
    super(message, null, false, false);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
