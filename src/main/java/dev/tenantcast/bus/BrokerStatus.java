package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

import java.util.concurrent.atomic.LongAdder;

/**
 * What a broker reports about itself, whichever it is: whether events flow to this instance (readiness), whether it
 * can publish, and how often it had to reconnect. Written by the broker's verticles, read by /ready, stats and metrics
 * from other event loops, hence volatile.
 */
public final class BrokerStatus {
  private final LongAdder reconnects = new LongAdder();
  private volatile boolean subscribed;
  private volatile boolean publisherConnected;

  /** Ready when events reach this instance: its subscriptions are active. */
  public boolean ready() {
    return subscribed;
  }

  public boolean subscribed() {
    return subscribed;
  }

  public void subscribed(boolean value) {
    subscribed = value;
  }

  public void publisherConnected(boolean value) {
    publisherConnected = value;
  }

  public void reconnected() {
    reconnects.increment();
  }

  public long reconnects() {
    return reconnects.sum();
  }

  public JsonObject toJson() {
    return new JsonObject().put("subscribed", subscribed)
        .put("publisherConnected", publisherConnected).put("reconnects", reconnects.sum());
  }
}
