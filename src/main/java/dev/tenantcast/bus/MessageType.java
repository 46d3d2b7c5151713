package dev.tenantcast.bus;

/** The {@code type} of an SSE message: three come from Redis, four are made by the server. */
public enum MessageType {
  DASHBOARD_UPDATE(true, true),
  NOTIFICATION(true, true),
  SYSTEM_ALERT(true, false),
  CONNECTED(false, true),
  HEARTBEAT(false, false),
  /**
   * Delivery degraded (the broker is unreachable) or restored: {@code {"state": "DEGRADED" | "RESTORED"}}. Between
   * the broker and the streams only, {@link #RESUBSCRIBED} marks where a channel's events may have a gap.
   */
  STATUS(false, false),
  ERROR(false, false);

  /** The {@code state} of a STATUS that never reaches a client: its channel was subscribed again after a loss. */
  public static final String RESUBSCRIBED = "RESUBSCRIBED";

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
