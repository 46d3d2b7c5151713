package dev.tenantcast.config;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The demo dashboard's token endpoint: off unless enabled, and it only ever signs with the development secret. */
public record DemoConfig(boolean enabled, List<String> tenants, int tokenTtlSeconds) {
  public DemoConfig {
    tenants = List.copyOf(tenants);
  }

  public static DemoConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "demo");
    r.allowOnly(Set.of("enabled", "tenants", "tokenTtlSeconds"));
    List<String> tenants = new ArrayList<>();
    Object list = json.getValue("tenants");
    if (!(list instanceof JsonArray array) || array.isEmpty() || array.size() > 20) {
      throw new ConfigException(r.key("tenants"), "must be a list of 1-20 tenant ids");
    }
    for (Object tenant : array) {
      if (!(tenant instanceof String s) || !TenantId.isValid(s)) {
        throw new ConfigException(r.key("tenants"), "holds an invalid tenant id: " + tenant);
      }
      tenants.add(s);
    }
    return new DemoConfig(r.bool("enabled"), tenants,
        r.integer("tokenTtlSeconds", 60, 86_400));
  }
}
