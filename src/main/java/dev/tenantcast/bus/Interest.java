package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * What a broker receives at {@link Addresses#INTEREST}: an HTTP verticle instance gained its first stream of a tenant
 * ({@code interested}) or lost its last. A broker that subscribes per tenant answers once the tenant's messages flow;
 * one that receives everything answers at once.
 */
public record Interest(TenantId tenant, boolean interested) {
  public JsonObject toJson() {
    return new JsonObject().put("tenant", tenant.value()).put("interested", interested);
  }

  /** @return the interest, or null when the message is not one */
  public static Interest from(JsonObject json) {
    if (json == null || !(json.getValue("tenant") instanceof String tenant) || !TenantId.isValid(tenant)) {
      return null;
    }
    return new Interest(new TenantId(tenant), Boolean.TRUE.equals(json.getValue("interested")));
  }
}
