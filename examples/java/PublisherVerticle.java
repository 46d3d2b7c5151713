import dev.tenantcast.app.EventBusCluster;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.PublishRequest;
import dev.tenantcast.bus.Published;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.bus.TenantcastPublisher;
import dev.tenantcast.config.EventBusConfig;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A verticle of another Vert.x service that publishes a NOTIFICATION to a tenant's dashboards over Tenantcast's
 * clustered event bus (typed, through TenantcastPublisher), and prints the event's id. Tenantcast publishes it with its
 * script, so it is resumable. The idempotency key makes the retry safe: the cluster may not yet know Tenantcast's
 * address right after joining. Run it with Tenantcast's jar on the class path:
 *
 *   java -cp target/tenantcast.jar examples/java/PublisherVerticle.java 127.0.0.1:5701 5702 acme "Deploy finished"
 *
 * arguments: the members to join (comma-separated host:port), this member's port, the tenant, the text.
 */
public final class PublisherVerticle extends VerticleBase {
  private final String tenant;
  private final String text;

  PublisherVerticle(String tenant, String text) {
    this.tenant = tenant;
    this.text = text;
  }

  @Override
  public Future<?> start() {
    TenantcastPublisher tenantcast = new TenantcastPublisher(vertx.eventBus(), 5000);
    PublishRequest request = new PublishRequest(new TenantId(tenant), MessageType.NOTIFICATION,
        new JsonObject().put("text", text).put("from", "java-verticle"), "example-" + UUID.randomUUID(), 0);
    return publish(tenantcast, request, 100).onSuccess(published -> System.out.println(published.id()));
  }

  private Future<Published> publish(TenantcastPublisher tenantcast, PublishRequest request, int triesLeft) {
    return tenantcast.publish(request).recover(e -> triesLeft == 0 ? Future.failedFuture(e)
        : vertx.timer(300).compose(t -> publish(tenantcast, request, triesLeft - 1)));
  }

  public static void main(String[] args) throws Exception {
    EventBusConfig cluster = new EventBusConfig(true, "tenantcast", "127.0.0.1", Integer.parseInt(args[1]),
        List.of(args[0].split(",")));
    Vertx vertx = EventBusCluster.join(new VertxOptions(), cluster).await(60, TimeUnit.SECONDS);
    try {
      vertx.deployVerticle(new PublisherVerticle(args[2], args[3])).await(60, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }
}
