package dev.weft.flow;

import java.util.concurrent.CancellationException;

/**
 * Thrown by a push into a channel whose consumers have all finished without draining it (a
 * {@code transform} that returned early). The producing stage ends normally: nobody wants its output.
 */
final class ChannelAbandonedException extends CancellationException {
  ChannelAbandonedException(String message) {
    super(message);
  }

  @Override
  public Throwable fillInStackTrace() {
    return this;
  }
}
