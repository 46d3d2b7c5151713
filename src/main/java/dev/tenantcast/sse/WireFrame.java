package dev.tenantcast.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * One encoded event, shared by every stream it is written to: its SSE bytes, and the same bytes framed as one HTTP/1.1
 * chunk, made once on first use, so that writing it to a thousand streams costs a thousand buffer views and no
 * encoding at all.
 */
final class WireFrame {
  private static final byte[] CRLF = {'\r', '\n'};

  private final Buffer bytes;
  private ByteBuf chunk;

  WireFrame(Buffer bytes) {
    this.bytes = bytes;
  }

  Buffer bytes() {
    return bytes;
  }

  /** A new view of the shared HTTP chunk: views are cheap, and the chunk is never released (the GC frees it). */
  ByteBuf chunk() {
    if (chunk == null) {
      chunk = chunkOf(bytes);
    }
    return chunk.duplicate();
  }

  /** {@code <size in hex>\r\n<bytes>\r\n}: what an HTTP/1.1 chunked body is made of. */
  private static ByteBuf chunkOf(Buffer bytes) {
    byte[] size = (Integer.toHexString(bytes.length()) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(size, bytes.getBytes(), CRLF));
  }
}
