package dev.tenantcast.limits;

import dev.tenantcast.bus.TenantId;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.tenantcast.limits.StreamAdmission.Outcome.ADMITTED;
import static dev.tenantcast.limits.StreamAdmission.Outcome.SERVICE_FULL;
import static dev.tenantcast.limits.StreamAdmission.Outcome.TENANT_FULL;
import static dev.tenantcast.limits.StreamAdmission.Outcome.USER_FULL;
import static org.junit.jupiter.api.Assertions.assertEquals;

class StreamAdmissionTest {
  private static final TenantId ACME = new TenantId("acme");
  private static final TenantId GLOBEX = new TenantId("globex");

  @Test
  void eachLimitRefusesWithItsOwnOutcomeAndTakesNothing() {
    StreamAdmission admission = new StreamAdmission(4, 3, 2);
    assertEquals(ADMITTED, admission.admit(ACME, "alice"));
    assertEquals(ADMITTED, admission.admit(ACME, "alice"));
    assertEquals(USER_FULL, admission.admit(ACME, "alice"));
    assertEquals(ADMITTED, admission.admit(ACME, "bob"));
    assertEquals(TENANT_FULL, admission.admit(ACME, "carol"));
    assertEquals(ADMITTED, admission.admit(GLOBEX, "alice"), "the same user in another tenant");
    assertEquals(SERVICE_FULL, admission.admit(GLOBEX, "dave"));
    assertEquals(4, admission.open());
    assertEquals(Map.of("acme", 3, "globex", 1), admission.byTenant());
  }

  @Test
  void releasingGivesBackEveryCountAndForgetsEmptyTenants() {
    StreamAdmission admission = new StreamAdmission(10, 10, 1);
    assertEquals(ADMITTED, admission.admit(ACME, null));
    assertEquals(USER_FULL, admission.admit(ACME, null), "tokens without sub share one user");
    admission.release(ACME, null);
    assertEquals(0, admission.open());
    assertEquals(Map.of(), admission.byTenant());
    assertEquals(ADMITTED, admission.admit(ACME, null));
  }
}
