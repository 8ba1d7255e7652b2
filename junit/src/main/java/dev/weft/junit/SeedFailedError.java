package dev.weft.junit;

/** A {@link WeftTest} invocation's failure, whose message names the schedule and how to replay it. */
final class SeedFailedError extends AssertionError {
  SeedFailedError(String message, Throwable cause) {
    super(message, cause);
  }
}
