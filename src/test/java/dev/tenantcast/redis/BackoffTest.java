package dev.tenantcast.redis;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackoffTest {
  @RepeatedTest(20)
  void delaysDoubleWithJitterUpToTheCap() {
    Backoff backoff = new Backoff(100, 1000);
    long[] ceilings = {100, 200, 400, 800, 1000, 1000, 1000};
    for (long ceiling : ceilings) {
      long delay = backoff.next();
      assertTrue(delay >= Math.max(100, ceiling / 2) && delay <= ceiling, delay + " for a ceiling of " + ceiling);
    }
  }

  @Test
  void aResetStartsOverFromTheFirstDelay() {
    Backoff backoff = new Backoff(100, 10_000);
    for (int i = 0; i < 10; i++) {
      backoff.next();
    }
    backoff.reset();
    assertEquals(100, backoff.next());
  }

  @Test
  void manyAttemptsNeitherOverflowNorPassTheCap() {
    Backoff backoff = new Backoff(1, 60_000);
    for (int i = 0; i < 200; i++) {
      long delay = backoff.next();
      assertTrue(delay >= 1 && delay <= 60_000, String.valueOf(delay));
    }
  }
}
