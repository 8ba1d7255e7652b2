package dev.weft.flow;

/**
 * An input of a {@link Graph}, changed with {@link Graph#set}. Made by {@link Graph.Builder#source}.
 *
 * @param <T> the value type
 */
public final class Source<T> implements Port<T> {
  final Graph.Builder owner;
  final int id;
  private String name;

  Source(Graph.Builder owner, int id) {
    this.owner = owner;
    this.id = id;
    this.name = "source#" + id;
  }

  /**
   * Renames this source and returns it; only before the graph is built.
   *
   * @throws IllegalStateException if the graph was already built
   */
  public Source<T> named(String newName) {
    name = owner.rename(newName);
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return "Source[" + name + "]";
  }
}
