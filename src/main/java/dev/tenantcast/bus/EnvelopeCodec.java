package dev.tenantcast.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/** Passes envelopes by reference: they only travel local-only, and they are immutable. */
public final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {
  /** Makes envelopes sendable on this event bus; a second registration (a second service in one Vert.x) is a no-op. */
  static void registerOn(EventBus bus) {
    try {
      bus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // the same codec
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    throw new UnsupportedOperationException("envelopes are published local-only");
  }

  @Override
  public Envelope decodeFromWire(int pos, Buffer buffer) {
    throw new UnsupportedOperationException("envelopes are published local-only");
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  @Override
  public String name() {
    return "tenantcast-envelope";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
