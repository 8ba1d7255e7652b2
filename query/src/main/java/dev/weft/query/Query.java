package dev.weft.query;

import java.util.Objects;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A memoized function from keys to values, evaluated by a {@link QueryEngine}.
 *
 * <ul>
 *   <li>A query is an immutable value identified by its object: each {@code withX} method returns a new
 *       query with the same name, and the returned object is the one to use (see <i>Copies</i> below).</li>
 *   <li>The name is for messages, metrics and events. Two different query objects with one name used in one
 *       engine are rejected when the second is first used ({@link IllegalArgumentException}).</li>
 *   <li>Keys need value equality ({@code equals}/{@code hashCode}) and render with {@code toString} in
 *       messages. An array key is rejected ({@link IllegalArgumentException}): arrays compare by identity, so
 *       no later read would find its memo; use {@code List.of(...)} or a record. Any other class that keeps
 *       {@code Object}'s identity equality is accepted but memoizes nothing across reads with equal-looking
 *       keys: give such keys value equality.</li>
 *   <li>Values must be immutable, or never mutated once returned: the engine hands the memoized object itself
 *       to every reader, so {@code engine.get(q, k).add(x)} would change what every later reader of
 *       {@code q(k)} sees, and the change would be invisible to verification and early cutoff. Return
 *       {@code List.copyOf}, records of immutable parts, and the like. Early cutoff compares values with
 *       {@code equals} (or the {@link #withCutoff cutoff}), so arrays as values never cut off.</li>
 * </ul>
 *
 * <p><b>Declaring queries.</b> A query with no options is {@link #of}; one with options is built by
 * {@link #builder}, whose type arguments are given up front so the body and the options are typed from the
 * start; a query that reads itself is {@link #recursive(String, RecursiveFunction)}; queries that read each
 * other are declared together by {@link #recursive(Function)}; a single global value is a
 * {@link #singleton}:
 *
 * {@snippet :
 * static final Input<String, String> SOURCE = Query.input("source");
 * static final Query<String, Integer> LINES = Query.of("lines",
 *     (ctx, file) -> ctx.get(SOURCE, file).split("\n", -1).length);
 * static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
 *     .cycleFallback((file, cycle) -> -1)
 *     .lru(10_000)
 *     .build((ctx, file) -> 1 + ctx.get(LINES, file));
 * static final Query<Integer, Long> FIB = Query.recursive("fib",
 *     (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));
 *
 * record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}
 * static final Parity PARITY = Query.recursive(p -> new Parity(
 *     Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
 *     Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));
 *
 * static final Input<Unit, String> TARGET = Query.singleton("target");   // engine.set(TARGET, "jdk25")
 * }
 *
 * <p><b>Copies.</b> {@code withX} returns a configured copy and leaves the query it was called on unchanged,
 * so {@code q.withCycleFallback(f);} as a statement of its own configures nothing. The {@code withX} methods
 * carry {@link CheckReturnValue}, so analysers that check it (Error Prone) flag such a statement where it is
 * written; javac does not. The engine makes the mistake visible at run time too:
 * <ul>
 *   <li>a query and a copy of it used in one engine: the second to be used is rejected, as any two queries
 *       with one name are ({@link IllegalArgumentException}, naming where the copy was made);</li>
 *   <li>a query used by an engine after a copy of it was made, in whichever order: one {@link System.Logger}
 *       {@code WARNING} on logger {@code dev.weft.query}, once per query object, naming the {@code withX} call
 *       and its source line. It is checked when an engine looks the query up outside the memo-hit path, so a
 *       hit costs nothing more.</li>
 * </ul>
 * A query whose copies are all used in different engines from it (one engine with an LRU, another
 * without) gets the warning too; declare each variant with {@link #builder} to avoid it. The first
 * {@code withX} call on an object records its call site with a short stack walk (microseconds), so declare
 * queries once rather than deriving copies per request.
 *
 * <p><b>Compiler messages.</b> What javac says for the shapes that do not compile, and what to write:
 * <ul>
 *   <li>{@code self-reference in initializer}, or {@code illegal forward reference}, on a field whose body
 *       reads the field itself or a field declared after it: use {@link #recursive(String, RecursiveFunction)}
 *       (the body receives its query) or {@link #recursive(Function)} (a group).</li>
 *   <li>{@code incompatible types: Query<Object,Object> cannot be converted to Query<String,Integer>}, after
 *       errors inside the body such as {@code cannot find symbol ... location: variable file of type Object},
 *       on {@code Query.of(...).withCycleFallback(...)} or {@code Query.builder(...)...build(...)}: a method
 *       called on the result of a generic call gives that call no target type to infer from, so its type
 *       arguments become {@code Object}. Give them: {@code Query.<String, Integer>builder(name)}, the options,
 *       then {@code build(body)}.</li>
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
   * A derived query whose body reads itself through its first argument, for a declaration that cannot name
   * the variable it is assigned to (a field's own initializer).
   *
   * {@snippet :
   * static final Query<Integer, Long> FIB = Query.recursive("fib",
   *     (self, ctx, n) -> n < 2 ? (long) n : ctx.get(self, n - 1) + ctx.get(self, n - 2));
   * }
   *
   * <p>{@code self} is the query that executes: for a {@code withX} copy, the copy. With options, use
   * {@link Builder#buildRecursive}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <K, V> Query<K, V> recursive(String name, RecursiveFunction<K, V> fn) {
    return new QueryDef<>(QueryDef.checkName(name), new Recursion.SelfBound<>(fn, null), null, null, -1);
  }

  /**
   * Declares a group of queries that read each other: {@code definitions} builds the group (any object
   * holding the queries, typically a record), and its bodies reach the group through the supplier it
   * receives, which returns the built group once {@code definitions} has returned.
   *
   * {@snippet :
   * record Parity(Query<Integer, Boolean> even, Query<Integer, Boolean> odd) {}
   * static final Parity PARITY = Query.recursive(p -> new Parity(
   *     Query.of("even", (ctx, n) -> n == 0 || ctx.get(p.get().odd(), n - 1)),
   *     Query.of("odd", (ctx, n) -> n != 0 && ctx.get(p.get().even(), n - 1))));
   * }
   *
   * <p>The supplier may be called only from the bodies (and cycle fallbacks, cutoffs) of the group's queries,
   * which run after the group is built; calling it inside {@code definitions} throws
   * {@link IllegalStateException}. It never changes once built, so a body may call it on every read.
   *
   * @param <T> the group
   * @return what {@code definitions} returned
   * @throws NullPointerException if {@code definitions} returns null
   */
  static <T> T recursive(Function<? super Supplier<T>, ? extends T> definitions) {
    Objects.requireNonNull(definitions, "definitions");
    Recursion.Knot<T> knot = new Recursion.Knot<>();
    T group = definitions.apply(knot);
    knot.tie(group);
    return group;
  }

  /**
   * A builder of a query named {@code name}, with its key and value types given up front:
   * {@code Query.<String, Integer>builder("depth").cycleFallback(...).lru(1000).build(body)}. The options
   * are those of the {@code withX} methods; the query comes out configured, so no copy is ever discarded.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <K, V> Builder<K, V> builder(String name) {
    return new Builder<>(QueryDef.checkName(name));
  }

  /**
   * An input query whose values are set with {@link QueryEngine#set}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <K, V> Input<K, V> input(String name) {
    return new QueryDef.InputDef<>(QueryDef.checkName(name), null);
  }

  /**
   * An input that holds one value, for global configuration: set with {@link QueryEngine#set(Input, Object)}
   * (or {@link Updates#set(Input, Object)}, with a {@link Durability} if it rarely changes) and read with no
   * key ({@link QueryContext#get(Query)}). Its key is {@link Unit#VALUE}; it is an ordinary input keyed by
   * {@link Unit} in every other respect, so the keyed methods work on it too. It renders as {@code name()}.
   *
   * @throws IllegalArgumentException if {@code name} is blank
   */
  static <V> Input<Unit, V> singleton(String name) {
    return input(name);
  }

  /** The name used in messages, metrics and events. */
  String name();

  /**
   * A copy of this query that takes {@code fallback.recover(key, cycle)} as its value when it is found on a
   * dependency cycle, instead of failing with {@link CycleException}. This query is unchanged: use the
   * returned one (see <i>Copies</i> above).
   */
  @CheckReturnValue
  Query<K, V> withCycleFallback(CycleFallback<K, V> fallback);

  /**
   * A copy of this query whose re-executed value counts as unchanged when {@code same.test(old, new)}; its
   * dependents are then not re-executed (early cutoff). The default is {@code Objects::equals}. This query is
   * unchanged: use the returned one.
   */
  @CheckReturnValue
  Query<K, V> withCutoff(BiPredicate<? super V, ? super V> same);

  /**
   * A copy of this query that keeps at most {@code capacity} values per engine, evicting the least recently
   * used. Dependency records are kept, so an evicted memo still verifies and re-executes only to restore
   * its value. This query is unchanged: use the returned one.
   *
   * @throws IllegalArgumentException if {@code capacity < 0}
   */
  @CheckReturnValue
  Query<K, V> withLru(int capacity);

  /**
   * A copy of this query that lets a dependency cycle through it converge instead of falling back: when a
   * cycle's strongly connected group contains a fixpoint query, the whole group iterates. Every fixpoint member
   * starts from {@code initial.apply(key)}, a member with a {@link #withCycleFallback fallback} starts from its
   * fallback value, and members re-execute in the group's canonical order (by query name, then key), each
   * reading its partners' latest values, until one whole round changes no value (by the members' cutoffs). Then
   * every member completes with its converged value and the diagnostics of the last round. A group that has not
   * converged after {@code maxRounds} rounds (100 here; the smallest of its fixpoint members') fails every member
   * with a {@link CycleException} that says so; an exception thrown by a member's body in a round fails every
   * member with it. The values, the number of rounds and the diagnostics do not depend on which member was
   * entered first, from which thread, or on timing. Converged values are not evicted by an LRU. This query is
   * unchanged: use the returned one.
   */
  @CheckReturnValue
  Query<K, V> withFixpoint(Function<? super K, ? extends V> initial);

  /**
   * As {@link #withFixpoint(Function)}, giving up after {@code maxRounds} rounds.
   *
   * @throws IllegalArgumentException if {@code maxRounds < 1}
   */
  @CheckReturnValue
  Query<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds);

  /**
   * A copy of this query whose memos a {@link MemoStore} keeps across processes and machines (DESIGN.md
   * section 9): {@code keys} and {@code values} encode them; see {@link Codec} for the rules an encoding must
   * follow. A memo that read a query without a codec is not kept. This query is unchanged: use the returned
   * one.
   */
  @CheckReturnValue
  Query<K, V> withCodec(Codec<K> keys, Codec<V> values);

  /**
   * A copy of this query whose kept memos are tagged {@code version}: bump it when the body's logic changes,
   * and memos stored by the old logic are no longer reused. This query is unchanged: use the returned one.
   *
   * @throws IllegalArgumentException if {@code version} is blank
   */
  @CheckReturnValue
  Query<K, V> withVersion(String version);

  /**
   * Builds a configured query: options first, typed by the builder's type arguments, then one of the
   * {@code build} methods, which picks what comes back. Each option may be set once. A builder may build
   * several queries; each is its own identity.
   *
   * {@snippet :
   * static final Query<String, Integer> DEPTH = Query.<String, Integer>builder("depth")
   *     .cycleFallback((file, cycle) -> -1)
   *     .cutoff(Integer::equals)
   *     .lru(10_000)
   *     .build((ctx, file) -> 1 + ctx.get(LINES, file));
   * }
   *
   * @param <K> key type
   * @param <V> value type
   */
  final class Builder<K, V> {
    private final String name;
    private CycleFallback<K, V> fallback;
    private BiPredicate<? super V, ? super V> cutoff;
    private int lru = -1;
    private Function<? super K, ? extends V> initial;
    private int maxRounds;
    private Codec<K> keyCodec;
    private Codec<V> valueCodec;
    private String version = "";

    Builder(String name) {
      this.name = name;
    }

    /**
     * Iterates cycles from {@code initial}, as {@link Query#withFixpoint(Function)}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> fixpoint(Function<? super K, ? extends V> initial) {
      return fixpoint(initial, QueryDef.DEFAULT_MAX_ROUNDS);
    }

    /**
     * Iterates cycles from {@code initial} for at most {@code maxRounds} rounds, as
     * {@link Query#withFixpoint(Function, int)}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> fixpoint(Function<? super K, ? extends V> initial, int maxRounds) {
      Objects.requireNonNull(initial, "initial");
      QueryDef.checkRounds(name, maxRounds);
      once(this.initial == null, "fixpoint");
      this.initial = initial;
      this.maxRounds = maxRounds;
      return this;
    }

    /**
     * Codecs for a {@link MemoStore}, as {@link Query#withCodec}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> codec(Codec<K> keys, Codec<V> values) {
      Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(values, "values");
      once(valueCodec == null, "codec");
      this.keyCodec = keys;
      this.valueCodec = values;
      return this;
    }

    /**
     * The version kept memos are tagged with, as {@link Query#withVersion}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> version(String version) {
      QueryDef.checkVersion(name, version);
      once(this.version.isEmpty(), "version");
      this.version = version;
      return this;
    }

    /**
     * The value taken on a dependency cycle, as {@link Query#withCycleFallback}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> cycleFallback(CycleFallback<K, V> fallback) {
      Objects.requireNonNull(fallback, "fallback");
      once(this.fallback == null, "cycleFallback");
      this.fallback = fallback;
      return this;
    }

    /**
     * When a re-executed value counts as unchanged, as {@link Query#withCutoff}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> cutoff(BiPredicate<? super V, ? super V> same) {
      Objects.requireNonNull(same, "same");
      once(cutoff == null, "cutoff");
      this.cutoff = same;
      return this;
    }

    /**
     * At most {@code capacity} values per engine, as {@link Query#withLru}.
     *
     * @throws IllegalArgumentException if {@code capacity < 0}
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> lru(int capacity) {
      if (capacity < 0) {
        throw new IllegalArgumentException("LRU capacity of query '" + name + "' must be >= 0, got " + capacity);
      }
      once(lru < 0, "lru");
      this.lru = capacity;
      return this;
    }

    /** The derived query computed by {@code fn}, with the options set so far. */
    public Query<K, V> build(QueryFunction<K, V> fn) {
      Objects.requireNonNull(fn, "fn");
      return new QueryDef<>(name, fn, fallback, cutoff, lru, initial, maxRounds, keyCodec, valueCodec, version);
    }

    /**
     * The derived query computed by {@code fn}, which receives the query itself, with the options set so far;
     * see {@link Query#recursive(String, RecursiveFunction)}.
     */
    public Query<K, V> buildRecursive(RecursiveFunction<K, V> fn) {
      return new QueryDef<>(name, new Recursion.SelfBound<>(fn, null), fallback, cutoff, lru, initial, maxRounds,
          keyCodec, valueCodec, version);
    }

    /**
     * An input with the cutoff set so far (which decides when a {@code set} is a no-op).
     *
     * @throws IllegalStateException if a cycle fallback or an LRU capacity was set: an input has no body to
     *     be on a cycle and no value the engine could recompute
     */
    public Input<K, V> buildInput() {
      if (fallback != null || lru >= 0 || initial != null) {
        throw new IllegalStateException("input '" + name + "' cannot have a " + (fallback != null
            ? "cycle fallback" : lru >= 0 ? "LRU capacity" : "fixpoint") + ": an input has no body to be on a"
            + " cycle and no value the engine could recompute");
      }
      return new QueryDef.InputDef<>(name, cutoff, keyCodec, valueCodec);
    }

    private void once(boolean unset, String option) {
      if (!unset) {
        throw new IllegalStateException(option + " of query '" + name + "' was already set");
      }
    }

    @Override
    public String toString() {
      return "Query.Builder[" + name + "]";
    }
  }
}
