package dev.tenantcast.bus;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

/**
 * The streams' and the HTTP API's side of the broker contract, over the event bus: publish, declare interest in a
 * tenant, and consume the events a broker delivers. Whichever broker is deployed (Redis today) answers; callers never
 * name it.
 */
public final class BrokerClient {
  private final EventBus bus;

  public BrokerClient(EventBus bus) {
    this.bus = bus;
  }

  /** Publishes through the broker; fails with a {@link PublishException}. */
  public Future<Published> publish(PublishRequest request, long timeoutMillis) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).setLocalOnly(true);
    return bus.<JsonObject>request(Addresses.PUBLISH, request.toJson(), options)
        .map(reply -> Published.from(reply.body()))
        .recover(e -> Future.failedFuture(e instanceof PublishException ? e
            : new PublishException(PublishFailure.of(e), e.getMessage())));
  }

  /** The first stream of a tenant opened here: completes once the tenant's events flow (or the broker is down). */
  public Future<Void> interested(TenantId tenant) {
    return bus.request(Addresses.INTEREST, new Interest(tenant, true).toJson()).<Void>mapEmpty().otherwiseEmpty();
  }

  /** The last stream of a tenant here closed. */
  public void notInterested(TenantId tenant) {
    bus.send(Addresses.INTEREST, new Interest(tenant, false).toJson());
  }

  /** The events of one tenant, as brokers deliver them on this instance. */
  public MessageConsumer<Envelope> consume(TenantId tenant, Handler<Envelope> handler) {
    return bus.<Envelope>localConsumer(Addresses.tenant(tenant), m -> handler.handle(m.body()));
  }

  /** The events for every stream (system alerts). */
  public MessageConsumer<Envelope> consumeBroadcast(Handler<Envelope> handler) {
    return bus.<Envelope>localConsumer(Addresses.BROADCAST, m -> handler.handle(m.body()));
  }
}
