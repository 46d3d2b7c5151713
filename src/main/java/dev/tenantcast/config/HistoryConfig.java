package dev.tenantcast.config;

import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * The history that makes resume possible: events published through Tenantcast are kept in Redis streams, bounded by
 * count and age; each instance keeps the newest events of recently active tenants in memory, so that most resumes
 * never read Redis.
 *
 * @param memoryEvents  events kept in memory per tenant
 * @param memoryTenants tenants whose events are kept in memory (the least recently active are dropped first)
 * @param maxReplay     events replayed to one stream at most; a longer absence is answered as "could not resume"
 */
public record HistoryConfig(boolean enabled, int maxLength, int maxAgeSeconds, int idempotencySeconds,
                            int memoryEvents, int memoryTenants, int maxReplay) {

  public static HistoryConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "history");
    r.allowOnly(Set.of("enabled", "maxLength", "maxAgeSeconds", "idempotencySeconds", "memoryEvents",
        "memoryTenants", "maxReplay"));
    return new HistoryConfig(r.bool("enabled"), r.integer("maxLength", 1, 10_000_000),
        r.integer("maxAgeSeconds", 0, 30 * 86_400), r.integer("idempotencySeconds", 1, 86_400),
        r.integer("memoryEvents", 0, 100_000), r.integer("memoryTenants", 0, 1_000_000),
        r.integer("maxReplay", 1, 1_000_000));
  }
}
