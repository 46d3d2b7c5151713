package dev.tenantcast.limits;

/** A limit that refused or ended a client's request or connection: counted by kind, in stats and metrics. */
public enum Refusal {
  /** A connection beyond {@code http.maxConnections}: closed at once. */
  CONNECTIONS,
  /** No complete request head within {@code http.headerTimeoutMillis} of connecting. */
  HEADER_TIMEOUT,
  /** A request body not complete within {@code http.bodyTimeoutMillis}. */
  BODY_TIMEOUT,
  /** A kept-alive connection without a new request within {@code http.idleTimeoutMillis}. */
  IDLE_TIMEOUT,
  /** Request bodies in memory would exceed {@code http.maxBufferedBodyBytes}. */
  BODY_MEMORY,
  STREAMS_INSTANCE,
  STREAMS_TENANT,
  STREAMS_USER,
  PUBLISH_RATE_TOKEN,
  PUBLISH_RATE_TENANT,
  PUBLISH_BYTES_TENANT,
  PUBLISHES_IN_FLIGHT,
  /** A cookie-authenticated publish from a disallowed origin or without a JSON content type. */
  CROSS_SITE
}
