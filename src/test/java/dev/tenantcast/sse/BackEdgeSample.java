package dev.tenantcast.sse;

import dev.tenantcast.http.ApiError;

/** A deliberate back-edge (sse -> http), only for LayeringTest to prove its rule would catch one. */
final class BackEdgeSample {
  private BackEdgeSample() {
  }

  static ApiError refusal() {
    return ApiError.notFound();
  }
}
