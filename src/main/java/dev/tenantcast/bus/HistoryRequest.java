package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

/**
 * What a broker receives at {@link Addresses#HISTORY}: the events of a tenant and the system alerts after a stream's
 * position (null parts: none wanted, only the current heads). The answer is a {@link History}.
 */
public record HistoryRequest(TenantId tenant, Position tenantSince, Position alertsSince) {
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("tenant", tenant.value());
    if (tenantSince != null) {
      json.put("tenantSince", tenantSince.toString());
    }
    if (alertsSince != null) {
      json.put("alertsSince", alertsSince.toString());
    }
    return json;
  }

  public static HistoryRequest from(JsonObject json) {
    return new HistoryRequest(new TenantId(json.getString("tenant")), Position.parse(json.getString("tenantSince")),
        Position.parse(json.getString("alertsSince")));
  }
}
