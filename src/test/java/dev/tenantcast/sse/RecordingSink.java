package dev.tenantcast.sse;

import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;

/** A stream's sink without a connection: records what the stream writes, and can play a client that stopped reading. */
final class RecordingSink extends StreamSink {
  final List<Buffer> started = new ArrayList<>();
  /** One entry per write call: the frames it carried, in order. */
  final List<List<WireFrame>> writes = new ArrayList<>();
  /** How many of the writes were a tenant's shared batch (the others: the stream's own queue). */
  int sharedWrites;
  boolean full;
  Runnable drained;
  int ended;
  int aborted;

  RecordingSink() {
    super(null);
  }

  @Override
  void start(Buffer firstFrame, List<WireFrame> frames) {
    started.add(firstFrame);
    if (!frames.isEmpty()) {
      write(frames);
    }
  }

  @Override
  boolean full() {
    return full;
  }

  @Override
  void onDrained(Runnable drained) {
    this.drained = drained;
  }

  /** Plays a client that has read its buffer down. */
  void drain() {
    full = false;
    drained.run();
  }

  @Override
  void write(List<WireFrame> frames) {
    writes.add(List.copyOf(frames));
  }

  @Override
  void write(SharedBatch batch, int from) {
    sharedWrites++;
    super.write(batch, from);
  }

  @Override
  void end() {
    ended++;
  }

  @Override
  void abort() {
    aborted++;
  }

  /** Every frame written so far, as text, in order. */
  List<String> frames() {
    List<String> text = new ArrayList<>();
    writes.forEach(w -> w.forEach(f -> text.add(f.bytes().toString())));
    return text;
  }
}
