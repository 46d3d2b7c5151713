package dev.tenantcast.redis;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Connections that were replaced while commands sent on them may still be unanswered: each is closed after a delay
 * (closing at once would fail commands that Redis carried out), or at once when its owner closes. Confined to the
 * owner's event loop.
 */
final class Retirements {
  private final Vertx vertx;
  private final long delayMillis;
  /** By timer: what closes the connection and its client. */
  private final Map<Long, Supplier<Future<Void>>> pending = new HashMap<>();

  Retirements(Vertx vertx, long delayMillis) {
    this.vertx = vertx;
    this.delayMillis = delayMillis;
  }

  void later(Supplier<Future<Void>> close) {
    long[] timer = new long[1];
    timer[0] = vertx.setTimer(delayMillis, t -> {
      Supplier<Future<Void>> due = pending.remove(timer[0]);
      if (due != null) {
        due.get();
      }
    });
    pending.put(timer[0], close);
  }

  Future<Void> now() {
    List<Future<Void>> closing = new ArrayList<>();
    pending.forEach((timer, close) -> {
      vertx.cancelTimer(timer);
      closing.add(close.get());
    });
    pending.clear();
    return Future.join(closing).mapEmpty();
  }
}
