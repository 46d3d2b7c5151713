import dev.tenantcast.app.EventBusCluster;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.Published;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.bus.TenantcastPublisher;
import dev.tenantcast.config.EventBusConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Another Vert.x service that publishes to Tenantcast's dashboards over the clustered event bus: it joins the
 * cluster (Hazelcast, explicit TCP members), then publishes numbered DASHBOARD_UPDATE events to a tenant and prints
 * each event's id. Each event carries an idempotency key, so a retry (while the cluster forms, or after a timeout)
 * never publishes it twice. Run it with Tenantcast's jar on the class path:
 *
 *   java -cp target/tenantcast.jar examples/ClusteredPublisher.java 127.0.0.1:5701 5702 acme 10
 *
 * arguments: the members to join (comma-separated host:port), this member's port, the tenant, how many events.
 */
public final class ClusteredPublisher {
  public static void main(String[] args) throws Exception {
    List<String> members = List.of(args[0].split(","));
    EventBusConfig cluster = new EventBusConfig(true, "tenantcast", "127.0.0.1", Integer.parseInt(args[1]), members);
    String tenant = args[2];
    int count = Integer.parseInt(args[3]);
    Vertx vertx = EventBusCluster.join(new VertxOptions(), cluster).await(60, TimeUnit.SECONDS);
    try {
      TenantcastPublisher publisher = new TenantcastPublisher(vertx.eventBus(), 5000);
      String run = UUID.randomUUID().toString().substring(0, 8);
      for (int n = 1; n <= count; n++) {
        PublishRequest request = new PublishRequest(new TenantId(tenant), MessageType.DASHBOARD_UPDATE,
            new JsonObject().put("n", n).put("from", "ClusteredPublisher"), "example-" + run + "-" + n, 0);
        Published published = publishWithRetries(publisher, request);
        System.out.println("published n=" + n + " id=" + published.id() + (published.duplicate() ? " (retry)" : ""));
      }
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** Until Tenantcast answers (its registration may not have reached this member yet), for at most 30 s. */
  private static Published publishWithRetries(TenantcastPublisher publisher, PublishRequest request)
      throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        return publisher.publish(request).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        System.out.println("not yet published (" + e.getMessage() + "); retrying");
        Thread.sleep(200);
      }
    }
  }
}
