package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PublishRequestTest {
  private static final EventTypes TYPES = EventTypes.defaults();
  private static JsonObject request(String tenant, String type, Object data) {
    JsonObject json = new JsonObject().put("type", type).put("data", data);
    return tenant == null ? json : json.put("tenant", tenant);
  }

  @Test
  void aTenantEventAndAnAlertRoundTrip() {
    PublishRequest update = PublishRequest.from(request("acme", "DASHBOARD_UPDATE", new JsonObject().put("a", 1)),
        TYPES);
    assertEquals(new TenantId("acme"), update.tenant());
    assertEquals(update, PublishRequest.from(update.toJson(), TYPES));
    PublishRequest alert = PublishRequest.from(request(null, "SYSTEM_ALERT", new JsonObject()), TYPES);
    assertNull(alert.tenant());
  }

  @Test
  void aDeclaredTypeIsPublishedWithItsScopeAndAnUndeclaredOneIsRefused() {
    MessageType shipped = MessageType.declared("ORDER_SHIPPED", true);
    MessageType maintenance = MessageType.declared("MAINTENANCE", false);
    EventTypes declared = new EventTypes(List.of(new EventTypes.Declared(shipped, "order-shipped-{tenant}"),
        new EventTypes.Declared(maintenance, "maintenance")));
    PublishRequest order = PublishRequest.from(request("acme", "ORDER_SHIPPED", new JsonObject()), declared);
    assertEquals(shipped, order.type());
    assertEquals(order, PublishRequest.from(order.toJson(), declared));
    assertNull(PublishRequest.from(request(null, "MAINTENANCE", new JsonObject()), declared).tenant());
    assertThrows(IllegalArgumentException.class,
        () -> PublishRequest.from(request(null, "ORDER_SHIPPED", new JsonObject()), declared), "needs a tenant");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PublishRequest.from(request("acme", "ORDER_SHIPPED", new JsonObject()), TYPES));
    assertEquals("type must be one of DASHBOARD_UPDATE, NOTIFICATION, SYSTEM_ALERT", e.getMessage());
  }

  @Test
  void whatBreaksTheContractIsRefusedWithAMessageForTheCaller() {
    for (JsonObject bad : List.of(request("acme", "HEARTBEAT", new JsonObject()),
        request("acme", "nope", new JsonObject()), request("acme", "NOTIFICATION", "text"),
        request("a b", "NOTIFICATION", new JsonObject()), request(null, "NOTIFICATION", new JsonObject()),
        request("acme", "SYSTEM_ALERT", new JsonObject()),
        request("acme", "NOTIFICATION", new JsonObject().put("n", Double.NaN)),
        request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH)))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublishRequest.from(bad, TYPES),
          bad.encode());
      assertEquals(false, e.getMessage().isBlank());
    }
    assertThrows(IllegalArgumentException.class, () -> PublishRequest.from(null, TYPES));
  }

  @Test
  void dataMayNestAsDeepAsAPayloadCarriesItAndNoDeeper() {
    // A payload wraps data one level down: {"@tenantcast": {...}, "data": data}.
    PublishRequest.from(request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH - 1)), TYPES);
    assertThrows(IllegalArgumentException.class,
        () -> PublishRequest.from(request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH)), TYPES));
  }

  /** An object {@code levels} deep: {"a":{"a":...{}}}. */
  private static JsonObject nested(int levels) {
    JsonObject root = new JsonObject();
    JsonObject current = root;
    for (int i = 1; i < levels; i++) {
      JsonObject child = new JsonObject();
      current.put("a", child);
      current = child;
    }
    return root;
  }
}
