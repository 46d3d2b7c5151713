package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * The admin page's live figures: how often each instance takes and shares a snapshot, how many tenants it counts
 * per interval and names in a snapshot, and how many admin streams one instance serves.
 */
public record AdminConfig(int intervalMillis, int topTenants, int maxTenants, int maxStreams) {
  public static AdminConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "admin");
    r.allowOnly(Set.of("intervalMillis", "topTenants", "maxTenants", "maxStreams"));
    int top = r.integer("topTenants", 1, 100);
    return new AdminConfig(r.integer("intervalMillis", 100, 60_000), top, r.integer("maxTenants", top, 100_000),
        r.integer("maxStreams", 1, 1000));
  }
}
