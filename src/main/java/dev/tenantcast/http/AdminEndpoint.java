package dev.tenantcast.http;

import dev.tenantcast.bus.Addresses;
import dev.tenantcast.limits.Budget;
import dev.tenantcast.sse.FrameEncoder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * {@code GET /api/admin/figures} (role admin, after {@link AuthHandler}): an event stream of every instance's figures
 * for the admin page ({@code /admin.html}), one {@code data:} line per snapshot ({@link Addresses#FIGURES}: this
 * instance's and those the others share through the broker). At most {@code admin.maxStreams} per service instance;
 * a stream too slow to take a snapshot misses it instead of queueing it, since the next one supersedes it.
 */
final class AdminEndpoint {
  private final Vertx vertx;
  private final Budget budget;
  private final ConnectionGuard guard;
  private final int retryMillis;
  /** This event loop's admin streams. */
  private final Set<HttpServerResponse> streams = new LinkedHashSet<>();
  private MessageConsumer<JsonObject> consumer;

  AdminEndpoint(Vertx vertx, Budget budget, ConnectionGuard guard, int retryMillis) {
    this.vertx = vertx;
    this.budget = budget;
    this.guard = guard;
    this.retryMillis = retryMillis;
  }

  Future<Void> start() {
    consumer = vertx.eventBus().localConsumer(Addresses.FIGURES, message -> write(message.body()));
    return consumer.completion();
  }

  void stop() {
    consumer.unregister();
    new ArrayList<>(streams).forEach(HttpServerResponse::end);
  }

  void open(RoutingContext ctx) {
    if (!budget.tryTake(1)) {
      throw ApiError.tooMany("too_many_streams", "this instance serves its maximum of " + budget.limit()
          + " admin streams (admin.maxStreams)", 5).asException();
    }
    HttpServerResponse response = ctx.response();
    guard.streaming(ctx.request());
    streams.add(response);
    response.closeHandler(v -> release(response));
    response.endHandler(v -> release(response));
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY)
        .putHeader("X-Accel-Buffering", "no")
        .write(Buffer.buffer("retry: " + retryMillis + "\n\n"));
  }

  private void release(HttpServerResponse response) {
    if (streams.remove(response)) {
      budget.give(1);
    }
  }

  /** Frames the snapshot once for this event loop's streams. */
  private void write(JsonObject figures) {
    if (streams.isEmpty()) {
      return;
    }
    Buffer frame = FrameEncoder.data(figures.toBuffer());
    for (HttpServerResponse response : streams) {
      if (!response.writeQueueFull()) {
        response.write(frame);
      }
    }
  }
}
