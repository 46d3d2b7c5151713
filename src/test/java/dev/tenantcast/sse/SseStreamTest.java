package dev.tenantcast.sse;

import dev.tenantcast.bus.TenantId;
import dev.tenantcast.stats.ServiceStats;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseStreamTest {
  private final RecordingSink sink = new RecordingSink();
  private final AtomicInteger closed = new AtomicInteger();
  private final ServiceStats stats = new ServiceStats("test");
  private final SseStream stream = new SseStream("i-1", new TenantId("acme"), Long.MAX_VALUE, sink,
      new Collapsing(false, null, 1024, stats), closed::incrementAndGet);
  /** A stream with latest-state delivery, allowed 100 bytes of backlog. */
  private final SseStream collapsing = new SseStream("i-2", new TenantId("acme"), Long.MAX_VALUE, sink,
      new Collapsing(true, "key", 100, stats), closed::incrementAndGet);

  private static WireFrame frame(String text) {
    return new WireFrame(Buffer.buffer(text));
  }

  private static WireFrame update(String text, String key) {
    return new WireFrame(Buffer.buffer(text), key);
  }

  @Test
  void framesQueuedInOnePassAreWrittenWithOneWrite() {
    stream.start(Buffer.buffer("first"));
    WireFrame a = frame("a");
    WireFrame b = frame("b");
    assertTrue(stream.enqueue(a));
    assertTrue(stream.enqueue(b));
    assertTrue(sink.writes.isEmpty(), "nothing written before the flush");
    stream.flush();
    assertEquals(1, sink.writes.size());
    assertSame(a, sink.writes.get(0).get(0), "the shared frame itself, not a copy");
    assertSame(b, sink.writes.get(0).get(1));
    stream.flush();
    assertEquals(1, sink.writes.size(), "an empty flush writes nothing");
  }

  @Test
  void theFirstFrameLeavesWithTheFramesQueuedAfterItInOneWrite() {
    Buffer first = Buffer.buffer("first");
    stream.start(first);
    stream.enqueue(frame("replayed 1"));
    stream.enqueue(frame("replayed 2"));
    assertTrue(sink.started.isEmpty(), "nothing written before the flush");
    stream.flush();
    assertEquals(List.of(first), sink.started, "the response head goes with the first frame");
    assertEquals(List.of("replayed 1", "replayed 2"), sink.frames(), "and the frames behind it, in the same write");
    assertEquals(1, sink.writes.size());
  }

  @Test
  void aBatchAsLargeAsTheLimitIsWrittenAtOnce() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("x".repeat(SseStream.MAX_BATCH_BYTES)));
    assertEquals(1, sink.writes.size(), "written without waiting for the end of the pass");
    assertFalse(stream.hasPending());
  }

  @Test
  void aClientThatStoppedReadingGetsNothingQueued() {
    stream.start(Buffer.buffer("first"));
    stream.flush();
    sink.full = true;
    assertFalse(stream.enqueue(frame("a")), "the caller drops the stream");
    assertFalse(stream.hasPending());
  }

  @Test
  void behindItsClientAStreamKeepsTheNewestStateOfEachKeyAndEveryOtherFrameInOrderUntilItDrains() {
    collapsing.start(Buffer.buffer("first"));
    assertTrue(collapsing.enqueue(update("c1", "u:cpu")));
    sink.full = true;
    assertTrue(collapsing.enqueue(update("m1", "u:mem")));
    assertTrue(collapsing.enqueue(frame("n1")));
    assertTrue(collapsing.enqueue(update("c2", "u:cpu")));
    assertTrue(collapsing.enqueue(frame("n2")));
    assertTrue(collapsing.enqueue(update("c3", "u:cpu")));
    assertTrue(collapsing.enqueue(update("m2", "u:mem")));
    assertTrue(collapsing.behind());
    collapsing.flush();
    assertTrue(sink.writes.isEmpty(), "nothing written while the client's buffer is full");
    sink.drain();
    assertEquals(List.of("n1", "n2", "c3", "m2"), sink.frames(), "the newest state of each key, in their order");
    assertEquals(1, sink.writes.size(), "with one write");
    assertEquals(3, stats.toJson().getJsonObject("messages").getLong("collapsed"));
    assertEquals(6, stats.toJson().getJsonObject("messages").getLong("collapsedBytes"));
    assertTrue(collapsing.enqueue(update("c4", "u:cpu")));
    collapsing.flush();
    assertEquals("c4", sink.frames().get(4), "live again once drained");
  }

  @Test
  void aStreamBehindItsClientIsGivenUpOnlyWhenWhatItMustKeepOutgrowsItsBacklog() {
    collapsing.start(Buffer.buffer("first"));
    sink.full = true;
    for (int i = 0; i < 1000; i++) {
      assertTrue(collapsing.enqueue(update("state " + i, "u")), "one state, however many updates");
    }
    for (int i = 0; i < 11; i++) { // 9 + 11 * 8 = 97 bytes
      assertTrue(collapsing.enqueue(frame("notice " + i)));
    }
    assertFalse(collapsing.enqueue(frame("notice x")), "a notification is never dropped: the stream is cut");
    sink.drain();
    assertEquals("state 999", sink.frames().get(0));
    assertEquals(13, sink.frames().size());
  }

  @Test
  void endWritesWhatIsQueuedFirstAndEndsOnce() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("last words"));
    stream.end();
    stream.end();
    assertEquals(List.of("last words"), sink.frames());
    assertEquals(1, sink.ended);
    assertTrue(stream.enqueue(frame("after")), "an ended stream swallows frames quietly");
    stream.flush();
    assertEquals(1, sink.writes.size());
  }

  @Test
  void abortDropsWhatIsQueued() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("never"));
    stream.abort();
    stream.flush();
    assertTrue(sink.writes.isEmpty());
    assertEquals(1, sink.aborted);
  }

  @Test
  void closedRunsTheCallbackOfWhoAdmittedItAndWritesNothingMore() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("never"));
    stream.closed();
    stream.flush();
    assertEquals(1, closed.get());
    assertTrue(sink.started.isEmpty() && sink.writes.isEmpty(), "the client is gone");
  }
}
