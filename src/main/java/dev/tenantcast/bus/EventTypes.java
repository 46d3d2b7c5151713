package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one registry of content types: each type, whether it is a tenant's or everyone's, and the channel template its
 * events come from ({@code {tenant}} in a tenant type's). Brokers derive every channel name from it (subscriptions in
 * every mode, publishes, history routes), the HTTP API validates publishes against it, and the stats count by it.
 * Built once from configuration (where each declaration is checked) and shared, immutable, by every verticle.
 */
public final class EventTypes {
  public static final String TENANT_PLACEHOLDER = "{tenant}";

  /** A content type and its channel template. */
  public record Declared(MessageType type, String channel) {
    public Declared {
      if (!type.fromRedis()) {
        throw new IllegalArgumentException(type + " is made by the server and has no channel");
      }
      if (type.perTenant() != channel.contains(TENANT_PLACEHOLDER)) {
        throw new IllegalArgumentException(type + ": {tenant} must be in the channel of a tenant type only");
      }
    }

    /** {@code "tenant"} or {@code "broadcast"}, as configured and as clients see it. */
    public String scope() {
      return type.perTenant() ? "tenant" : "broadcast";
    }
  }

  private final Map<String, Declared> byName = new LinkedHashMap<>();

  /** @param declared in the order clients should list them: the built-in ones first */
  public EventTypes(List<Declared> declared) {
    for (Declared d : declared) {
      if (byName.putIfAbsent(d.type().name(), d) != null) {
        throw new IllegalArgumentException("two declarations of " + d.type());
      }
    }
  }

  /** The three built-in types on their default channels: what works with no configuration. */
  public static EventTypes defaults() {
    return new EventTypes(List.of(
        new Declared(MessageType.DASHBOARD_UPDATE, "dashboard-update-{tenant}"),
        new Declared(MessageType.NOTIFICATION, "notification-{tenant}"),
        new Declared(MessageType.SYSTEM_ALERT, "system-alert")));
  }

  /** The content type of this name, or null when no such type is declared. */
  public MessageType content(String name) {
    Declared declared = name == null ? null : byName.get(name);
    return declared == null ? null : declared.type();
  }

  public List<Declared> all() {
    return Collections.unmodifiableList(new ArrayList<>(byName.values()));
  }

  public List<MessageType> types() {
    return byName.values().stream().map(Declared::type).toList();
  }

  /** The names, for messages that say what would have been accepted. */
  public String describe() {
    return String.join(", ", byName.keySet());
  }

  /** Type → scope, as clients read it: {@code {"DASHBOARD_UPDATE": "tenant", "SYSTEM_ALERT": "broadcast"}}. */
  public JsonObject scopes() {
    JsonObject json = new JsonObject();
    byName.values().forEach(d -> json.put(d.type().name(), d.scope()));
    return json;
  }
}
