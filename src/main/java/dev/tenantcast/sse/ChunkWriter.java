package dev.tenantcast.sse;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

import java.util.List;

/**
 * Writes a stream's frames after its first one. On HTTP/1.1 it hands the frames' shared, ready-made chunks to the
 * channel just below Vert.x's HTTP encoder, then flushes once: going through {@code response.write} costs a promise,
 * a chunk header, a promise combiner and several buffer views per write, which made it the largest allocation per
 * delivery (see bench/RESULTS.md). Vert.x writes the head and first chunk, and the last chunk at the end, through its
 * encoder as usual; in between, the body is the same chunked encoding, so the two paths agree. That holds only while
 * nothing after the encoder handles outbound data ({@link VertxInternals}): with a compressor there, or on another
 * protocol (HTTP/2), frames go through {@code response.write}.
 */
abstract class ChunkWriter {
  /** Writes the frames, in order, with one flush. */
  abstract void write(List<WireFrame> frames);

  static ChunkWriter of(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_1_1) {
      ChannelHandlerContext encoder = VertxInternals.encoderContextIfDirectWritesAreSafe(request.connection());
      if (encoder != null) {
        return new Direct(encoder);
      }
    }
    return new ThroughResponse(request);
  }

  /** Whether this writer goes below Vert.x's encoder (for tests). */
  boolean direct() {
    return this instanceof Direct;
  }

  /** Chunks written (and flushed) from the encoder's context, so they pass below it, straight to the socket. */
  private static final class Direct extends ChunkWriter {
    private final ChannelHandlerContext encoder;

    Direct(ChannelHandlerContext encoder) {
      this.encoder = encoder;
    }

    @Override
    void write(List<WireFrame> frames) {
      for (WireFrame frame : frames) {
        encoder.write(frame.chunk(), encoder.voidPromise());
      }
      encoder.flush();
    }
  }

  private static final class ThroughResponse extends ChunkWriter {
    private final HttpServerRequest request;

    ThroughResponse(HttpServerRequest request) {
      this.request = request;
    }

    @Override
    void write(List<WireFrame> frames) {
      if (frames.size() == 1) {
        request.response().write(frames.get(0).bytes());
        return;
      }
      Buffer batch = Buffer.buffer();
      frames.forEach(frame -> batch.appendBuffer(frame.bytes()));
      request.response().write(batch);
    }
  }
}
