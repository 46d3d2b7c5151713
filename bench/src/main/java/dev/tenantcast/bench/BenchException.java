package dev.tenantcast.bench;

/** A run cannot go on; the message says why (and, where it helps, shows the end of a log). */
final class BenchException extends RuntimeException {
  BenchException(String message) {
    super(message);
  }

  BenchException(String message, Throwable cause) {
    super(message, cause);
  }
}
