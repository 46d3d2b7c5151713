package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Set;

/**
 * The optional clustered event bus, for other Vert.x services that publish through {@code tenantcast.publish}: the
 * instances and those services join one Hazelcast cluster over TCP with explicit members (no multicast).
 *
 * @param host    the address this member binds and announces (Hazelcast and the event bus)
 * @param port    Hazelcast's port on it
 * @param members the members to join, {@code host:port}
 */
public record EventBusConfig(boolean clustered, String clusterName, String host, int port, List<String> members) {
  public EventBusConfig {
    members = List.copyOf(members);
  }

  public static EventBusConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "eventBus");
    r.allowOnly(Set.of("clustered", "clusterName", "host", "port", "members"));
    boolean clustered = r.bool("clustered");
    List<String> members = r.stringList("members", "host:port of a cluster member", "[^:\\s]+:\\d{1,5}");
    if (clustered && members.isEmpty()) {
      throw new ConfigException(r.key("members"), "must name the cluster's members (host:port) when clustered: "
          + "the cluster joins over TCP, never by multicast");
    }
    String clusterName = r.string("clusterName");
    if (!clusterName.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new ConfigException(r.key("clusterName"), "may contain only letters, digits and _ . - (1-64)");
    }
    return new EventBusConfig(clustered, clusterName, r.string("host"), r.integer("port", 1, 65_535), members);
  }
}
