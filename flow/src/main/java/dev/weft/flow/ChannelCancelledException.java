package dev.weft.flow;

import java.util.concurrent.CancellationException;

/**
 * Thrown inside a stage when a channel operation cannot proceed because the pipeline was cancelled or
 * another stage failed. It is a {@link CancellationException}, so user code sees a JDK type; the stage
 * worker recognises it and ends quietly.
 */
final class ChannelCancelledException extends CancellationException {
  ChannelCancelledException(String message) {
    super(message);
  }

  @Override
  public Throwable fillInStackTrace() {
    return this; // a control-flow signal; the stack is never looked at
  }
}
