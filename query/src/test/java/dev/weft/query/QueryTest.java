package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Declaring queries: the copy misuse warning, array keys, the builder's and the recursion helpers' misuse,
 * singletons.
 */
@Timeout(30)
class QueryTest {
  private final List<LogRecord> records = new ArrayList<>();
  private final Logger logger = Logger.getLogger("dev.weft.query");
  private final Handler handler = new Handler() {
    @Override
    public void publish(LogRecord r) {
      synchronized (records) {
        records.add(r);
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private Scheduler scheduler;
  private QueryEngine engine;

  @BeforeEach
  void setUp() {
    logger.addHandler(handler);
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).name("first").build();
  }

  @AfterEach
  void tearDown() {
    logger.removeHandler(handler);
    engine.close();
    scheduler.close();
  }

  /** The warnings logged about query {@code name}. */
  private List<String> warningsAbout(String name) {
    synchronized (records) {
      return records.stream().filter(r -> r.getLevel() == Level.WARNING && r.getMessage().contains("'" + name + "'"))
          .map(LogRecord::getMessage).toList();
    }
  }

  /** The line this is called from. */
  private static int line() {
    return StackWalker.getInstance().walk(s -> s.skip(1).findFirst()).orElseThrow().getLineNumber();
  }

  // ---------------------------------------------------------------------------------------------- copies

  @Test
  void withX_resultDiscarded_warnsOnceNamingTheCall() {
    Query<Integer, Integer> q = Query.of("discarded", (ctx, k) -> k);
    q.withCycleFallback((k, cycle) -> 0); int at = line();
    assertThat(engine.get(q, 1)).isEqualTo(1);
    assertThat(engine.get(q, 2)).isEqualTo(2);
    assertThat(engine.get(q, 1)).isEqualTo(1);
    try (QueryEngine second = QueryEngine.builder().scheduler(scheduler).name("second").build()) {
      assertThat(second.get(q, 1)).isEqualTo(1);
    }
    assertThat(warningsAbout("discarded")).singleElement().asString()
        .contains("query 'discarded' is used by engine 'first'")
        .contains("withCycleFallback(...) at dev.weft.query.QueryTest.withX_resultDiscarded_warnsOnceNamingTheCall"
            + "(QueryTest.java:" + at + ")")
        .contains("Query.builder");
  }

  @Test
  void withX_afterTheOriginalWasUsed_warnsAtItsNextRead() {
    Input<String, Integer> in = Query.input("late");
    engine.set(in, "k", 1);
    assertThat(engine.get(in, "k")).isEqualTo(1);
    assertThat(warningsAbout("late")).isEmpty();
    in.withCutoff((a, b) -> true); int at = line();
    assertThat(engine.get(in, "k")).isEqualTo(1); // a hit, but the first read after the copy looks again
    assertThat(warningsAbout("late")).singleElement().asString()
        .contains("input 'late' is used by engine 'first'")
        .contains("withCutoff(...) at dev.weft.query.QueryTest.withX_afterTheOriginalWasUsed_warnsAtItsNextRead"
            + "(QueryTest.java:" + at + ")");
  }

  @Test
  void withX_chainedOrBuilt_usedAsReturned_noWarning() {
    Query<Integer, Integer> chained = Query.<Integer, Integer>of("chained", (ctx, k) -> k)
        .withCutoff((a, b) -> a.equals(b)).withLru(4);
    Query<Integer, Integer> built = Query.<Integer, Integer>builder("built").cutoff((a, b) -> a.equals(b))
        .lru(4).build((ctx, k) -> ctx.get(chained, k));
    assertThat(engine.get(built, 3)).isEqualTo(3);
    assertThat(engine.getAll(built, List.of(1, 2))).containsExactly(1, 2);
    assertThat(warningsAbout("chained")).isEmpty();
    assertThat(warningsAbout("built")).isEmpty();
  }

  @Test
  void withX_originalAndCopyInOneEngine_secondRejectedNamingTheCopy() {
    Query<Integer, Integer> a = Query.of("both", (ctx, k) -> k);
    assertThat(engine.get(a, 1)).isEqualTo(1);
    Query<Integer, Integer> b = a.withCutoff((x, y) -> false); int at = line();
    assertThatThrownBy(() -> engine.get(b, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("already uses a different query named 'both'")
        .hasMessageContaining("a configured copy of one of them was made by withCutoff(...) at dev.weft.query"
            + ".QueryTest.withX_originalAndCopyInOneEngine_secondRejectedNamingTheCopy(QueryTest.java:" + at + ")");
    assertThat(engine.get(a, 2)).isEqualTo(2);
  }

  @Test
  void withX_invalidArgument_throwsAndMakesNoCopy() {
    Query<Integer, Integer> q = Query.of("invalid", (ctx, k) -> k);
    assertThatThrownBy(() -> q.withLru(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'invalid'");
    assertThatThrownBy(() -> q.withCutoff(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> q.withCycleFallback(null)).isInstanceOf(NullPointerException.class);
    assertThat(engine.get(q, 1)).isEqualTo(1);
    assertThat(warningsAbout("invalid")).isEmpty();
  }

  // ------------------------------------------------------------------------------------------ array keys

  @Test
  void arrayKey_everyReadAndWrite_rejectedNamingQueryAndFix() {
    Query<int[], Integer> sum = Query.of("sum", (ctx, k) -> k.length);
    Input<Object[], String> in = Query.input("arrays");
    String fix = "arrays compare by identity, so no later read would find its memo; use a List (List.of(...))"
        + " or a record as the key";
    assertThatThrownBy(() -> engine.get(sum, new int[] {1, 2})).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key of type int[] for query 'sum': " + fix);
    assertThatThrownBy(() -> engine.evaluate(sum, new int[] {1})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query 'sum'");
    assertThatThrownBy(() -> engine.getAll(sum, List.of(new int[] {1}))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("query 'sum'");
    assertThatThrownBy(() -> engine.set(in, new String[][] {{"a"}}, "v")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key of type java.lang.String[][] for input 'arrays': " + fix);
    assertThatThrownBy(() -> engine.remove(in, new Object[0])).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("input 'arrays'");
    assertThatThrownBy(() -> engine.update(tx -> tx.set(in, new Object[0], "v")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("input 'arrays'");
    assertThat(engine.stats().liveMemos()).isZero();
  }

  @Test
  void arrayKey_readInABody_failsTheBodyNamingTheQuery() {
    Query<int[], Integer> sum = Query.of("sum", (ctx, k) -> k.length);
    Query<Integer, Integer> reader = Query.of("reader", (ctx, k) -> ctx.get(sum, new int[k]));
    Query<Integer, List<Integer>> readerAll = Query.of("readerAll",
        (ctx, k) -> ctx.getAll(sum, List.of(new int[k])));
    assertThatThrownBy(() -> engine.get(reader, 2)).isInstanceOf(QueryFailedException.class)
        .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key of type int[] for query 'sum'");
    assertThatThrownBy(() -> engine.get(readerAll, 2)).isInstanceOf(QueryFailedException.class)
        .cause().isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query 'sum'");
    Query<Integer, Integer> fine = Query.of("fine", (ctx, k) -> k + 1);
    assertThat(engine.get(fine, 1)).isEqualTo(2);
  }

  // ------------------------------------------------------------------------------------ builder, recursion

  @Test
  void builder_misuse_throwsNamingTheQuery() {
    Query.Builder<String, Integer> b = Query.<String, Integer>builder("opts").cycleFallback((k, c) -> 0)
        .cutoff((x, y) -> true).lru(3);
    assertThatThrownBy(() -> b.cycleFallback((k, c) -> 1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("cycleFallback of query 'opts' was already set");
    assertThatThrownBy(() -> b.cutoff((x, y) -> true)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.lru(4)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> b.buildInput()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("input 'opts' cannot have a cycle fallback");
    assertThatThrownBy(() -> Query.<String, Integer>builder("x").lru(1).buildInput())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("LRU capacity");
    assertThatThrownBy(() -> Query.builder("x").lru(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'x'");
    assertThatThrownBy(() -> Query.builder(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Query.builder("x").build(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Query.builder("x").buildRecursive(null)).isInstanceOf(NullPointerException.class);
    assertThat(engine.get(b.build((ctx, k) -> k.length()), "abc")).isEqualTo(3);
  }

  @Test
  void builder_options_takeEffect() {
    Input<String, String> text = Query.<String, String>builder("text").cutoff(String::equalsIgnoreCase).buildInput();
    engine.set(text, "k", "a");
    long rev = engine.revision();
    engine.set(text, "k", "A"); // same by the input's cutoff: no revision
    assertThat(engine.revision()).isEqualTo(rev);
    Query<Integer, Integer> loop = Query.<Integer, Integer>builder("loop").cycleFallback((k, cycle) -> -k)
        .buildRecursive((self, ctx, k) -> ctx.get(self, k));
    assertThat(engine.get(loop, 5)).isEqualTo(-5);
  }

  @Test
  void recursive_copyOfARecursiveQuery_readsTheCopy() {
    Query<Integer, Integer> down = Query.recursive("down", (self, ctx, n) -> n == 0 ? 0 : 1 + ctx.get(self, n - 1));
    Query<Integer, Integer> bounded = down.withLru(2);
    // Were `self` the original, the copy's body would read a second query named "down" and be rejected.
    assertThat(engine.get(bounded, 10)).isEqualTo(10);
    assertThat(engine.stats().evictions()).isPositive();
  }

  @Test
  void recursiveGroup_readDuringDefinitionsOrNull_throws() {
    assertThatThrownBy(() -> Query.recursive((Supplier<List<Query<Integer, Integer>>> p) -> {
      p.get();
      return List.of();
    })).isInstanceOf(IllegalStateException.class).hasMessageContaining("only inside query bodies");
    assertThatThrownBy(() -> Query.recursive(p -> null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Query.recursive(null, (self, ctx, k) -> k)).isInstanceOf(NullPointerException.class);
  }

  // ------------------------------------------------------------------------------------------- singletons

  @Test
  void singleton_everyKeylessOverload_actsOnUnitValue() {
    Input<Unit, String> target = Query.singleton("target");
    Query<Unit, Integer> length = Query.of("length", (ctx, unit) -> ctx.get(target).length());
    assertThat(engine.evaluate(length).failure()).get().isInstanceOf(MissingInputException.class)
        .asString().contains("input target() was never set (read by length())");
    engine.set(target, "jdk");
    assertThat(engine.get(target, Unit.VALUE)).isEqualTo("jdk");
    assertThat(engine.get(length)).isEqualTo(3);
    long rev = engine.revision();
    engine.set(target, "jdk", Durability.LOW); // equal: no revision
    assertThat(engine.revision()).isEqualTo(rev);
    engine.set(target, "jdk25", Durability.HIGH);
    assertThat(engine.evaluate(length).value()).isEqualTo(5);
    engine.update(tx -> tx.remove(target));
    assertThatThrownBy(() -> engine.get(length)).isInstanceOf(MissingInputException.class);
    engine.update(tx -> tx.set(target, "x", Durability.MEDIUM));
    assertThat(engine.get(length)).isEqualTo(1);
    engine.remove(target);
    assertThatThrownBy(() -> engine.get(target)).isInstanceOf(MissingInputException.class)
        .hasMessageContaining("target()");
    assertThat(new QueryCall(target, Unit.VALUE)).hasToString("target()");
  }
}
