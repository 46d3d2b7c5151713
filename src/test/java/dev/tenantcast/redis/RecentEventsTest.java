package dev.tenantcast.redis;

import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.TenantId;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RecentEventsTest {
  private static final TenantId ACME = new TenantId("acme");
  private final RecentEvents recent = new RecentEvents(3, 10);

  private static Envelope event(String epoch, long seq) {
    Position position = new Position(epoch, 100, seq);
    return Envelope.of(position.toString(), position, MessageType.DASHBOARD_UPDATE, ACME, new JsonObject(), 100);
  }

  private static List<Long> seqs(List<Envelope> events) {
    return events.stream().map(e -> e.position().seq()).toList();
  }

  @Test
  void answersOnlyWhenItHoldsEverythingAfterThePosition() {
    for (long seq = 1; seq <= 5; seq++) {
      recent.record(event("e1", seq));
    }
    assertEquals(List.of(4L, 5L), seqs(recent.after(ACME, new Position("e1", 100, 3))));
    assertEquals(List.of(3L, 4L, 5L), seqs(recent.after(ACME, new Position("e1", 100, 2))));
    assertNull(recent.after(ACME, new Position("e1", 100, 1)), "2 is no longer held: Redis must answer");
    assertEquals(List.of(), recent.after(ACME, new Position("e1", 100, 5)), "nothing after the head");
    assertNull(recent.after(ACME, new Position("e0", 100, 4)), "another epoch");
  }

  @Test
  void aGapOrANewEpochStartsTheWindowAnew() {
    recent.record(event("e1", 1));
    recent.record(event("e1", 2));
    recent.record(event("e1", 4)); // 3 was not heard
    assertNull(recent.after(ACME, new Position("e1", 100, 2)));
    recent.record(event("e2", 1));
    assertEquals(List.of(1L), seqs(recent.after(ACME, new Position("e2", 100, 0))));
  }

  @Test
  void whatWasNotHeardLiveIsNeverClaimed() {
    recent.record(event("e1", 1));
    recent.learnHead(null, new Position("a1", 100, 7), recent.generation());
    assertEquals(List.of(), recent.after(null, new Position("a1", 100, 7)), "an idle history, from memory");
    long readStartedAt = recent.generation();
    recent.clear(); // the subscriber lost its connection
    assertNull(recent.after(ACME, new Position("e1", 100, 1)));
    assertNull(recent.after(null, new Position("a1", 100, 7)));
    recent.learnHead(null, new Position("a1", 100, 7), readStartedAt);
    assertNull(recent.head(null), "a read from before the loss teaches nothing");
    recent.record(event("e1", 2));
    recent.forget(ACME); // unsubscribed
    assertNull(recent.head(ACME));
  }
}
