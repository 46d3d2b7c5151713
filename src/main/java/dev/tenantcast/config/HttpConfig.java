package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/** The HTTP verticle's settings: where it listens, stream timing, and the limits and timeouts that keep it bounded. */
public record HttpConfig(
    String host,
    int port,
    int heartbeatSeconds,
    int retryMillis,
    int maxConnections,
    int maxStreams,
    int maxStreamsPerTenant,
    int maxStreamsPerUser,
    int maxBodyBytes,
    int maxBufferedBodyBytes,
    int streamBufferBytes,
    SlowConsumers slowConsumers,
    String collapseKey,
    int streamBacklogBytes,
    int streamSendBufferBytes,
    int publishTimeoutMillis,
    int headerTimeoutMillis,
    int bodyTimeoutMillis,
    int idleTimeoutMillis,
    int publishesPerSecondPerToken,
    int publishesPerSecondPerTenant,
    int publishBytesPerSecondPerTenant,
    List<String> allowedOrigins,
    boolean compression,
    int drainMillis,
    int reconnectSpreadMillis,
    int warmUpStreams,
    int warmUpSeconds) {

  /** What happens to a stream whose client reads slower than its events come, once its buffer is full. */
  public enum SlowConsumers {
    /**
     * Latest-state delivery: the stream's pending dashboard updates collapse to the newest one (per key, see
     * {@code collapseKey}); other events keep their order. Disconnected only when that backlog outgrows its limit.
     */
    COLLAPSE,
    /** Disconnected at once. */
    DISCONNECT
  }

  public HttpConfig {
    allowedOrigins = List.copyOf(allowedOrigins);
  }

  public static HttpConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "http");
    r.allowOnly(Set.of("host", "port", "heartbeatSeconds", "retryMillis", "maxConnections", "maxStreams",
        "maxStreamsPerTenant", "maxStreamsPerUser", "maxBodyBytes", "maxBufferedBodyBytes", "streamBufferBytes",
        "slowConsumers", "collapseKey", "streamBacklogBytes", "streamSendBufferBytes",
        "publishTimeoutMillis", "headerTimeoutMillis", "bodyTimeoutMillis", "idleTimeoutMillis",
        "publishesPerSecondPerToken", "publishesPerSecondPerTenant", "publishBytesPerSecondPerTenant",
        "allowedOrigins", "compression", "drainMillis", "reconnectSpreadMillis", "warmUpStreams",
        "warmUpSeconds"));
    int maxStreams = r.integer("maxStreams", 1, 1_000_000);
    int maxBodyBytes = r.integer("maxBodyBytes", 256, 16 * 1024 * 1024);
    return new HttpConfig(
        r.string("host"),
        r.integer("port", 0, 65535),
        r.integer("heartbeatSeconds", 1, 3600),
        r.integer("retryMillis", 0, 600_000),
        r.integer("maxConnections", maxStreams, 1_100_000),
        maxStreams,
        r.integer("maxStreamsPerTenant", 1, 1_000_000),
        r.integer("maxStreamsPerUser", 1, 1_000_000),
        maxBodyBytes,
        r.integer("maxBufferedBodyBytes", maxBodyBytes, Integer.MAX_VALUE),
        r.integer("streamBufferBytes", 1024, 64 * 1024 * 1024),
        r.choice("slowConsumers", SlowConsumers.class),
        r.optionalString("collapseKey"),
        r.integer("streamBacklogBytes", 1024, 64 * 1024 * 1024),
        r.integer("streamSendBufferBytes", 0, 64 * 1024 * 1024),
        r.integer("publishTimeoutMillis", 100, 600_000),
        r.integer("headerTimeoutMillis", 100, 600_000),
        r.integer("bodyTimeoutMillis", 100, 600_000),
        r.integer("idleTimeoutMillis", 100, 3_600_000),
        r.integer("publishesPerSecondPerToken", 1, 1_000_000),
        r.integer("publishesPerSecondPerTenant", 1, 1_000_000),
        r.integer("publishBytesPerSecondPerTenant", maxBodyBytes, Integer.MAX_VALUE),
        r.stringList("allowedOrigins", "an origin such as https://dashboard.example.com",
            "https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?"),
        r.bool("compression"),
        r.integer("drainMillis", 0, 600_000),
        r.integer("reconnectSpreadMillis", 1, 600_000),
        r.integer("warmUpStreams", 0, 1_000_000),
        r.integer("warmUpSeconds", 1, 3600));
  }

  /**
   * Whether the start runs a warm-up (some streams, and a port of its own to open them on): {@code /ready} answers
   * 503 from the start until it has run.
   */
  public boolean warmsUp() {
    return warmUpStreams > 0 && port != 0;
  }

  /** Whether a browser page served from {@code origin} may use the API with credentials. */
  public boolean allowsOrigin(String origin) {
    return origin != null && allowedOrigins.contains(origin);
  }
}
