package dev.tenantcast.limits;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenBucketsTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstPassesThenTheRateHolds() {
    TokenBuckets buckets = new TokenBuckets(5, 5, 100);
    for (int i = 0; i < 5; i++) {
      assertTrue(buckets.tryTake("k", 1, 0).allowed());
    }
    TokenBuckets.Decision refused = buckets.tryTake("k", 1, 0);
    assertFalse(refused.allowed());
    assertEquals(1, refused.retryAfterSeconds());
    assertTrue(buckets.tryTake("k", 1, SECOND / 5).allowed(), "one more after a fifth of a second");
    assertFalse(buckets.tryTake("k", 1, SECOND / 5).allowed());
    assertTrue(buckets.tryTake("other", 1, 0).allowed(), "keys are independent");
  }

  @Test
  void costsAreWeighedAndACostAboveTheBurstNeverPasses() {
    TokenBuckets bytes = new TokenBuckets(1000, 1000, 100);
    assertTrue(bytes.tryTake("t", 700, 0).allowed());
    TokenBuckets.Decision refused = bytes.tryTake("t", 700, 0);
    assertFalse(refused.allowed());
    assertEquals(1, refused.retryAfterSeconds());
    assertFalse(bytes.tryTake("u", 1001, 100 * SECOND).allowed());
  }

  @Test
  void theMapOfKeysIsBoundedAndFullBucketsMakeRoom() {
    TokenBuckets buckets = new TokenBuckets(1, 1, 2);
    assertTrue(buckets.tryTake("a", 1, 0).allowed());
    assertTrue(buckets.tryTake("b", 1, 0).allowed());
    assertFalse(buckets.tryTake("c", 1, 0).allowed(), "no room: a and b are still draining");
    assertTrue(buckets.tryTake("c", 1, 2 * SECOND).allowed(), "a and b refilled, so they are dropped");
    assertTrue(buckets.size() <= 2);
  }
}
