package dev.tenantcast.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One encoded event, shared by every stream it is written to: its SSE bytes, and the same bytes framed as one HTTP/1.1
 * chunk, made once on first use, so that writing it to a thousand streams costs a thousand buffer views and no
 * encoding or copying at all.
 */
final class WireFrame {
  private static final byte[] CRLF = {'\r', '\n'};

  private final Buffer bytes;
  private final String collapseKey;
  private ByteBuf chunk;

  WireFrame(Buffer bytes) {
    this(bytes, null);
  }

  /** @param collapseKey see {@link Collapsing#keyOf}: a newer frame of the same key may replace this one */
  WireFrame(Buffer bytes, String collapseKey) {
    this.bytes = bytes;
    this.collapseKey = collapseKey;
  }

  Buffer bytes() {
    return bytes;
  }

  String collapseKey() {
    return collapseKey;
  }

  /** A new view of the shared HTTP chunk: views are cheap, and the chunk is never released (the GC frees it). */
  ByteBuf chunk() {
    if (chunk == null) {
      chunk = chunkOf(List.of(this));
    }
    return chunk.duplicate();
  }

  /**
   * {@code <size in hex>\r\n<the frames' bytes>\r\n}: what an HTTP/1.1 chunked body is made of, in one direct buffer,
   * so that the transport hands its address to the kernel as it is: a heap or composite buffer would be copied into a
   * freshly allocated direct one for every stream. The JDK's direct buffer is freed by the GC once no view is left.
   */
  static ByteBuf chunkOf(List<WireFrame> frames) {
    int length = 0;
    for (WireFrame frame : frames) {
      length += frame.bytes.length();
    }
    byte[] size = (Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    ByteBuffer chunk = ByteBuffer.allocateDirect(size.length + length + CRLF.length);
    chunk.put(size);
    for (WireFrame frame : frames) {
      chunk.put(frame.bytes.getBytes());
    }
    chunk.put(CRLF).flip();
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(chunk));
  }
}
