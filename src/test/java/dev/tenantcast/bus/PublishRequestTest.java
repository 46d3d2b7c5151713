package dev.tenantcast.bus;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PublishRequestTest {
  private static JsonObject request(String tenant, String type, Object data) {
    JsonObject json = new JsonObject().put("type", type).put("data", data);
    return tenant == null ? json : json.put("tenant", tenant);
  }

  @Test
  void aTenantEventAndAnAlertRoundTrip() {
    PublishRequest update = PublishRequest.from(request("acme", "DASHBOARD_UPDATE", new JsonObject().put("a", 1)));
    assertEquals(new TenantId("acme"), update.tenant());
    assertEquals(update, PublishRequest.from(update.toJson()));
    PublishRequest alert = PublishRequest.from(request(null, "SYSTEM_ALERT", new JsonObject()));
    assertNull(alert.tenant());
  }

  @Test
  void whatBreaksTheContractIsRefusedWithAMessageForTheCaller() {
    for (JsonObject bad : List.of(request("acme", "HEARTBEAT", new JsonObject()),
        request("acme", "nope", new JsonObject()), request("acme", "NOTIFICATION", "text"),
        request("a b", "NOTIFICATION", new JsonObject()), request(null, "NOTIFICATION", new JsonObject()),
        request("acme", "SYSTEM_ALERT", new JsonObject()),
        request("acme", "NOTIFICATION", new JsonObject().put("n", Double.NaN)),
        request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH)))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PublishRequest.from(bad),
          bad.encode());
      assertEquals(false, e.getMessage().isBlank());
    }
    assertThrows(IllegalArgumentException.class, () -> PublishRequest.from(null));
  }

  @Test
  void dataMayNestAsDeepAsAPayloadCarriesItAndNoDeeper() {
    // A payload wraps data one level down: {"@tenantcast": {...}, "data": data}.
    PublishRequest.from(request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH - 1)));
    assertThrows(IllegalArgumentException.class,
        () -> PublishRequest.from(request("acme", "NOTIFICATION", nested(EventJson.MAX_DEPTH))));
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
