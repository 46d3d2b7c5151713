package dev.tenantcast.auth;

/** A missing, malformed, expired or wrongly signed token: answered with 401. The message never contains the token. */
public final class InvalidTokenException extends RuntimeException {
  public InvalidTokenException(String message) {
    super(message, null, false, false);
  }
}
