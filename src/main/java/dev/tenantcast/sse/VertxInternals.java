package dev.tenantcast.sse;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.unix.Socket;
import io.netty.channel.unix.UnixChannel;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.impl.MessageConsumerImpl;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.impl.Http1xServerConnection;
import io.vertx.core.net.impl.ConnectionBase;

import java.lang.reflect.Field;
import java.util.List;
import java.util.Set;

/**
 * Everything Tenantcast relies on below Vert.x's public API, in one place. Checked against Vert.x 5.0.7
 * ({@code HttpServerConnectionInitializer.configureHttp1Pipeline}: {@code httpDecoder}, {@code httpEncoder}, then
 * {@code inflater} and {@code deflater} when (de)compression is on, {@code webSocketExtensionHandler} when WebSocket
 * compression is on (the default), {@code chunkedWriter} and {@code idle} when those features are in use, and
 * {@code handler} last; {@code h2c} after the encoder when HTTP/2 cleartext upgrade is on).
 * Handlers that Vert.x puts before the encoder ({@code ssl}, {@code globalTrafficShaping}, {@code logging}) see
 * writes below the encoder but not sends to the socket. Recheck when the Vert.x BOM moves: StreamSinkTest fails if
 * the pipeline changes shape.
 */
final class VertxInternals {
  /** The HTTP/1.1 response encoder's name in the server pipeline. */
  static final String HTTP_ENCODER = "httpEncoder";
  /**
   * What may follow the encoder for a write below it to be the same as a write through it: Vert.x's own handler, the
   * inbound-only decompressor, and Netty's WebSocket extension handler (it acts only on the 101 upgrade response and
   * passes every ByteBuf through; checked in Netty 4.2.9). Anything else (the {@code deflater}, {@code idle},
   * {@code chunkedWriter}, {@code h2c}, or a name a later version adds) could transform or track outbound data, so it
   * disables direct writes.
   */
  static final Set<String> SAFE_AFTER_ENCODER = Set.of("handler", "inflater", "webSocketExtensionHandler");
  /** What may come before the encoder for a send to the socket to be the same as a write below it. */
  static final Set<String> SAFE_BEFORE_ENCODER = Set.of("httpDecoder");
  /** {@code Http1xServerConnection.strictThreadMode} (package-private), or null if this Vert.x has none. */
  private static final Field STRICT_THREAD_MODE = strictThreadModeField();

  private VertxInternals() {
  }

  /**
   * The HTTP/1.1 encoder's context of a server connection, when nothing after it would see outbound data and Vert.x
   * holds no message of its own back; else null, and the caller writes through the response.
   */
  static ChannelHandlerContext encoderContextIfDirectWritesAreSafe(HttpConnection connection) {
    if (!(connection instanceof ConnectionBase base) || !strictThreadMode(connection)) {
      return null;
    }
    ChannelPipeline pipeline = base.channel().pipeline();
    ChannelHandlerContext encoder = pipeline.context(HTTP_ENCODER);
    if (encoder == null) {
      return null;
    }
    List<String> names = pipeline.names();
    for (String after : names.subList(names.indexOf(HTTP_ENCODER) + 1, names.size())) {
      if (!SAFE_AFTER_ENCODER.contains(after) && !after.startsWith("DefaultChannelPipeline$TailContext")) {
        return null;
      }
    }
    return encoder;
  }

  /**
   * Whether Vert.x hands each write of the connection to the channel at once: in strict thread mode
   * ({@code HttpServerOptions.setStrictThreadMode}). Otherwise it may hold writes in an outbound queue of its own,
   * which a write below it would pass.
   */
  private static boolean strictThreadMode(HttpConnection connection) {
    try {
      return connection instanceof Http1xServerConnection && STRICT_THREAD_MODE != null
          && STRICT_THREAD_MODE.getBoolean(connection);
    } catch (IllegalAccessException e) {
      return false;
    }
  }

  private static Field strictThreadModeField() {
    try {
      Field field = Http1xServerConnection.class.getDeclaredField("strictThreadMode");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The socket of the encoder's channel on Netty's native transport (epoll here), when nothing before the encoder
   * would see a write below it, so that a write may go to the kernel without Netty's pipeline and outbound buffer;
   * else null. Not with SO_LINGER either: then Netty closes the socket on another thread, later than the channel.
   */
  static Socket nativeSocketIfSendsAreSafe(ChannelHandlerContext encoder) {
    List<String> names = encoder.pipeline().names();
    for (String before : names.subList(0, names.indexOf(HTTP_ENCODER))) {
      if (!SAFE_BEFORE_ENCODER.contains(before)) {
        return null;
      }
    }
    Channel channel = encoder.channel();
    try {
      Integer linger = channel.config().getOption(ChannelOption.SO_LINGER);
      if (linger != null && linger > 0) {
        return null;
      }
    } catch (ChannelException e) {
      return null; // closed already
    }
    return channel instanceof UnixChannel unix && unix.fd() instanceof Socket socket ? socket : null;
  }

  /** Sets the kernel's send buffer of the connection's socket ({@code SO_SNDBUF}); Vert.x sets it per server only. */
  static void sendBuffer(HttpConnection connection, int bytes) {
    if (connection instanceof ConnectionBase base) {
      base.channel().config().setOption(ChannelOption.SO_SNDBUF, bytes);
    }
  }

  /**
   * An event published to a tenant's address while the tenant's last stream on this event loop closes reaches a
   * consumer that is already unregistered; Vert.x logs a warning for each such event unless the consumer has a
   * discard handler, though no stream is there to miss it. ({@code MessageConsumerImpl.discardHandler} is not on the
   * public {@code MessageConsumer}.)
   */
  static <T> MessageConsumer<T> quietWhenDiscarding(MessageConsumer<T> consumer) {
    if (consumer instanceof MessageConsumerImpl<T> impl) {
      impl.discardHandler(message -> { });
    }
    return consumer;
  }
}
