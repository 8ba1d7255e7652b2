package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The one implementation of {@link Query}: an immutable definition plus a racy cache of its table in the
 * engine that used it last, so the memo-hit path finds the table without a map lookup.
 *
 * <p><b>Implementation overview (copies).</b> Every {@code withX} method, once its arguments are checked, calls
 * {@link #copied} on the object it copies: that records where the first copy was made ({@code copiedAt}) and
 * clears the cached table, so this object's next read in any engine takes the slow path once, where
 * {@link #warnIfCopied} logs the misuse (the original used after a configured copy of it was made) once per
 * object. The hit path is untouched: a cleared cache costs one miss. A new {@code withX} method must call
 * {@link #copied} too. A recursive body ({@link Recursion.SelfBound}) is rebound by the constructor, so each
 * copy reads itself.
 */
sealed class QueryDef<K, V> implements Query<K, V> permits QueryDef.InputDef {
  static final BiPredicate<Object, Object> EQUALS = Objects::equals;
  static final int DEFAULT_MAX_ROUNDS = 100;

  final String name;
  final QueryFunction<K, V> fn;
  final CycleFallback<K, V> fallback;
  final BiPredicate<? super V, ? super V> cutoff;
  final int lru;
  /** The starting value of a fixpoint member, or null when the query does not iterate. */
  final Function<? super K, ? extends V> initial;
  final int maxRounds;
  /** Codecs for a {@link MemoStore}, both null when the query is not kept. */
  final Codec<K> keyCodec;
  final Codec<V> valueCodec;
  /** The version stored with its memos; empty when not set. */
  final String version;
  /**
   * The table of the engine that used this query last, unless the query has an LRU. Plain on purpose: a racy
   * read sees null, a stale table or a fully constructed one, because every field a reader uses is final; a
   * stale table only costs a miss, since its memos never carry the reading engine's revision stamp.
   */
  Table table;
  /** Where the first {@code withX} copy of this object was made, or null; see the overview. */
  private volatile String copiedAt;
  /**
   * The array length this query's largest table without LRU reached (up to {@link Table#MAX_HINT}): a new
   * engine's table starts there instead of growing through every doubling again. Racy on purpose.
   */
  int tableHint;
  /** Memos the last diagnostics walk from one of this query's memos entered: the next walk's set starts there. */
  int walkHint;
  /** 1 once the copy misuse of this object was logged; by CAS, so it is logged once. */
  private volatile int warned;
  private static final VarHandle WARNED;

  static {
    try {
      WARNED = MethodHandles.lookup().findVarHandle(QueryDef.class, "warned", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  QueryDef(String name, QueryFunction<K, V> fn, CycleFallback<K, V> fallback,
      BiPredicate<? super V, ? super V> cutoff, int lru) {
    this(name, fn, fallback, cutoff, lru, null, 0, null, null, "");
  }

  QueryDef(String name, QueryFunction<K, V> fn, CycleFallback<K, V> fallback,
      BiPredicate<? super V, ? super V> cutoff, int lru, Function<? super K, ? extends V> initial, int maxRounds,
      Codec<K> keyCodec, Codec<V> valueCodec, String version) {
    this.name = name;
    this.fn = fn instanceof Recursion.SelfBound<K, V> s ? s.bind(this) : fn;
    this.fallback = fallback;
    this.cutoff = cutoff;
    this.lru = lru;
    this.initial = initial;
    this.maxRounds = maxRounds;
    this.keyCodec = keyCodec;
    this.valueCodec = valueCodec;
    this.version = version;
  }

  /** A copy of this definition with the given options (the others as they are). */
  QueryDef<K, V> with(CycleFallback<K, V> fallback, BiPredicate<? super V, ? super V> cutoff, int lru,
      Function<? super K, ? extends V> initial, int maxRounds, Codec<K> keyCodec, Codec<V> valueCodec,
      String version) {
    return new QueryDef<>(name, fn, fallback, cutoff, lru, initial, maxRounds, keyCodec, valueCodec, version);
  }

  /** Whether a {@link MemoStore} keeps this query's memos. */
  boolean kept() {
    return valueCodec != null;
  }

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("query name must not be blank");
    }
    return name;
  }

  boolean isInput() {
    return false;
  }

  @SuppressWarnings("unchecked")
  boolean same(Object a, Object b) {
    BiPredicate<Object, Object> c = cutoff == null ? EQUALS : (BiPredicate<Object, Object>) cutoff;
    return c.test(a, b);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Query<K, V> withCycleFallback(CycleFallback<K, V> fallback) {
    Objects.requireNonNull(fallback, "fallback");
    copied("withCycleFallback");
    return with(fallback, cutoff, lru, initial, maxRounds, keyCodec, valueCodec, version);
  }

  @Override
  public Query<K, V> withCutoff(BiPredicate<? super V, ? super V> same) {
    Objects.requireNonNull(same, "same");
    copied("withCutoff");
    return with(fallback, same, lru, initial, maxRounds, keyCodec, valueCodec, version);
  }

  @Override
  public Query<K, V> withLru(int capacity) {
    checkLru(capacity);
    copied("withLru");
    return with(fallback, cutoff, capacity, initial, maxRounds, keyCodec, valueCodec, version);
  }

  @Override
  public Query<K, V> withFixpoint(Function<? super K, ? extends V> initial) {
    return withFixpoint(initial, DEFAULT_MAX_ROUNDS);
  }

  @Override
  public Query<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds) {
    Objects.requireNonNull(initial, "initial");
    checkRounds(name, maxRounds);
    copied("withFixpoint");
    return with(fallback, cutoff, lru, initial, maxRounds, keyCodec, valueCodec, version);
  }

  @Override
  public Query<K, V> withCodec(Codec<K> keys, Codec<V> values) {
    Objects.requireNonNull(keys, "keys");
    Objects.requireNonNull(values, "values");
    copied("withCodec");
    return with(fallback, cutoff, lru, initial, maxRounds, keys, values, version);
  }

  @Override
  public Query<K, V> withVersion(String version) {
    checkVersion(name, version);
    copied("withVersion");
    return with(fallback, cutoff, lru, initial, maxRounds, keyCodec, valueCodec, version);
  }

  static void checkRounds(String name, int maxRounds) {
    if (maxRounds < 1) {
      throw new IllegalArgumentException("maxRounds of query '" + name + "' must be >= 1, got " + maxRounds);
    }
  }

  static void checkVersion(String name, String version) {
    Objects.requireNonNull(version, "version");
    if (version.isBlank()) {
      throw new IllegalArgumentException("version of query '" + name + "' must not be blank");
    }
  }

  void checkLru(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("LRU capacity of " + (isInput() ? "input '" : "query '") + name
          + "' must be >= 0, got " + capacity);
    }
  }

  @Override
  public String toString() {
    return (isInput() ? "Input[" : "Query[") + name + "]";
  }

  // ------------------------------------------------------------------------------------- copy misuse

  private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
  private static final System.Logger LOG = System.getLogger("dev.weft.query");

  /** Called by {@code withX} ({@code method}) on the object it copies, after checking the arguments. */
  final void copied(String method) {
    if (copiedAt == null) {
      copiedAt = method + "(...) at " + caller();
    }
    table = null; // the next read of this object takes the slow path once, where warnIfCopied runs
  }

  /** The first frame outside the query classes: the user's {@code withX} call. */
  private static String caller() {
    Optional<StackWalker.StackFrame> f = WALKER.walk(s -> s
        .dropWhile(x -> Query.class.isAssignableFrom(x.getDeclaringClass()))
        .findFirst());
    return f.map(x -> x.getClassName() + "." + x.getMethodName() + "(" + x.getFileName() + ":"
        + x.getLineNumber() + ")").orElse("an unknown place");
  }

  /** Where the first {@code withX} copy of this object was made ({@code "withLru(...) at ..."}), or null. */
  final String copiedAt() {
    return copiedAt;
  }

  /**
   * Logs, once per object, that engine {@code engine} uses this query although a configured copy of it was
   * made. Called on the slow path of every table lookup; a volatile read when nothing was copied.
   */
  final void warnIfCopied(String engine) {
    String at = copiedAt;
    if (at == null || warned != 0 || !WARNED.compareAndSet(this, 0, 1)) {
      return;
    }
    LOG.log(System.Logger.Level.WARNING, (isInput() ? "input '" : "query '") + name + "' is used by engine '"
        + engine + "', but " + at + " made a configured copy of this object: withX methods return a new query"
        + " and leave the original unchanged, so the copy's setting is not in effect where the original is"
        + " used. Use the returned query, or declare the query configured with Query.builder. (Logged once"
        + " per query object.)");
  }

  /** An input: no body; values come from {@link QueryEngine#set}. */
  static final class InputDef<K, V> extends QueryDef<K, V> implements Input<K, V> {
    InputDef(String name, BiPredicate<? super V, ? super V> cutoff) {
      this(name, cutoff, null, null);
    }

    InputDef(String name, BiPredicate<? super V, ? super V> cutoff, Codec<K> keyCodec, Codec<V> valueCodec) {
      super(name, null, null, cutoff, -1, null, 0, keyCodec, valueCodec, "");
    }

    @Override
    QueryDef<K, V> with(CycleFallback<K, V> fallback, BiPredicate<? super V, ? super V> cutoff, int lru,
        Function<? super K, ? extends V> initial, int maxRounds, Codec<K> keyCodec, Codec<V> valueCodec,
        String version) {
      return new InputDef<>(name, cutoff, keyCodec, valueCodec);
    }

    @Override
    boolean isInput() {
      return true;
    }

    @Override
    public Input<K, V> withCycleFallback(CycleFallback<K, V> fallback) {
      return (Input<K, V>) super.withCycleFallback(fallback);
    }

    @Override
    public Input<K, V> withCutoff(BiPredicate<? super V, ? super V> same) {
      return (Input<K, V>) super.withCutoff(same);
    }

    @Override
    public Input<K, V> withLru(int capacity) {
      return (Input<K, V>) super.withLru(capacity);
    }

    @Override
    public Input<K, V> withFixpoint(Function<? super K, ? extends V> initial) {
      return (Input<K, V>) super.withFixpoint(initial);
    }

    @Override
    public Input<K, V> withFixpoint(Function<? super K, ? extends V> initial, int maxRounds) {
      return (Input<K, V>) super.withFixpoint(initial, maxRounds);
    }

    @Override
    public Input<K, V> withCodec(Codec<K> keys, Codec<V> values) {
      return (Input<K, V>) super.withCodec(keys, values);
    }

    @Override
    public Input<K, V> withVersion(String version) {
      return (Input<K, V>) super.withVersion(version);
    }
  }
}
