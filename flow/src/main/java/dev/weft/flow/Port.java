package dev.weft.flow;

/**
 * A value in a static {@link Graph}: a {@link Source} set from outside or a {@link Node} computed from other
 * ports. A port belongs to the {@link Graph.Builder} that made it and to the graph built from it.
 *
 * @param <T> the value type
 */
public sealed interface Port<T> permits Source, Node {
  /** The port's name, used in failure messages ({@code "source#0"}, {@code "node#3"} unless renamed). */
  String name();
}
