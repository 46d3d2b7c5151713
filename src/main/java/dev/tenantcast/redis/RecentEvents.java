package dev.tenantcast.redis;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.TenantId;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The newest events of each recently active history, as the subscriber received them, so that most resumes (a blip,
 * a deploy, thousands of clients of a killed instance coming back at once) are answered without reading Redis. A
 * window only ever holds consecutive events of one epoch: an event that does not follow the last one (missed during
 * an outage, or a new epoch) starts it anew, so "everything after position p" is either all there or not claimed.
 * Bounded: {@code perHistory} events each, {@code maxTenants} tenants (the least recently active are dropped first).
 * <p>It is only right while the subscriber hears every event: it must be {@link #clear cleared} when the subscriber
 * connection is lost, or a resume could be answered from a window that misses what was published meanwhile.
 */
final class RecentEvents {
  private final int perHistory;
  private final ArrayDeque<Envelope> alerts = new ArrayDeque<>();
  private final Map<TenantId, ArrayDeque<Envelope>> tenants;
  /** The newest position of each history known here, also of one with no event in memory (read from Redis). */
  private final Map<TenantId, Position> heads;
  private Position alertsHead;
  /** Counts the clears, so that a Redis read that began before one does not teach a head that may be stale. */
  private long generation;

  RecentEvents(int perHistory, int maxTenants) {
    this.perHistory = perHistory;
    this.tenants = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TenantId, ArrayDeque<Envelope>> eldest) {
        return size() > maxTenants;
      }
    };
    this.heads = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<TenantId, Position> eldest) {
        return size() > maxTenants;
      }
    };
  }

  /** Forgets everything: the subscriber lost its connection, so events may have passed unheard. */
  void clear() {
    generation++;
    alerts.clear();
    alertsHead = null;
    tenants.clear();
    heads.clear();
  }

  long generation() {
    return generation;
  }

  /** Forgets one tenant: this instance no longer hears its events (interest mode unsubscribed it). */
  void forget(TenantId tenant) {
    tenants.remove(tenant);
    heads.remove(tenant);
  }

  /**
   * A history's head as Redis answered it, kept unless a newer one is already known, or unless the knowledge was
   * cleared since the read began ({@code readGeneration}).
   */
  void learnHead(TenantId tenant, Position head, long readGeneration) {
    if (readGeneration != generation) {
      return;
    }
    Position known = head(tenant);
    if (head != null && (known == null || !known.epoch().equals(head.epoch()) || head.seq() > known.seq())) {
      setHead(tenant, head);
    }
  }

  void record(Envelope event) {
    if (event.position() == null || perHistory == 0) {
      return;
    }
    ArrayDeque<Envelope> window = event.broadcast() ? alerts
        : tenants.computeIfAbsent(event.tenant(), t -> new ArrayDeque<>());
    Envelope last = window.peekLast();
    if (last != null && !follows(event.position(), last.position())) {
      window.clear();
    }
    window.addLast(event);
    while (window.size() > perHistory) {
      window.removeFirst();
    }
    setHead(event.tenant(), event.position());
  }

  /** The history's newest position known here, or null. */
  Position head(TenantId tenant) {
    return tenant == null ? alertsHead : heads.get(tenant);
  }

  private void setHead(TenantId tenant, Position head) {
    if (tenant == null) {
      alertsHead = head;
    } else {
      heads.put(tenant, head);
    }
  }

  /**
   * The events after {@code since}, when the window holds all of them (it reaches back to the event right after
   * {@code since}, in the same epoch); else null, and the caller reads Redis.
   */
  List<Envelope> after(TenantId tenant, Position since) {
    Position head = head(tenant);
    if (head != null && head.epoch().equals(since.epoch()) && head.seq() == since.seq()) {
      return List.of(); // nothing after it: the common case of an idle history (the alerts', mostly)
    }
    ArrayDeque<Envelope> window = window(tenant);
    if (window == null || window.isEmpty()) {
      return null;
    }
    Position first = window.peekFirst().position();
    if (!first.epoch().equals(since.epoch()) || first.seq() > since.seq() + 1
        || window.peekLast().position().seq() < since.seq()) {
      return null;
    }
    return window.stream().filter(e -> e.position().seq() > since.seq()).toList();
  }

  private ArrayDeque<Envelope> window(TenantId tenant) {
    return tenant == null ? alerts : tenants.get(tenant);
  }

  private static boolean follows(Position next, Position last) {
    return next.epoch().equals(last.epoch()) && next.seq() == last.seq() + 1;
  }
}
