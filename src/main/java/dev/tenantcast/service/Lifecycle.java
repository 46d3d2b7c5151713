package dev.tenantcast.service;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the instance is warming up (starting: {@code /ready} answers 503 until its own warm-up streams have run the
 * code that clients will) or draining (stopping: from then on {@code /ready} answers 503 and new streams are refused,
 * while open streams are told to reconnect elsewhere and closed).
 */
public final class Lifecycle {
  private final AtomicBoolean warming = new AtomicBoolean();
  private final AtomicBoolean draining = new AtomicBoolean();

  public void warmingUp(boolean running) {
    warming.set(running);
  }

  public boolean warming() {
    return warming.get();
  }

  /** @return true for the first call only */
  public boolean drain() {
    return draining.compareAndSet(false, true);
  }

  public boolean draining() {
    return draining.get();
  }
}
