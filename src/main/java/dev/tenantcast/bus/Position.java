package dev.tenantcast.bus;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A place in one history (a tenant's events, or the system alerts): the history's epoch, and the stream id
 * {@code ms-seq} of an event in it, where {@code seq} counts the history's events from 1 ({@code 0-0}: before the
 * first). The epoch changes when a history is lost (Redis restarted without persistence), so a position from before
 * is never taken for one in the new history. Written {@code <epoch>.<ms>-<seq>}, which is also the event's id.
 */
public record Position(String epoch, long ms, long seq) implements Comparable<Position> {
  private static final Pattern TEXT = Pattern.compile("([0-9a-f]{1,16})\\.(\\d{1,15})-(\\d{1,15})");

  /** The position of {@code text}, or null when it is not one. */
  public static Position parse(String text) {
    if (text == null) {
      return null;
    }
    Matcher m = TEXT.matcher(text);
    return m.matches() ? new Position(m.group(1), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))) : null;
  }

  /** The Redis stream id of the event. */
  public String streamId() {
    return ms + "-" + seq;
  }

  /**
   * Whether an event at this position comes after one at {@code other}: later in the same history, or in another
   * epoch (the history was started anew, so everything in it is new).
   */
  public boolean after(Position other) {
    return other == null || !epoch.equals(other.epoch) || seq > other.seq;
  }

  @Override
  public int compareTo(Position other) {
    return Long.compare(seq, other.seq);
  }

  @Override
  public String toString() {
    return epoch + "." + ms + "-" + seq;
  }
}
