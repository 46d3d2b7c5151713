package dev.tenantcast.bus;

import java.util.List;

/**
 * A broker's answer to a {@link HistoryRequest}: the events after each asked position, in order, and the heads of both
 * histories (the positions of their newest events). {@code gap} names why the events are not all there when they are
 * not: the history no longer holds them, it is another epoch's, or history is off. A gap is never silent: the stream
 * tells its client, which then refetches its state.
 */
public record History(List<Envelope> tenantEvents, List<Envelope> alerts, Position tenantHead, Position alertsHead,
                      Gap gap) {
  /** Why a history could not give everything after the asked position. */
  public enum Gap {
    /** The events are older than what the history keeps ({@code history.maxLength}, {@code history.maxAgeSeconds}). */
    TRIMMED,
    /**
     * The position is from another epoch: the history was lost since (e.g. Redis restarted without persistence). The
     * events given, if any, are all those of the new epoch, which came after everything of the old one.
     */
    EPOCH,
    /** History is off, or the broker cannot read it now. */
    UNAVAILABLE
  }

  public History {
    tenantEvents = List.copyOf(tenantEvents);
    alerts = List.copyOf(alerts);
  }

  public boolean complete() {
    return gap == null;
  }
}
