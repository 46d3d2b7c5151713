package dev.tenantcast.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.Socket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

import java.io.IOException;
import java.util.List;

/**
 * Where a stream's bytes go: its HTTP response. {@link #of} picks how frames after the first are written. On HTTP/1.1
 * it hands the frames' shared, ready-made chunks to the channel just below Vert.x's HTTP encoder, then flushes once:
 * going through {@code response.write} costs a promise, a chunk header, a promise combiner and several buffer views
 * per write, which made it the largest allocation per delivery (see bench/RESULTS.md). Vert.x writes the head and
 * first chunk, and the last chunk at the end, through its encoder as usual; in between, the body is the same chunked
 * encoding, so the two paths agree. That holds only while nothing after the encoder handles outbound data and Vert.x
 * holds no write back in a queue of its own (strict thread mode; {@link VertxInternals}): with a compressor there, or
 * on another protocol (HTTP/2), frames go through {@code response.write}.
 */
class StreamSink {
  private final HttpServerRequest request;

  StreamSink(HttpServerRequest request) {
    this.request = request;
  }

  static StreamSink of(HttpServerRequest request) {
    if (request.version() == HttpVersion.HTTP_1_1) {
      ChannelHandlerContext encoder = VertxInternals.encoderContextIfDirectWritesAreSafe(request.connection());
      if (encoder != null) {
        return new BelowEncoder(request, encoder);
      }
    }
    return new StreamSink(request);
  }

  /** Whether frames go below Vert.x's encoder (for tests). */
  boolean direct() {
    return false;
  }

  /** Whether frames may go to the socket itself (for tests). */
  boolean sendsToSocket() {
    return false;
  }

  /** Writes the response head with the first frame and the frames queued after it, in one write. */
  void start(Buffer firstFrame, List<WireFrame> frames) {
    HttpServerResponse response = request.response();
    frames.forEach(frame -> firstFrame.appendBuffer(frame.bytes())); // the stream's own buffer, not a shared frame
    response.write(firstFrame);
    // With the head written nothing reads these maps again, but the stream keeps its request for hours: they hold
    // about 1 kB of header and query strings per stream (the token among them), a tenth of an idle stream's cost.
    request.headers().clear();
    request.params().clear();
    response.headers().clear();
  }

  /** Whether more than the stream's buffer limit is queued in the connection: the client stopped reading. */
  boolean full() {
    return request.response().writeQueueFull();
  }

  /** Runs {@code drained} each time the connection, after being full, has been read down to half its limit. */
  void onDrained(Runnable drained) {
    request.response().drainHandler(v -> drained.run());
  }

  /** Writes the frames, in order, with one flush. */
  void write(List<WireFrame> frames) {
    if (frames.size() == 1) {
      request.response().write(frames.get(0).bytes());
      return;
    }
    Buffer batch = Buffer.buffer();
    frames.forEach(frame -> batch.appendBuffer(frame.bytes()));
    request.response().write(batch);
  }

  /** Writes a shared batch's frames from index {@code from} on, with one flush. */
  void write(SharedBatch batch, int from) {
    write(batch.frames(from));
  }

  /** Ends the response, and the connection after it: the client reconnects on a new one. */
  void end() {
    request.response().end().onComplete(ended -> request.connection().close());
  }

  /** Drops the connection at once. */
  void abort() {
    request.response().reset();
  }

  /**
   * Chunks written (and flushed) from the encoder's context, so they pass below it, straight to the socket. On Netty's
   * native transport, a chunk with nothing waiting before it goes to the kernel itself ({@link #sent}).
   */
  private static final class BelowEncoder extends StreamSink {
    private final ChannelHandlerContext encoder;
    private final Socket socket;
    /** The channel's outbound buffer, which it keeps until it closes (null if it was closed already). */
    private final ChannelOutboundBuffer outbound;
    private final EventLoop loop;

    BelowEncoder(HttpServerRequest request, ChannelHandlerContext encoder) {
      super(request);
      Channel channel = encoder.channel();
      this.encoder = encoder;
      this.socket = VertxInternals.nativeSocketIfSendsAreSafe(encoder);
      this.outbound = channel.unsafe().outboundBuffer();
      this.loop = channel.eventLoop();
    }

    /**
     * The writability of the channel's outbound buffer, which the stream buffer limit sets (its high water mark): what
     * {@code writeQueueFull} answers too, read from the buffer itself. In scenario b each stream is written to once a
     * second, so every object between the stream and the buffer is a cache miss at every delivery: the five between
     * the request and the channel were a fifth of the Java part of the writes, and the channel and its
     * {@code Unsafe} cost about 5 % of the server's CPU more (bench/results/archive/2026-12-03-b-direct-send/).
     * A closed channel's buffer is no longer its channel's: then writes go to Netty, which drops them, until the close
     * reaches the stream.
     */
    @Override
    boolean full() {
      return outbound == null || !outbound.isWritable();
    }

    @Override
    boolean direct() {
      return true;
    }

    @Override
    boolean sendsToSocket() {
      return socket != null;
    }

    @Override
    void write(List<WireFrame> frames) {
      if (frames.size() == 1) {
        write(frames.get(0).chunk());
        return;
      }
      for (WireFrame frame : frames) {
        encoder.write(frame.chunk(), encoder.voidPromise());
      }
      encoder.flush();
    }

    @Override
    void write(SharedBatch batch, int from) {
      write(batch.chunk(from));
    }

    private void write(ByteBuf chunk) {
      if (!sent(chunk)) {
        encoder.writeAndFlush(chunk, encoder.voidPromise());
      }
    }

    /**
     * Sends the chunk to the socket itself when nothing waits in Netty's outbound buffer, as Netty's flush would, but
     * without the pipeline, the buffer's entry and the flush's bookkeeping: a stream written to once a second finds
     * each of those out of the CPU's cache (scenario b). What the kernel does not take goes on through Netty, which
     * waits for the socket to drain, so the bytes stay in order. False when nothing was sent: the caller writes through
     * Netty, which also meets any socket error and closes the connection as usual.
     * <p>On the channel's event loop, an open socket is still this channel's: Netty closes the socket there, after it
     * has let go of the outbound buffer and before the socket's number can be reused (with no SO_LINGER: see
     * {@link VertxInternals#nativeSocketIfSendsAreSafe}). After some write errors Netty lets go of the buffer and
     * shuts the socket's output down instead, leaving it open: checked too.
     */
    private boolean sent(ByteBuf chunk) {
      if (socket == null || outbound == null || !socket.isOpen() || socket.isOutputShutdown()
          || outbound.totalPendingWriteBytes() != 0 || !chunk.hasMemoryAddress() || !loop.inEventLoop()) {
        return false;
      }
      int sent;
      try {
        sent = socket.sendAddress(chunk.memoryAddress(), chunk.readerIndex(), chunk.writerIndex());
      } catch (IOException | RuntimeException e) {
        return false; // Netty's own write meets it too, and closes the connection (ENOTCONN is unchecked)
      }
      if (sent < chunk.readableBytes()) {
        encoder.writeAndFlush(chunk.skipBytes(sent), encoder.voidPromise());
      }
      return true;
    }
  }
}
