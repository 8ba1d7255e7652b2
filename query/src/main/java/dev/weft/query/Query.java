package dev.weft.query;

import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * A memoized function from keys to values, evaluated by a {@link QueryEngine}.
 *
 * <ul>
 *   <li>A query is an immutable value identified by its object: each {@code withX} method returns a new
 *       query with the same name, and the returned object is the one to use.</li>
 *   <li>The name is for messages, metrics and events. Two different query objects with one name used in one
 *       engine are rejected when the second is first used ({@link IllegalArgumentException}).</li>
 *   <li>Keys need {@code equals}/{@code hashCode} and render with {@code toString} in messages.</li>
 * </ul>
 *
 * @param <K> key type
 * @param <V> value type
 */
public sealed interface Query<K, V> permits Input, QueryDef {

  /**
   * A derived query computed by {@code fn}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <K, V> Query<K, V> of(String name, QueryFunction<K, V> fn) {
    Objects.requireNonNull(fn, "fn");
    return new QueryDef<>(QueryDef.checkName(name), fn, null, null, -1);
  }

  /**
   * An input query whose values are set with {@link QueryEngine#set}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <K, V> Input<K, V> input(String name) {
    return new QueryDef.InputDef<>(QueryDef.checkName(name), null);
  }

  /** The name used in messages, metrics and events. */
  String name();

  /**
   * A copy of this query that takes {@code fallback.recover(key, cycle)} as its value when it is found on a
   * dependency cycle, instead of failing with {@link CycleException}.
   */
  Query<K, V> withCycleFallback(CycleFallback<K, V> fallback);

  /**
   * A copy of this query whose re-executed value counts as unchanged when {@code same.test(old, new)}; its
   * dependents are then not re-executed (early cutoff). The default is {@code Objects::equals}.
   */
  Query<K, V> withCutoff(BiPredicate<? super V, ? super V> same);

  /**
   * A copy of this query that keeps at most {@code capacity} values per engine, evicting the least recently
   * used. Dependency records are kept, so an evicted memo still verifies and re-executes only to restore
   * its value.
   *
   * @throws IllegalArgumentException if {@code capacity < 0}
   */
  Query<K, V> withLru(int capacity);

  /**
   * A copy of this query that lets a dependency cycle through it converge instead of falling back: when a
   * cycle's strongly connected group contains a fixpoint query, the whole group iterates. Every fixpoint member
   * starts from {@code initial.apply(key)}, a member with a {@link #withCycleFallback fallback} starts from its
   * fallback value, and members re-execute in the group's canonical order (by query name, then key), each
   * reading its partners' latest values, until one whole round changes no value (by the members' cutoffs). Then
   * every member completes with its converged value and the diagnostics of the last round. A group that has not
   * converged after {@code maxRounds} rounds (100 here; the smallest of its fixpoint members') fails every member
   * with a {@link CycleException} that says so. The values, the number of rounds and the diagnostics do not
   * depend on which member was entered first, from which thread, or on timing.
   */
  Query<K, V> withFixpoint(Function<? super K, ? extends V> initial);

  /**
   * As {@link #withFixpoint(Function)}, giving up after {@code maxRounds} rounds.
   *
   * @throws IllegalArgumentException if {@code maxRounds < 1}
   */
  Query<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds);
}
