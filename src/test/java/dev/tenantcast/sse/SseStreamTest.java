package dev.tenantcast.sse;

import dev.tenantcast.bus.TenantId;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseStreamTest {
  private final RecordingSink sink = new RecordingSink();
  private final AtomicInteger closed = new AtomicInteger();
  private final SseStream stream = new SseStream("i-1", new TenantId("acme"), Long.MAX_VALUE, sink,
      closed::incrementAndGet);

  private static WireFrame frame(String text) {
    return new WireFrame(Buffer.buffer(text));
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
  void aBatchAsLargeAsTheLimitIsWrittenAtOnce() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("x".repeat(SseStream.MAX_BATCH_BYTES)));
    assertEquals(1, sink.writes.size(), "written without waiting for the end of the pass");
    assertFalse(stream.hasPending());
  }

  @Test
  void aClientThatStoppedReadingGetsNothingQueued() {
    stream.start(Buffer.buffer("first"));
    sink.full = true;
    assertFalse(stream.enqueue(frame("a")), "the caller drops the stream");
    assertFalse(stream.hasPending());
  }

  @Test
  void endWritesWhatIsQueuedFirstAndEndsOnce() {
    stream.start(Buffer.buffer("first"));
    stream.enqueue(frame("last words"));
    stream.end();
    stream.end();
    assertEquals(java.util.List.of("last words"), sink.frames());
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
  void closedRunsTheCallbackOfWhoAdmittedIt() {
    stream.closed();
    assertEquals(1, closed.get());
  }
}
