package dev.tenantcast.sse;

import dev.tenantcast.bus.BrokerClient;
import dev.tenantcast.bus.BrokerEndpoint;
import dev.tenantcast.bus.BrokerStatus;
import dev.tenantcast.bus.Envelope;
import dev.tenantcast.bus.History;
import dev.tenantcast.bus.Interest;
import dev.tenantcast.bus.MessageType;
import dev.tenantcast.bus.Position;
import dev.tenantcast.bus.TenantId;
import dev.tenantcast.stats.LiveFigures;
import dev.tenantcast.stats.ServiceMetrics;
import dev.tenantcast.stats.ServiceStats;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fan-out of one HTTP verticle instance, on a real (in-process) event bus and a real event loop, with streams that
 * record what they would write: encoding once, tenant routing, one write per pass, heartbeat slots, token expiry,
 * slow consumers and interest.
 */
@ExtendWith(VertxExtension.class)
class TenantFanoutTest {
  private static final int HEARTBEAT_SECONDS = 3;
  private Vertx vertx;
  private Context context;
  private TenantFanout fanout;
  /** Latest-state delivery, with a backlog of a few events per stream. */
  private Collapsing collapsing;
  private ServiceStats stats;
  private BrokerEndpoint broker;
  private final List<Interest> interest = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    context = vertx.getOrCreateContext();
    stats = new ServiceStats("test");
    collapsing = new Collapsing(true, "key", 1024, stats);
    broker = new BrokerEndpoint(vertx.eventBus());
    broker.serveInterest(i -> {
      synchronized (interest) {
        interest.add(i);
      }
      return Future.succeededFuture();
    }).await(5, TimeUnit.SECONDS);
    fanout = onLoop(() -> new TenantFanout(vertx, new BrokerClient(vertx.eventBus()), stats,
        new ServiceMetrics(new SimpleMeterRegistry(), stats, new BrokerStatus(), () -> 0, () -> 0),
        new LiveFigures("test", stats, () -> 0, java.util.Map::of, 10, 5), collapsing, HEARTBEAT_SECONDS, 100));
    onLoop(() -> fanout.start()).await(5, TimeUnit.SECONDS);
  }

  /** Runs on the fan-out's event loop, as everything that touches it does, and waits for the result. */
  private <T> T onLoop(Callable<T> action) throws Exception {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return done.future().await(5, TimeUnit.SECONDS);
  }

  /** Waits until the loop has run everything queued so far (deliveries, then the deferred flush). */
  private void settle() throws Exception {
    onLoop(() -> null);
    onLoop(() -> null);
  }

  private record Added(SseStream stream, RecordingSink sink, AtomicInteger closed) {
  }

  private Added add(String tenant, long expiresAt) throws Exception {
    RecordingSink sink = new RecordingSink();
    AtomicInteger closed = new AtomicInteger();
    SseStream stream = new SseStream(tenant + "-" + System.nanoTime(), new TenantId(tenant), expiresAt, sink,
        collapsing, closed::incrementAndGet);
    onLoop(() -> {
      fanout.add(stream, Resume.NONE, resume -> Buffer.buffer("first"));
      return null;
    });
    // started once its tenant's consumer is registered and interest answered
    for (int i = 0; i < 100 && !stream.started(); i++) {
      settle();
    }
    assertTrue(stream.started());
    return new Added(stream, sink, closed);
  }

  private void deliver(String tenant, int n) {
    broker.deliver(Envelope.of("id-" + n, null, MessageType.DASHBOARD_UPDATE, tenant == null ? null
        : new TenantId(tenant),
        new JsonObject().put("n", n), 1L));
  }

  @Test
  void aTenantsEventIsEncodedOnceAndWrittenToItsStreamsOnly() throws Exception {
    Added acme1 = add("acme", Long.MAX_VALUE);
    Added acme2 = add("acme", Long.MAX_VALUE);
    Added globex = add("globex", Long.MAX_VALUE);
    deliver("acme", 1);
    settle();
    assertEquals(1, acme1.sink().writes.size());
    assertSame(acme1.sink().writes.get(0).get(0), acme2.sink().writes.get(0).get(0), "one frame shared by both");
    assertTrue(acme1.sink().frames().get(0).startsWith("id: id-1\ndata: {\"type\":\"DASHBOARD_UPDATE\""));
    assertTrue(globex.sink().writes.isEmpty(), "never another tenant's");
    assertEquals(2, stats.toJson().getJsonObject("messages").getLong("delivered"));
  }

  @Test
  void eventsOfOnePassAreFlushedTogetherAndBroadcastsReachEveryone() throws Exception {
    Added acme = add("acme", Long.MAX_VALUE);
    Added globex = add("globex", Long.MAX_VALUE);
    onLoop(() -> {
      deliver("acme", 1);
      deliver("acme", 2);
      deliver(null, 3);
      return null;
    });
    settle();
    assertEquals(1, acme.sink().writes.size(), "one write for the pass: " + acme.sink().frames());
    assertEquals(3, acme.sink().writes.get(0).size());
    assertEquals(1, globex.sink().frames().size(), "the broadcast only");
  }

  @Test
  void aTenantsFramesOfOnePassGoToItsStreamsAsOneSharedBatchAndAFrameOfAStreamsOwnKeepsItsPlace() throws Exception {
    Added first = add("acme", Long.MAX_VALUE); // heartbeat slot 0: the first tick's
    Added second = add("acme", Long.MAX_VALUE);
    onLoop(() -> {
      deliver("acme", 1);
      deliver("acme", 2);
      context.runOnContext(v -> fanout.tick(1000)); // between the events, in the same pass
      deliver("acme", 3);
      return null;
    });
    settle();
    assertEquals(1, second.sink().writes.size(), "one write for the pass: " + second.sink().frames());
    assertEquals(1, second.sink().sharedWrites, "the tenant's shared batch");
    assertEquals(List.of("id-1", "id-2", "id-3"), ids(second.sink().frames()));
    assertEquals(1, first.sink().writes.size(), "one write for the pass: " + first.sink().frames());
    assertEquals(0, first.sink().sharedWrites, "its own queue, once it had a frame of its own");
    assertEquals(List.of("id-1", "id-2", "heartbeat", "id-3"), ids(first.sink().frames()),
        "the batch's frames before the stream's own, then the rest");
    for (int i = 0; i < 3; i++) {
      assertSame(second.sink().writes.get(0).get(i), first.sink().writes.get(0).get(i == 2 ? 3 : i), "shared");
    }
    assertEquals(6, stats.toJson().getJsonObject("messages").getLong("delivered"));
  }

  @Test
  void aPassLargerThanABatchIsWrittenInBatchesOfAtMost64KiloBytesInOrder() throws Exception {
    Added a = add("acme", Long.MAX_VALUE);
    Added b = add("acme", Long.MAX_VALUE);
    String kilobyte = "x".repeat(1024);
    int events = 150;
    onLoop(() -> {
      for (int n = 1; n <= events; n++) {
        broker.deliver(Envelope.of("id-" + n, null, MessageType.DASHBOARD_UPDATE, new TenantId("acme"),
            new JsonObject().put("n", n).put("pad", kilobyte), 1L));
      }
      return null;
    });
    settle();
    for (Added stream : List.of(a, b)) {
      List<String> ids = ids(stream.sink().frames());
      assertEquals(events, ids.size());
      for (int n = 1; n <= events; n++) {
        assertEquals("id-" + n, ids.get(n - 1));
      }
      assertTrue(stream.sink().writes.size() >= 2, "150 kB in more than one write");
      assertEquals(stream.sink().writes.size(), stream.sink().sharedWrites, "each of them a shared batch");
      for (List<WireFrame> write : stream.sink().writes) {
        int bytes = write.stream().mapToInt(f -> f.bytes().length()).sum();
        assertTrue(bytes < SseStream.MAX_BATCH_BYTES + 2048, "at most one frame past 64 kB: " + bytes);
      }
    }
  }

  /** Each frame's id, or "heartbeat". */
  private static List<String> ids(List<String> frames) {
    return frames.stream().map(f -> f.contains("\"HEARTBEAT\"") ? "heartbeat" : f.substring(4, f.indexOf('\n')))
        .toList();
  }

  @Test
  void eachStreamGetsOneHeartbeatPerIntervalSpreadOverTheTicks() throws Exception {
    List<Added> streams = new ArrayList<>();
    for (int i = 0; i < 2 * HEARTBEAT_SECONDS; i++) {
      streams.add(add("acme", Long.MAX_VALUE));
    }
    for (int tick = 0; tick < HEARTBEAT_SECONDS; tick++) {
      onLoop(() -> {
        fanout.tick(1000);
        return null;
      });
      settle();
      int withHeartbeat = (int) streams.stream().filter(s -> !s.sink().writes.isEmpty()).count();
      assertEquals(2 * (tick + 1), withHeartbeat, "two more streams per tick");
    }
    for (Added s : streams) {
      assertEquals(1, s.sink().frames().size());
      assertTrue(s.sink().frames().get(0).startsWith("data: {\"type\":\"HEARTBEAT\""), "no id on a heartbeat");
    }
  }

  @Test
  void aStreamWhoseTokenExpiredIsToldThenEndedAndReleasedOnce() throws Exception {
    Added expiring = add("acme", 5_000);
    Added lasting = add("acme", Long.MAX_VALUE);
    onLoop(() -> {
      fanout.tick(4_999);
      return null;
    });
    assertEquals(0, expiring.sink().ended);
    onLoop(() -> {
      fanout.tick(5_000);
      return null;
    });
    assertTrue(expiring.sink().frames().get(expiring.sink().frames().size() - 1).contains("\"TOKEN_EXPIRED\""));
    assertEquals(1, expiring.sink().ended);
    assertEquals(1, expiring.closed().get());
    onLoop(() -> {
      fanout.remove(expiring.stream());
      return null;
    });
    assertEquals(1, expiring.closed().get(), "released once, however often it is removed");
    assertEquals(0, lasting.sink().ended);
  }

  private void deliver(String tenant, int n, MessageType type, String key) {
    JsonObject data = new JsonObject().put("n", n);
    if (key != null) {
      data.put("key", key);
    }
    broker.deliver(Envelope.of("id-" + n, null, type, new TenantId(tenant), data, 1L));
  }

  @Test
  void aStreamBehindItsClientGetsEachKeysLatestStateAndEveryNotificationWhenItDrainsAndTheOthersEverything()
      throws Exception {
    Added slow = add("acme", Long.MAX_VALUE);
    Added fast = add("acme", Long.MAX_VALUE);
    slow.sink().full = true;
    deliver("acme", 1, MessageType.DASHBOARD_UPDATE, "cpu");
    deliver("acme", 2, MessageType.NOTIFICATION, null);
    deliver("acme", 3, MessageType.DASHBOARD_UPDATE, "mem");
    deliver("acme", 4, MessageType.DASHBOARD_UPDATE, "cpu");
    deliver("acme", 5, MessageType.NOTIFICATION, null);
    deliver("acme", 6, MessageType.DASHBOARD_UPDATE, "cpu");
    deliver("acme", 7, MessageType.DASHBOARD_UPDATE, null);
    deliver("acme", 8, MessageType.DASHBOARD_UPDATE, null);
    settle();
    assertEquals(8, fast.sink().frames().size());
    assertTrue(slow.sink().writes.isEmpty());
    onLoop(() -> {
      slow.sink().drain();
      return null;
    });
    assertEquals(List.of("id-2", "id-3", "id-5", "id-6", "id-8"),
        slow.sink().frames().stream().map(f -> f.substring(4, f.indexOf('\n'))).toList(),
        "each key's newest state (one per tenant without a key) and every notification, in order");
    assertEquals(0, slow.sink().aborted);
    assertEquals(3, stats.toJson().getJsonObject("messages").getLong("collapsed"));
  }

  @Test
  void aStreamBehindItsClientIsDroppedWhenEvenItsBacklogIsFullAndTheOthersGetTheEvent() throws Exception {
    Added slow = add("acme", Long.MAX_VALUE);
    Added fast = add("acme", Long.MAX_VALUE);
    slow.sink().full = true;
    int n = 0;
    while (slow.sink().aborted == 0 && n < 1000) {
      deliver("acme", ++n, MessageType.NOTIFICATION, null);
      settle();
    }
    assertEquals(1, slow.sink().aborted, "notifications are never collapsed: cut once they outgrow the backlog");
    assertTrue(n > 3, "not before the backlog was full: " + n);
    assertEquals(1, slow.closed().get());
    assertEquals(n, fast.sink().frames().size());
    JsonObject messages = stats.toJson().getJsonObject("messages");
    assertEquals(1, messages.getLong("slowConsumersClosed"));
    assertEquals(1, messages.getLong("dropped"));
  }

  @Test
  void theFirstStreamOfATenantDeclaresInterestAndTheLastWithdrawsIt() throws Exception {
    Added first = add("acme", Long.MAX_VALUE);
    Added second = add("acme", Long.MAX_VALUE);
    onLoop(() -> {
      fanout.remove(first.stream());
      return null;
    });
    settle();
    synchronized (interest) {
      assertEquals(List.of(new Interest(new TenantId("acme"), true)), interest);
    }
    onLoop(() -> {
      fanout.remove(second.stream());
      return null;
    });
    for (int i = 0; i < 100 && interestSize() < 2; i++) {
      settle();
    }
    synchronized (interest) {
      assertEquals(new Interest(new TenantId("acme"), false), interest.get(1));
    }
  }

  @Test
  void aResumingStreamGetsTheReplayThenTheHeldLiveEventsItDidNotHaveOnce() throws Exception {
    TenantId acme = new TenantId("acme");
    // The broker: heads for a new group; for the resume, two live events arrive while it reads, then the history.
    broker.serveHistory(request -> {
      if (request.tenantSince() == null) {
        return Future.succeededFuture(new History(List.of(), List.of(), at(1), null, null));
      }
      broker.deliver(event(acme, 3));
      broker.deliver(event(acme, 4));
      return Future.succeededFuture(new History(List.of(event(acme, 2), event(acme, 3)), List.of(), at(3), null,
          null));
    }).await(5, TimeUnit.SECONDS);
    RecordingSink sink = new RecordingSink();
    SseStream stream = new SseStream("r-1", acme, Long.MAX_VALUE, sink, collapsing, () -> { });
    List<JsonObject> connected = new ArrayList<>();
    onLoop(() -> {
      fanout.add(stream, Resume.of("e1.100-1_0"), resume -> {
        connected.add(resume);
        return Buffer.buffer("first");
      });
      return null;
    });
    for (int i = 0; i < 100 && sink.frames().size() < 3; i++) {
      settle();
    }
    assertEquals(List.of(new JsonObject().put("requested", true).put("resumed", true).put("replayed", 2)), connected);
    List<String> frames = sink.frames();
    assertEquals(3, frames.size(), "2 and 3 from history, 4 held; 3 held too but sent once: " + frames);
    for (int n = 2; n <= 4; n++) {
      assertTrue(frames.get(n - 2).startsWith("id: e1.100-" + n + "_0\n"), frames.get(n - 2));
    }
    deliver("acme", 5);
    settle();
    assertTrue(sink.frames().get(3).startsWith("id: e1.100-4_0\n"), "live again, at the group's position");
  }

  @Test
  void anEventTheReplayAlreadySentIsNotSentAgainWhenItsLiveCopyArrivesLate() throws Exception {
    TenantId acme = new TenantId("acme");
    // The history read can see event 3 before its live copy reaches this instance (another connection): the replay
    // sends it, and the live copy that follows must not.
    broker.serveHistory(request -> Future.succeededFuture(request.tenantSince() == null
        ? new History(List.of(), List.of(), at(1), null, null)
        : new History(List.of(event(acme, 2), event(acme, 3)), List.of(), at(3), null, null)))
        .await(5, TimeUnit.SECONDS);
    RecordingSink sink = new RecordingSink();
    SseStream stream = new SseStream("r-2", acme, Long.MAX_VALUE, sink, collapsing, () -> { });
    onLoop(() -> {
      fanout.add(stream, Resume.of("e1.100-1_0"), resume -> Buffer.buffer("first"));
      return null;
    });
    for (int i = 0; i < 100 && sink.frames().size() < 2; i++) {
      settle();
    }
    broker.deliver(event(acme, 2));
    broker.deliver(event(acme, 3));
    broker.deliver(event(acme, 4));
    for (int i = 0; i < 100 && sink.frames().size() < 3; i++) {
      settle();
    }
    settle();
    List<String> frames = sink.frames();
    assertEquals(3, frames.size(), "2 and 3 replayed, their late live copies skipped, then 4: " + frames);
    for (int n = 2; n <= 4; n++) {
      assertTrue(frames.get(n - 2).startsWith("id: e1.100-" + n + "_0\n"), frames.get(n - 2));
    }
  }

  @Test
  void eventsMissedBeforeAResubscriptionAreReplayedThoughLaterOnesArrivedLiveFirst() throws Exception {
    TenantId acme = new TenantId("acme");
    // Redis Cluster failover: event 2 went to the new master before this instance subscribed there; event 3 arrives
    // live after the resubscription, before every other channel is back (RESTORED). History holds 1, 2 and 3.
    List<Envelope> history = List.of(event(acme, 1), event(acme, 2), event(acme, 3));
    List<Position> asked = new ArrayList<>();
    broker.serveHistory(request -> {
      if (request.tenantSince() == null) {
        return Future.succeededFuture(new History(List.of(), List.of(), at(0), null, null));
      }
      synchronized (asked) {
        asked.add(request.tenantSince());
      }
      long since = request.tenantSince().seq();
      return Future.succeededFuture(new History(history.stream().filter(e -> e.position().seq() > since).toList(),
          List.of(), at(3), null, null));
    }).await(5, TimeUnit.SECONDS);
    Added stream = add("acme", Long.MAX_VALUE);
    broker.deliver(event(acme, 1));
    settle();
    onLoop(() -> {
      broker.deliver(Envelope.of(null, null, MessageType.STATUS, acme,
          new JsonObject().put("state", MessageType.RESUBSCRIBED), 100));
      broker.deliver(event(acme, 3));
      broker.deliver(Envelope.ofServer(MessageType.STATUS, new JsonObject().put("state", "RESTORED"), 100));
      return null;
    });
    for (int i = 0; i < 100 && stream.sink().frames().size() < 4; i++) {
      settle();
    }
    settle();
    List<String> frames = stream.sink().frames();
    assertEquals(4, frames.size(), "1, RESTORED, 2, 3, each once: " + frames);
    assertTrue(frames.get(0).startsWith("id: e1.100-1_0\n"), frames.get(0));
    assertTrue(frames.get(1).contains("\"RESTORED\""), frames.get(1));
    assertTrue(frames.get(2).startsWith("id: e1.100-2_0\n"), "the missed one, from history: " + frames.get(2));
    assertTrue(frames.get(3).startsWith("id: e1.100-3_0\n"), frames.get(3));
    synchronized (asked) {
      assertEquals(at(1), asked.get(0), "replayed from the last event before the gap");
    }
  }

  private static Position at(long seq) {
    return new Position("e1", 100, seq);
  }

  private static Envelope event(TenantId tenant, long seq) {
    return Envelope.of(at(seq).toString(), at(seq), MessageType.DASHBOARD_UPDATE, tenant,
        new JsonObject().put("n", seq), 100);
  }

  private int interestSize() {
    synchronized (interest) {
      return interest.size();
    }
  }
}
