package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.EventTypes;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.config.HttpConfig;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The streams of one HTTP verticle instance: turns an admitted request into an event stream (headers, the
 * {@code retry:} hint, {@code CONNECTED}) and hands it to the instance's {@link TenantFanout}, which delivers the
 * broker's events, replays what a resuming stream missed, and sends the heartbeats and the token-expiry ends (driven
 * by one timer per instance, not one per stream). Knows the broker only through the {@link BrokerClient}, and HTTP
 * only as the request it writes to.
 */
public final class StreamHub {
  private final Vertx vertx;
  private final TenantFanout fanout;
  private final String instanceId;
  private final int heartbeatSeconds;
  private final int retryMillis;
  private final int streamBufferBytes;
  private final int sendBufferBytes;
  private final Collapsing collapsing;
  /** Type → scope of every content type, in CONNECTED: so clients learn the declared types of this deployment. */
  private final JsonObject eventTypes;
  private long timer = -1;

  /**
   * Create on the event loop of the HTTP verticle instance that will own the streams.
   *
   * @param maxReplay live events a resuming stream may hold while its history is read
   */
  public StreamHub(Vertx vertx, BrokerClient broker, ServiceStats stats, ServiceMetrics metrics, LiveFigures figures,
                   String instanceId, EventTypes eventTypes, HttpConfig config, int maxReplay) {
    this.vertx = vertx;
    this.collapsing = new Collapsing(config.slowConsumers() == HttpConfig.SlowConsumers.COLLAPSE,
        config.collapseKey(), config.streamBacklogBytes(), stats);
    this.fanout = new TenantFanout(vertx, broker, stats, metrics, figures, collapsing, config.heartbeatSeconds(),
        maxReplay);
    this.instanceId = instanceId;
    this.heartbeatSeconds = config.heartbeatSeconds();
    this.retryMillis = config.retryMillis();
    this.streamBufferBytes = config.streamBufferBytes();
    this.sendBufferBytes = config.streamSendBufferBytes();
    this.eventTypes = eventTypes.scopes();
  }

  /** Starts routing broadcasts, and the one timer of this instance's streams (heartbeats, token expiry). */
  public Future<Void> start() {
    timer = vertx.setPeriodic(1000, t -> fanout.tick(System.currentTimeMillis()));
    return fanout.start();
  }

  /** Ends every stream at once. */
  public void stop() {
    vertx.cancelTimer(timer);
    fanout.closeAll(null);
  }

  /**
   * Ends every stream with a last event that asks its client to reconnect (to another instance) after a random
   * delay of up to {@code maxDelayMillis}, so that a deploy does not bring every client back in the same instant.
   *
   * @return how many streams were ended
   */
  public int drain(int maxDelayMillis) {
    int streams = fanout.size();
    fanout.closeAll(stream -> {
      int delay = ThreadLocalRandom.current().nextInt(Math.max(1, maxDelayMillis)) + 1;
      return FrameEncoder.lastFrame(delay, Envelope.ofServer(MessageType.ERROR, new JsonObject()
          .put("code", "SERVER_SHUTDOWN").put("reconnectAfterMillis", delay)
          .put("message", "this instance is shutting down; reconnect with your last event id"),
          System.currentTimeMillis()));
    });
    return streams;
  }

  /**
   * Makes the request an event stream of the tenant until its token expires or the client leaves.
   *
   * @param resume   what the client asked to resume from, if anything
   * @param onClosed run once when the stream ends, whatever ends it
   */
  public void open(HttpServerRequest request, TenantId tenant, long expiresAtMillis, String connectionId,
                   Resume resume, Runnable onClosed) {
    HttpServerResponse response = request.response();
    if (sendBufferBytes > 0) {
      VertxInternals.sendBuffer(request.connection(), sendBufferBytes);
    }
    SseStream stream = new SseStream(connectionId, tenant, expiresAtMillis, StreamSink.of(request), collapsing,
        onClosed);
    response.closeHandler(v -> fanout.remove(stream));
    response.endHandler(v -> fanout.remove(stream));
    response.setChunked(true)
        .setWriteQueueMaxSize(streamBufferBytes)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        // a compressor that does not flush per event would hold events back
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader("X-Accel-Buffering", "no");
    fanout.add(stream, resume, resumed -> FrameEncoder.firstFrame(retryMillis, Envelope.ofServer(
        MessageType.CONNECTED, new JsonObject()
            .put("connectionId", connectionId)
            .put("tenant", tenant.value())
            .put("instanceId", instanceId)
            .put("heartbeatSeconds", heartbeatSeconds)
            .put("eventTypes", eventTypes)
            .put("resume", resumed), System.currentTimeMillis())));
    if (response.closed()) {
      fanout.remove(stream);
    }
  }
}
