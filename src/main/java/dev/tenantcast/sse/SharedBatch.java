package dev.tenantcast.sse;

import io.netty.buffer.ByteBuf;

import java.util.ArrayList;
import java.util.List;

/**
 * The frames of one tenant in one event-loop pass, shared by the tenant's streams that were in step (nothing of their
 * own queued) when they joined it: each member gets them in one write of one HTTP chunk made once for all, so a burst
 * costs one write per stream and pass, not one per frame and stream (in scenario d, about 300 frames a pass).
 * A member that gets a frame of its own first takes the batch's frames so far as its own ({@link SseStream#enqueue}).
 */
final class SharedBatch {
  private final List<WireFrame> frames = new ArrayList<>();
  private final List<SseStream> members;
  private int bytes;
  /** The chunk of the frames from {@code chunkFrom} on, once a member asked for it. */
  private ByteBuf chunk;
  private int chunkFrom = -1;

  /** @param streams how many streams the tenant has here: most of them join */
  SharedBatch(int streams) {
    members = new ArrayList<>(streams);
  }

  void add(WireFrame frame) {
    frames.add(frame);
    bytes += frame.bytes().length();
  }

  int size() {
    return frames.size();
  }

  int bytes() {
    return bytes;
  }

  void join(SseStream stream) {
    members.add(stream);
  }

  /** The streams that joined, in order (one that left and joined again is there twice). */
  List<SseStream> members() {
    return members;
  }

  /** The frames from index {@code from} on: what a stream that joined there gets. */
  List<WireFrame> frames(int from) {
    return frames.subList(from, frames.size());
  }

  /** A new view of the HTTP chunk of the frames from index {@code from} on, made once and shared by the members. */
  ByteBuf chunk(int from) {
    if (frames.size() - from == 1) {
      return frames.get(from).chunk();
    }
    if (chunk == null || chunkFrom != from) {
      chunk = WireFrame.chunkOf(frames(from));
      chunkFrom = from;
    }
    return chunk.duplicate();
  }
}
