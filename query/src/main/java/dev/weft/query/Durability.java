package dev.weft.query;

/**
 * How rarely an input changes: set with {@link QueryEngine#set(Input, Object, Object, Durability)}. A memo's
 * durability is the lowest durability of everything it read, transitively. The engine keeps the last
 * revision in which an input of each durability changed, so a memo whose durability saw no change since it was
 * last verified is current without walking its dependencies: after an edit to a {@link #LOW} input (a file
 * being edited), memos that read only {@link #HIGH} inputs (a standard library's sources) cost about a memo
 * hit.
 *
 * <p>Changing an input of durability {@code D} counts as a change for every durability up to {@code D}: a
 * memo of durability {@link #LOW} may have read it too.
 */
public enum Durability {
  /** Changes often (the default of {@link QueryEngine#set(Input, Object, Object)}). */
  LOW,
  /** Changes sometimes (configuration, build files). */
  MEDIUM,
  /** Changes rarely (libraries, a toolchain's own sources). */
  HIGH
}
