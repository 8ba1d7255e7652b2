package dev.weft.flow;

/**
 * A computed value of a {@link Graph}, made by one of the {@code node}, {@code nodeOfAll} or {@code stateful}
 * methods of {@link Graph.Builder}.
 *
 * @param <T> the value type
 */
public final class Node<T> implements Port<T> {
  final Graph.Builder owner;
  final int id;
  private String name;

  Node(Graph.Builder owner, int id) {
    this.owner = owner;
    this.id = id;
    this.name = "node#" + id;
  }

  /**
   * Renames this node and returns it; only before the graph is built.
   *
   * @throws IllegalStateException if the graph was already built
   */
  public Node<T> named(String newName) {
    name = owner.rename(newName);
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "Node[" + name + "]";
  }
}
