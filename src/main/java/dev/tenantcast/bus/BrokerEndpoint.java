package dev.tenantcast.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * A broker's side of the contract: where it takes publish requests and interest, and how it hands events to the
 * streams. A broker implementation (Redis today) registers its handlers here and never touches addresses or JSON shapes
 * itself, so a second one plugs in the same way.
 */
public final class BrokerEndpoint {
  /** Events travel local-only: on a clustered bus, every node delivers what its own broker connection received. */
  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final EventBus bus;

  public BrokerEndpoint(EventBus bus) {
    this.bus = bus;
    LocalCodec.registerOn(bus);
  }

  /**
   * Serves {@link Addresses#PUBLISH}: the handler publishes and answers the event's id, or fails with a
   * {@link PublishException}; any other failure is answered as {@link PublishFailure#UNAVAILABLE}.
   */
  public Future<Void> servePublish(EventTypes types, Function<PublishRequest, Future<Published>> handler) {
    // Served cluster-wide on a clustered bus (other services' requests reach one instance's broker, which publishes
    // once to Redis, so every instance delivers); this instance's HTTP API sends local-only.
    return bus.<JsonObject>consumer(Addresses.PUBLISH, message -> {
      PublishRequest request;
      try {
        request = PublishRequest.from(message.body(), types);
      } catch (IllegalArgumentException | ClassCastException e) {
        PublishFailure.INVALID.reply(message, e.getMessage());
        return;
      }
      handler.apply(request).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result().toJson());
        } else if (ar.cause() instanceof PublishException e) {
          e.failure().reply(message, e.getMessage());
        } else {
          PublishFailure.UNAVAILABLE.reply(message, String.valueOf(ar.cause().getMessage()));
        }
      });
    }).completion();
  }

  /** Serves {@link Addresses#INTEREST}: the handler's future completes once the tenant's events flow. */
  public Future<Void> serveInterest(Function<Interest, Future<Void>> handler) {
    return bus.<JsonObject>localConsumer(Addresses.INTEREST, message -> {
      Interest interest = Interest.from(message.body());
      if (interest == null) {
        message.reply(null);
        return;
      }
      handler.apply(interest).onComplete(ar -> message.reply(null));
    }).completion();
  }

  /** Serves {@link Addresses#HISTORY}. */
  public Future<Void> serveHistory(Function<HistoryRequest, Future<History>> handler) {
    return bus.<JsonObject>localConsumer(Addresses.HISTORY, message -> {
      HistoryRequest request;
      try {
        request = HistoryRequest.from(message.body());
      } catch (RuntimeException e) {
        message.fail(400, "not a history request");
        return;
      }
      handler.apply(request).onComplete(ar -> {
        if (ar.succeeded()) {
          message.reply(ar.result());
        } else {
          message.fail(503, String.valueOf(ar.cause().getMessage()));
        }
      });
    }).completion();
  }

  /** Hands an event to the streams of its tenant on this instance, or to every stream. */
  public void deliver(Envelope envelope) {
    bus.publish(Addresses.of(envelope), envelope, LOCAL_ONLY);
  }
}
