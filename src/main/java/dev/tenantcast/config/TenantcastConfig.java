package dev.tenantcast.config;

import dev.tenantcast.bus.EventTypes;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.UUID;

/** The whole configuration, validated at start so a bad key stops the service with one clear message. */
public record TenantcastConfig(String instanceId, HttpConfig http, RedisConfig redis, HistoryConfig history,
                               JwtConfig jwt, DemoConfig demo, EventBusConfig eventBus, EventTypes eventTypes,
                               AdminConfig admin, JsonObject json) {

  public static TenantcastConfig from(JsonObject json) {
    ConfigReader r = new ConfigReader(json, "");
    r.allowOnly(Set.of("instanceId", "http", "redis", "history", "jwt", "demo", "eventBus", "eventTypes",
        "admin"));
    String instanceId = r.optionalString("instanceId");
    if (instanceId == null) {
      instanceId = UUID.randomUUID().toString().substring(0, 8);
    } else if (!instanceId.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw new ConfigException("instanceId", "may contain only letters, digits and _ . - (1-64), got " + instanceId);
    }
    RedisConfig redis = RedisConfig.from(object(json, "redis"));
    Object declared = json.getValue("eventTypes");
    if (declared != null && !(declared instanceof JsonObject)) {
      throw new ConfigException("eventTypes", "must be an object of type name -> {\"scope\", \"channel\"}");
    }
    return new TenantcastConfig(instanceId,
        HttpConfig.from(object(json, "http")),
        redis,
        HistoryConfig.from(object(json, "history")),
        JwtConfig.from(object(json, "jwt")),
        DemoConfig.from(object(json, "demo")),
        EventBusConfig.from(object(json, "eventBus")),
        EventTypesConfig.from(declared == null ? new JsonObject() : (JsonObject) declared, redis.channels()),
        AdminConfig.from(object(json, "admin")),
        json.copy().put("instanceId", instanceId));
  }

  private static JsonObject object(JsonObject json, String name) {
    Object value = json.getValue(name);
    if (!(value instanceof JsonObject section)) {
      throw new ConfigException(name, value == null ? "is missing" : "must be an object");
    }
    return section;
  }

  /** The sections a verticle asked for in its descriptor, and nothing else. */
  public JsonObject sections(Iterable<String> names) {
    JsonObject selected = new JsonObject().put("instanceId", instanceId);
    for (String name : names) {
      if (!json.containsKey(name)) {
        throw new ConfigException(name, "is not a configuration section");
      }
      selected.put(name, json.getValue(name));
    }
    return selected;
  }
}
