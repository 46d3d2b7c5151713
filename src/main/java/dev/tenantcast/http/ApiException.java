package dev.tenantcast.http;

/** Carries an {@link ApiError} through a failed future to the router's failure handler. */
public final class ApiException extends RuntimeException {
  private final ApiError error;

  ApiException(ApiError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public ApiError error() {
    return error;
  }
}
