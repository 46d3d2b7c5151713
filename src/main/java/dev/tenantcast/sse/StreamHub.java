package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The streams of one HTTP verticle instance: turns an admitted request into an event stream (headers, the
 * {@code retry:} hint, {@code CONNECTED}) and hands it to the instance's {@link TenantFanout}, which delivers the
 * broker's events, the heartbeats and the token-expiry ends (driven by one timer per instance, not one per stream).
 * Knows the broker only through the {@link BrokerClient}, and HTTP only as the request it writes to.
 */
public final class StreamHub {
  private final Vertx vertx;
  private final TenantFanout fanout;
  private final String instanceId;
  private final int heartbeatSeconds;
  private final int retryMillis;
  private final int streamBufferBytes;
  private long timer = -1;

  /** Create on the event loop of the HTTP verticle instance that will own the streams. */
  public StreamHub(Vertx vertx, BrokerClient broker, ServiceStats stats, ServiceMetrics metrics, String instanceId,
                   int heartbeatSeconds, int retryMillis, int streamBufferBytes) {
    this.vertx = vertx;
    this.fanout = new TenantFanout(vertx, broker, stats, metrics, heartbeatSeconds);
    this.instanceId = instanceId;
    this.heartbeatSeconds = heartbeatSeconds;
    this.retryMillis = retryMillis;
    this.streamBufferBytes = streamBufferBytes;
  }

  /** Starts routing broadcasts, and the one timer of this instance's streams (heartbeats, token expiry). */
  public Future<Void> start() {
    timer = vertx.setPeriodic(1000, t -> fanout.tick(System.currentTimeMillis()));
    return fanout.start();
  }

  /** Ends every stream. */
  public void stop() {
    vertx.cancelTimer(timer);
    fanout.closeAll();
  }

  /**
   * Makes the request an event stream of the tenant until its token expires or the client leaves.
   *
   * @param onClosed run once when the stream ends, whatever ends it
   */
  public void open(HttpServerRequest request, TenantId tenant, long expiresAtMillis, String connectionId,
                   Runnable onClosed) {
    HttpServerResponse response = request.response();
    SseStream stream = new SseStream(connectionId, tenant, expiresAtMillis, StreamSink.of(request), onClosed);
    response.closeHandler(v -> fanout.remove(stream));
    response.endHandler(v -> fanout.remove(stream));
    response.setChunked(true)
        .setWriteQueueMaxSize(streamBufferBytes)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        // a compressor that does not flush per event would hold events back
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader("X-Accel-Buffering", "no");
    Envelope connected = Envelope.ofServer(MessageType.CONNECTED, new JsonObject()
        .put("connectionId", connectionId)
        .put("tenant", tenant.value())
        .put("instanceId", instanceId)
        .put("heartbeatSeconds", heartbeatSeconds), System.currentTimeMillis());
    fanout.add(stream, FrameEncoder.firstFrame(retryMillis, connected));
    if (response.closed()) {
      fanout.remove(stream);
    }
  }
}
