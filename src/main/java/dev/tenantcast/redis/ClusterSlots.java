package dev.tenantcast.redis;

import io.vertx.redis.client.Response;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which master of a Redis Cluster owns which hash slot, from {@code CLUSTER SLOTS}, and the slot of a key or shard
 * channel (CRC16 of its hash tag, or of the whole name, modulo 16384: the rule every cluster client applies).
 */
final class ClusterSlots {
  private static final int SLOTS = 16384;

  /** Slot ranges by their first slot: the last slot and the master's address ({@code redis://host:port}). */
  private final TreeMap<Integer, Map.Entry<Integer, String>> ranges;

  /** Every node the answer names, masters and replicas. */
  private final Set<String> nodes;

  private ClusterSlots(TreeMap<Integer, Map.Entry<Integer, String>> ranges, Set<String> nodes) {
    this.ranges = ranges;
    this.nodes = nodes;
  }

  /** From a {@code CLUSTER SLOTS} answer: [[first, last, [host, port, id], replicas...], ...]. */
  static ClusterSlots of(Response slots) {
    TreeMap<Integer, Map.Entry<Integer, String>> ranges = new TreeMap<>();
    Set<String> nodes = new LinkedHashSet<>();
    for (Response range : slots) {
      ranges.put(range.get(0).toInteger(), Map.entry(range.get(1).toInteger(), endpoint(range.get(2))));
      for (int i = 2; i < range.size(); i++) {
        nodes.add(endpoint(range.get(i)));
      }
    }
    return new ClusterSlots(ranges, nodes);
  }

  private static String endpoint(Response node) {
    return "redis://" + node.get(0).toString() + ":" + node.get(1).toInteger();
  }

  /** Every node of the map, masters and replicas ({@code redis://host:port}). */
  Set<String> nodes() {
    return nodes;
  }

  /** The master that owns the slot of {@code key}, or null when no master covers it (the cluster is changing). */
  String owner(String key) {
    int slot = slot(key);
    Map.Entry<Integer, Map.Entry<Integer, String>> range = ranges.floorEntry(slot);
    return range == null || range.getValue().getKey() < slot ? null : range.getValue().getValue();
  }

  /** The first slot this master owns, or -1 when it owns none (it is not a master, or no longer). */
  int firstSlotOf(String endpoint) {
    for (Map.Entry<Integer, Map.Entry<Integer, String>> range : ranges.entrySet()) {
      if (range.getValue().getValue().equals(endpoint)) {
        return range.getKey();
      }
    }
    return -1;
  }

  /**
   * Whether {@code other} puts every slot on the same master (or on none, alike). The replicas are left out: nodes
   * list them as they see them, so two nodes of one unchanged cluster may answer with different replicas.
   */
  boolean sameOwners(ClusterSlots other) {
    return other != null && ranges.equals(other.ranges);
  }

  /** Whether this master owns the slot of {@code key}. */
  boolean owns(String endpoint, String key) {
    return endpoint.equals(owner(key));
  }

  static int slot(String key) {
    int open = key.indexOf('{');
    if (open >= 0) {
      int close = key.indexOf('}', open + 1);
      if (close > open + 1) {
        key = key.substring(open + 1, close);
      }
    }
    return crc16(key.getBytes(StandardCharsets.UTF_8)) % SLOTS;
  }

  /** CRC16-CCITT (XMODEM), as Redis Cluster specifies it. */
  private static int crc16(byte[] bytes) {
    int crc = 0;
    for (byte b : bytes) {
      crc ^= (b & 0xff) << 8;
      for (int i = 0; i < 8; i++) {
        crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
      }
    }
    return crc & 0xffff;
  }
}
