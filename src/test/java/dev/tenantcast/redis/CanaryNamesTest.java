package dev.tenantcast.redis;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Every master gets a canary, however few slots it owns: a master without one went unwatched. */
class CanaryNamesTest {
  private static final String PREFIX = "tenantcast:canary:3f9c2a1b";

  @Test
  void everySlotHasACanaryThatHashesToIt() {
    CanaryNames names = new CanaryNames(PREFIX);
    for (int slot = 0; slot < 16384; slot++) {
      String name = names.forSlot(slot);
      assertNotNull(name, "slot " + slot + " has a canary");
      assertEquals(slot, ClusterSlots.slot(name), name);
    }
    // what the search of the first 100,000 names, as it was, left without a canary
    Set<Integer> covered = new HashSet<>();
    for (int n = 0; n < 100_000; n++) {
      covered.add(ClusterSlots.slot(PREFIX + ":" + n));
    }
    System.out.printf("[canary] every slot of 16384 has a canary; the first 100,000 names covered %d%n",
        covered.size());
  }

  @Test
  void aPrefixWithAHashTagOfItsOwnCoversOneSlotOnly() {
    CanaryNames names = new CanaryNames("tenantcast:canary:{fixed}");
    int slot = ClusterSlots.slot("{fixed}");
    assertNotNull(names.forSlot(slot));
    assertNull(names.forSlot((slot + 1) % 16384), "no name of the prefix hashes elsewhere, and the search ends");
  }
}
