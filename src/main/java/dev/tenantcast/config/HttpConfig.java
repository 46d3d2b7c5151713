package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/** The HTTP verticle's settings: where it listens, stream timing, and the limits that keep it bounded. */
public record HttpConfig(
    String host,
    int port,
    int heartbeatSeconds,
    int retryMillis,
    int maxStreams,
    int maxStreamsPerTenant,
    int maxBodyBytes,
    int streamBufferBytes,
    int publishTimeoutMillis) {

  public static HttpConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "http");
    r.allowOnly(Set.of("host", "port", "heartbeatSeconds", "retryMillis", "maxStreams", "maxStreamsPerTenant",
        "maxBodyBytes", "streamBufferBytes", "publishTimeoutMillis"));
    return new HttpConfig(
        r.string("host"),
        r.integer("port", 0, 65535),
        r.integer("heartbeatSeconds", 1, 3600),
        r.integer("retryMillis", 0, 600_000),
        r.integer("maxStreams", 1, 1_000_000),
        r.integer("maxStreamsPerTenant", 1, 1_000_000),
        r.integer("maxBodyBytes", 256, 16 * 1024 * 1024),
        r.integer("streamBufferBytes", 1024, 64 * 1024 * 1024),
        r.integer("publishTimeoutMillis", 100, 600_000));
  }
}
