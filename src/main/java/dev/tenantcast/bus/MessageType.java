package dev.tenantcast.bus;

/** The {@code type} of an SSE message: three come from Redis, four are made by the server. */
public enum MessageType {
  DASHBOARD_UPDATE(true, true),
  NOTIFICATION(true, true),
  SYSTEM_ALERT(true, false),
  CONNECTED(false, true),
  HEARTBEAT(false, false),
  /** Delivery degraded (the broker is unreachable) or restored: {@code {"state": "DEGRADED" | "RESTORED"}}. */
  STATUS(false, false),
  ERROR(false, false);

  private final boolean fromRedis;
  private final boolean perTenant;

  MessageType(boolean fromRedis, boolean perTenant) {
    this.fromRedis = fromRedis;
    this.perTenant = perTenant;
  }

  /** Whether events of this type come from a Redis channel (and may be published through Tenantcast). */
  public boolean fromRedis() {
    return fromRedis;
  }

  /** Whether an event of this type belongs to one tenant rather than to everyone. */
  public boolean perTenant() {
    return perTenant;
  }
}
