package dev.tenantcast.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.tenantcast.config.EventBusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * The clustered event bus (optional): a Vert.x joined to a Hazelcast cluster of explicit TCP members, never by
 * multicast, bound to one address. Tenantcast instances serve {@code tenantcast.publish} on it, so another Vert.x
 * service in the cluster publishes to dashboards with a plain event-bus request; the events themselves stay local to
 * each instance. Other services join with the same call (see examples/ClusteredPublisher.java).
 */
public final class EventBusCluster {
  private EventBusCluster() {
  }

  /** Builds a Vert.x with these options that joins the cluster of the configuration. */
  public static Future<Vertx> join(VertxOptions options, EventBusConfig config) {
    return join(Vertx.builder(), options, config);
  }

  static Future<Vertx> join(VertxBuilder builder, VertxOptions options, EventBusConfig config) {
    options.getEventBusOptions().setHost(config.host()).setPort(0).setClusterPublicHost(config.host());
    return builder.with(options).withClusterManager(new HazelcastClusterManager(hazelcast(config))).buildClustered();
  }

  /** Vert.x's default Hazelcast setup (its maps and multimaps), on TCP with the configured members only. */
  private static Config hazelcast(EventBusConfig config) {
    Config hazelcast = ConfigUtil.loadConfig();
    hazelcast.setClusterName(config.clusterName());
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    NetworkConfig network = hazelcast.getNetworkConfig();
    network.setPort(config.port()).setPortAutoIncrement(false).setPublicAddress(config.host());
    network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(config.host()));
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.members());
    return hazelcast;
  }
}
