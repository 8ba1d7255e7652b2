package dev.weft.flow;

import java.util.Objects;

/**
 * The first failure of a pipeline stage, rethrown by the terminal call ({@link Pipeline#toList},
 * {@link Pipeline#forEach}, {@link Pipeline#collect}, {@link PipelineRun#join}). The cause is the exception the
 * stage body threw, unchanged (checked exceptions included); the message names the stage. Failures of other
 * stages that happen while the pipeline is being stopped are consequences and are not reported.
 */
public final class PipelineException extends RuntimeException {
  private final String stage;

  PipelineException(String stage, Throwable cause) {
    super("pipeline stage '" + stage + "' failed: " + cause, Objects.requireNonNull(cause));
    this.stage = stage;
  }

  /** The name of the stage that failed first. */
  public String stage() {
    return stage;
  }
}
