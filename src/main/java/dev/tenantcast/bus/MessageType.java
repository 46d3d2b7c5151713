package dev.tenantcast.bus;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The {@code type} of an SSE message. Three content types are built in and operators may declare more
 * ({@link EventTypes}); four are made by the server. A value, not an enum, because declared types come from
 * configuration; the built-in ones are the constants below.
 *
 * @param fromRedis whether events of this type come from a broker channel (and may be published through Tenantcast)
 * @param perTenant whether an event of this type belongs to one tenant rather than to everyone
 */
public record MessageType(String name, boolean fromRedis, boolean perTenant) {
  /** A type name: what clients switch on, so upper-case like the built-in ones. */
  public static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");

  public static final MessageType DASHBOARD_UPDATE = new MessageType("DASHBOARD_UPDATE", true, true);
  public static final MessageType NOTIFICATION = new MessageType("NOTIFICATION", true, true);
  public static final MessageType SYSTEM_ALERT = new MessageType("SYSTEM_ALERT", true, false);
  public static final MessageType CONNECTED = new MessageType("CONNECTED", false, true);
  public static final MessageType HEARTBEAT = new MessageType("HEARTBEAT", false, false);
  /**
   * Delivery degraded (the broker is unreachable) or restored: {@code {"state": "DEGRADED" | "RESTORED"}}. Between
   * the broker and the streams only, {@link #RESUBSCRIBED} marks where a channel's events may have a gap.
   */
  public static final MessageType STATUS = new MessageType("STATUS", false, false);
  public static final MessageType ERROR = new MessageType("ERROR", false, false);

  /** The {@code state} of a STATUS that never reaches a client: its channel was subscribed again after a loss. */
  public static final String RESUBSCRIBED = "RESUBSCRIBED";

  private static final List<MessageType> BUILT_IN = List.of(DASHBOARD_UPDATE, NOTIFICATION, SYSTEM_ALERT, CONNECTED,
      HEARTBEAT, STATUS, ERROR);

  public MessageType {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("a type name is 1-64 of A-Z 0-9 _, starting with a letter: " + name);
    }
  }

  /** A content type that an operator declared: from a channel, of one tenant or of everyone. */
  public static MessageType declared(String name, boolean perTenant) {
    return new MessageType(name, true, perTenant);
  }

  /** Every type Tenantcast knows without configuration: the three content types, then the server's own. */
  public static List<MessageType> builtIn() {
    return BUILT_IN;
  }

  /** The built-in type of this name, or null. */
  public static MessageType builtIn(String name) {
    return BUILT_IN.stream().filter(t -> t.name.equals(name)).findFirst().orElse(null);
  }

  @Override
  public String toString() {
    return name;
  }
}
