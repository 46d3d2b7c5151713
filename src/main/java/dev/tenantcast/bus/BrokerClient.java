package dev.tenantcast.bus;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The streams' and the HTTP API's side of the broker contract, over the event bus: publish, declare interest in a
 * tenant, and consume the events a broker delivers. Whichever broker is deployed (Redis today) answers; callers never
 * name it.
 */
public final class BrokerClient {
  /** A history that takes longer is answered as unavailable: the stream goes on live and is told. */
  private static final long HISTORY_TIMEOUT_MILLIS = 5000;

  private final EventBus bus;

  public BrokerClient(EventBus bus) {
    this.bus = bus;
  }

  /**
   * Publishes through the broker; fails with a {@link PublishException}. A broker that gets to the request only after
   * {@code timeoutMillis} publishes nothing, so a failed call is never published behind the caller's back.
   */
  public Future<Published> publish(PublishRequest request, long timeoutMillis) {
    return publish(bus, request, timeoutMillis, true);
  }

  /** @param localOnly to this instance's broker, or (false: on a clustered bus) to any instance's */
  static Future<Published> publish(EventBus bus, PublishRequest request, long timeoutMillis, boolean localOnly) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMillis).setLocalOnly(localOnly);
    JsonObject body = request.withDeadline(System.currentTimeMillis() + timeoutMillis).toJson();
    return bus.<JsonObject>request(Addresses.PUBLISH, body, options)
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

  /** The events after a stream's position, and the current heads; a broker that cannot answer is a gap. */
  public Future<History> history(HistoryRequest request) {
    return bus.<History>request(Addresses.HISTORY, request.toJson(), new DeliveryOptions().setLocalOnly(true)
            .setSendTimeout(HISTORY_TIMEOUT_MILLIS))
        .map(reply -> reply.body())
        .otherwise(e -> new History(List.of(), List.of(), null, null, History.Gap.UNAVAILABLE));
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
