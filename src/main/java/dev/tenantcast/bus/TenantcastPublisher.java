package dev.tenantcast.bus;

import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;

/**
 * For another Vert.x service on Tenantcast's clustered event bus: publishes an event to a tenant's dashboards (or a
 * system alert to all) through whichever Tenantcast instance answers; it is published once, and every instance
 * delivers it to its own streams. Answers the event's id, or fails with a {@link PublishException} (invalid,
 * unavailable, timed out: then nothing was published).
 * <pre>{@code
 * TenantcastPublisher publisher = new TenantcastPublisher(vertx.eventBus(), 5000);
 * publisher.dashboardUpdate("acme", new JsonObject().put("revenue", 42)).onSuccess(p -> log(p.id()));
 * }</pre>
 */
public final class TenantcastPublisher {
  private final EventBus bus;
  private final long timeoutMillis;

  public TenantcastPublisher(EventBus bus, long timeoutMillis) {
    this.bus = bus;
    this.timeoutMillis = timeoutMillis;
  }

  public Future<Published> publish(PublishRequest request) {
    return BrokerClient.publish(bus, request, timeoutMillis, false);
  }

  public Future<Published> dashboardUpdate(String tenant, JsonObject data) {
    return publish(new PublishRequest(new TenantId(tenant), MessageType.DASHBOARD_UPDATE, data));
  }

  public Future<Published> notification(String tenant, JsonObject data) {
    return publish(new PublishRequest(new TenantId(tenant), MessageType.NOTIFICATION, data));
  }

  public Future<Published> systemAlert(JsonObject data) {
    return publish(new PublishRequest(null, MessageType.SYSTEM_ALERT, data));
  }

  /**
   * An event of a type declared in Tenantcast's configuration ({@code eventTypes}): to a tenant, or with a null
   * tenant to everyone. Tenantcast refuses it as invalid if it declares no such type of that scope.
   */
  public Future<Published> event(String type, String tenant, JsonObject data) {
    return publish(new PublishRequest(tenant == null ? null : new TenantId(tenant),
        MessageType.declared(type, tenant != null), data));
  }
}
