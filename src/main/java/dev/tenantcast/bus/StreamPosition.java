package dev.tenantcast.bus;

/**
 * Where a stream stands: in its tenant's history and in the system alerts' history (either may be unknown: null). It
 * is the SSE {@code id} of every content event, so that the browser's own reconnect ({@code Last-Event-ID}) and the
 * client's {@code ?lastEventId=} both carry everything a resume needs. Written {@code <tenant>_<alerts>}, with
 * {@code 0} for an unknown part: short, opaque to clients, and made of {@code [0-9a-f._-]} only.
 */
public record StreamPosition(Position tenant, Position alerts) {
  private static final String UNKNOWN = "0";

  /** The position an SSE id names, or null when it names none (malformed, or an id from before history). */
  public static StreamPosition parse(String id) {
    if (id == null || id.length() > 128) {
      return null;
    }
    int separator = id.indexOf('_');
    if (separator < 0 || separator != id.lastIndexOf('_')) {
      return null;
    }
    String tenant = id.substring(0, separator);
    String alerts = id.substring(separator + 1);
    Position t = tenant.equals(UNKNOWN) ? null : Position.parse(tenant);
    Position a = alerts.equals(UNKNOWN) ? null : Position.parse(alerts);
    if ((t == null && !tenant.equals(UNKNOWN)) || (a == null && !alerts.equals(UNKNOWN))) {
      return null;
    }
    return new StreamPosition(t, a);
  }

  /** This position after an event of the tenant's history, or of the alerts' history. */
  public StreamPosition after(Position event, boolean alert) {
    return alert ? new StreamPosition(tenant, event) : new StreamPosition(event, alerts);
  }

  public String toId() {
    return (tenant == null ? UNKNOWN : tenant.toString()) + "_" + (alerts == null ? UNKNOWN : alerts.toString());
  }
}
