package dev.tenantcast.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/** Passes immutable contract values (envelopes, histories) by reference: they only travel local-only. */
final class LocalCodec<T> implements MessageCodec<T, T> {
  private final String name;

  private LocalCodec(String name) {
    this.name = name;
  }

  /**
   * Makes the contract's values sendable on this event bus; a second registration (a second service in one Vert.x) is
   * a no-op.
   */
  static void registerOn(EventBus bus) {
    register(bus, Envelope.class, "tenantcast-envelope");
    register(bus, History.class, "tenantcast-history");
  }

  private static <T> void register(EventBus bus, Class<T> type, String name) {
    try {
      bus.registerDefaultCodec(type, new LocalCodec<T>(name));
    } catch (IllegalStateException alreadyRegistered) {
      // the same codec
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, T value) {
    throw new UnsupportedOperationException(name + " travels local-only");
  }

  @Override
  public T decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException(name + " travels local-only");
  }

  @Override
  public T transform(T value) {
    return value;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
