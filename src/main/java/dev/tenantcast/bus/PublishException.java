package dev.tenantcast.bus;

/** A publish that a broker refused or could not do, with the reason as a {@link PublishFailure}. */
public final class PublishException extends RuntimeException {
  private final PublishFailure failure;

  public PublishException(PublishFailure failure, String message) {
    super(message, null, false, false);
    this.failure = failure;
  }

  public PublishFailure failure() {
    return failure;
  }
}
