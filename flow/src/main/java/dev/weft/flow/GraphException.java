package dev.weft.flow;

import java.util.Objects;

/**
 * A graph node's function threw. Thrown by {@link Graph#stabilize()} and {@link Graph.Builder#build} for the
 * first failing node in topological order (further failures of the same stabilize are suppressed
 * exceptions), and by {@link Graph#get} for a node whose value is unavailable because it or a node it depends
 * on failed. The cause is the exception the function threw, unchanged.
 */
public final class GraphException extends RuntimeException {
  private final String node;

  GraphException(String node, String what, Throwable cause) {
    super("graph node '" + node + "' " + what + ": " + cause, Objects.requireNonNull(cause));
    this.node = node;
  }

  /** The name of the node whose function threw. */
  public String node() {
    return node;
  }
}
