package dev.tenantcast.redis;

import java.util.Arrays;

/**
 * For each slot of Redis Cluster, a channel named {@code <prefix>:<n>} that hashes to it: the canary of whichever
 * master owns the slot. Searching names for a master's slots on demand missed masters that own only a few slots:
 * 100,000 names left 176 of the 16,384 slots without one (for one prefix), and such a master went unwatched.
 */
final class CanaryNames {
  private static final int SLOTS = 16384;
  /** About 170,000 names fill every slot; the bound only matters for a prefix with a hash tag of its own. */
  private static final int MAX_NAMES = 1_000_000;

  private final String prefix;
  /** Per slot, the number of its name, or -1; built on first use. */
  private int[] bySlot;

  CanaryNames(String prefix) {
    this.prefix = prefix;
  }

  /** A channel in {@code slot}, or null when no name of the prefix hashes there. */
  String forSlot(int slot) {
    if (bySlot == null) {
      bySlot = build();
    }
    return bySlot[slot] < 0 ? null : prefix + ":" + bySlot[slot];
  }

  private int[] build() {
    int[] table = new int[SLOTS];
    Arrays.fill(table, -1);
    int left = SLOTS;
    for (int n = 0; left > 0 && n < MAX_NAMES; n++) {
      int slot = ClusterSlots.slot(prefix + ":" + n);
      if (table[slot] < 0) {
        table[slot] = n;
        left--;
      }
    }
    return table;
  }
}
