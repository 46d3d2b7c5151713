package dev.tenantcast.sse;

import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;

import java.util.List;

/**
 * Writes a stream's frames after its first one. On HTTP/1.1 it hands the frames' shared, ready-made chunks to the
 * channel just below Vert.x's HTTP encoder, then flushes once: going through {@code response.write} costs a promise,
 * a chunk header, a promise combiner and several buffer views per write, which made it the largest allocation per
 * delivery (see bench/RESULTS.md). Vert.x writes the head and first chunk, and the last chunk at the end, through its
 * encoder as usual; in between, the body is the same chunked encoding, so the two paths agree. Other protocols
 * (HTTP/2) use {@code response.write}.
 */
abstract class ChunkWriter {
  /** The HTTP/1.1 encoder's name in the pipeline that Vert.x 5 sets up. */
  private static final String HTTP_ENCODER = "httpEncoder";

  /** Writes the frames, in order, with one flush. */
  abstract void write(List<WireFrame> frames);

  static ChunkWriter of(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_1_1 && request.connection() instanceof ConnectionBase connection) {
      ChannelHandlerContext encoder = connection.channel().pipeline().context(HTTP_ENCODER);
      if (encoder != null) {
        return new Direct(encoder);
      }
    }
    return new ThroughResponse(request);
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
