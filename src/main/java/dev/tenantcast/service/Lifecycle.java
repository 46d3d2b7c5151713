package dev.tenantcast.service;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the instance is draining (stopping): from then on {@code /ready} answers 503 and new streams are refused,
 * while open streams are told to reconnect elsewhere and closed.
 */
public final class Lifecycle {
  private final AtomicBoolean draining = new AtomicBoolean();

  /** @return true for the first call only */
  public boolean drain() {
    return draining.compareAndSet(false, true);
  }

  public boolean draining() {
    return draining.get();
  }
}
