package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.weft.query.CancelledException;
import dev.weft.query.Diagnostic;
import dev.weft.query.Input;
import dev.weft.query.MissingInputException;
import dev.weft.query.Query;
import dev.weft.query.QueryContext;
import dev.weft.query.QueryEngine;
import dev.weft.query.QueryFailedException;
import dev.weft.scheduler.Scheduler;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every public entry point of the query engine with null or invalid arguments, reentrancy misuse and use
 * after close. Each misuse gets a clear exception (naming the query and key where there is one), and the
 * engine keeps working afterwards: {@link #assertWorks()} runs after every test.
 */
@Timeout(30)
class QueryEngineBadInputTest {
  private Scheduler scheduler;
  private QueryEngine engine;
  private final Input<String, Integer> in = Query.input("in");
  private final Query<String, Integer> twice = Query.of("twice", (ctx, k) -> 2 * ctx.get(in, k));

  @BeforeEach
  void open() {
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).name("bad-input").build();
    engine.set(in, "x", 21);
  }

  @AfterEach
  void close() {
    try {
      assertWorks();
    } finally {
      engine.close();
      scheduler.close();
    }
  }

  /** The engine still answers, computes new keys and takes new inputs. */
  private void assertWorks() {
    if (engineClosed) {
      return;
    }
    assertThat(engine.get(twice, "x")).isEqualTo(42);
    engine.set(in, "fresh", 5);
    assertThat(engine.get(twice, "fresh")).isEqualTo(10);
    assertThat(engine.getAll(twice, List.of("fresh", "x"))).containsExactly(10, 42);
  }

  private boolean engineClosed;

  // --- null and invalid arguments ------------------------------------------------------------------------

  @Test
  void get_nullQueryOrKey_throwsNullPointerNamingQuery() {
    assertThatThrownBy(() -> engine.get(null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> engine.get(twice, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void getAll_nullListOrNullKey_throwsNullPointer() {
    assertThatThrownBy(() -> engine.getAll(twice, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> engine.getAll(twice, Arrays.asList("x", null)))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> engine.getAll(null, List.of("x"))).isInstanceOf(NullPointerException.class);
  }

  @Test
  void getAll_duplicateKeys_valuePerPositionAndOneExecution() {
    java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
    Query<String, Integer> counted = Query.of("counted", (ctx, k) -> {
      runs.incrementAndGet();
      return ctx.get(in, k) + 1;
    });
    assertThat(engine.getAll(counted, List.of("x", "x", "x"))).containsExactly(22, 22, 22);
    assertThat(runs).hasValue(1);
  }

  @Test
  void getAll_emptyList_returnsEmpty() {
    assertThat(engine.getAll(twice, List.of())).isEmpty();
  }

  @Test
  void evaluate_nullQueryOrKey_throwsNullPointer() {
    assertThatThrownBy(() -> engine.evaluate(null, "x")).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> engine.evaluate(twice, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("twice");
  }

  @Test
  void set_nullInputKeyOrValue_throwsNullPointerAndKeepsRevision() {
    long revision = engine.revision();
    assertThatThrownBy(() -> engine.set(null, "x", 1)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> engine.set(in, null, 1)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("in");
    assertThatThrownBy(() -> engine.set(in, "x", null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("in(x)");
    assertThat(engine.revision()).isEqualTo(revision);
  }

  @Test
  void set_equalValue_isNoOp() {
    long revision = engine.revision();
    engine.set(in, "x", 21);
    assertThat(engine.revision()).isEqualTo(revision);
  }

  @Test
  void queryFactories_invalidArguments_throwAtConstruction() {
    assertThatThrownBy(() -> Query.of(null, (ctx, k) -> 1)).isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> Query.of(" ", (ctx, k) -> 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Query.of("q", null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Query.input(null)).isInstanceOf(RuntimeException.class);
    assertThatThrownBy(() -> twice.withLru(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> twice.withCutoff(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> twice.withCycleFallback(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Diagnostic.error(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void builder_invalidArguments_throw() {
    assertThatThrownBy(() -> QueryEngine.builder().scheduler(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> QueryEngine.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  // --- bodies that misbehave -------------------------------------------------------------------------------

  @Test
  void get_bodyReturnsNull_failsNamingQueryAndKey() {
    Query<String, Integer> nothing = Query.of("nothing", (ctx, k) -> null);
    Throwable t = catchThrowable(() -> engine.get(nothing, "k1"));
    assertThat(t).isInstanceOf(QueryFailedException.class).hasMessageContaining("nothing(k1)");
    assertThat(t).hasRootCauseInstanceOf(NullPointerException.class);
  }

  @Test
  void get_bodyReportsNull_failsNamingQuery() {
    Query<String, Integer> q = Query.of("nullReport", (ctx, k) -> {
      ctx.report(null);
      return 1;
    });
    assertThatThrownBy(() -> engine.get(q, "k")).isInstanceOf(QueryFailedException.class)
        .hasMessageContaining("nullReport(k)");
  }

  @Test
  void get_inputNeverSet_throwsMissingInputNamingInputAndKey() {
    Throwable t = catchThrowable(() -> engine.get(twice, "unset"));
    assertThat(t).isNotNull();
    Throwable root = t;
    while (!(root instanceof MissingInputException) && root.getCause() != null) {
      root = root.getCause();
    }
    assertThat(root).isInstanceOf(MissingInputException.class).hasMessageContaining("in").hasMessageContaining("unset");
  }

  @Test
  void get_twoQueriesWithOneName_secondRejectedAtFirstUse() {
    assertThat(engine.get(twice, "x")).isEqualTo(42);
    Query<String, Integer> other = Query.of("twice", (ctx, k) -> 0);
    assertThatThrownBy(() -> engine.get(other, "x")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("twice");
  }

  // --- reentrancy misuse ---------------------------------------------------------------------------------

  @Test
  void set_fromQueryBody_failsThatQueryWithIllegalState() {
    Query<String, Integer> setter = Query.of("setter", (ctx, k) -> {
      engine.set(in, "x", 99);
      return 1;
    });
    Throwable t = catchThrowable(() -> engine.get(setter, "s"));
    assertThat(t).isInstanceOf(QueryFailedException.class).hasMessageContaining("setter(s)");
    assertThat(t).hasRootCauseInstanceOf(IllegalStateException.class);
    assertThat(engine.get(in, "x")).isEqualTo(21);
  }

  @Test
  void close_fromQueryBody_failsThatQueryWithIllegalState() {
    Query<String, Integer> closer = Query.of("closer", (ctx, k) -> {
      engine.close();
      return 1;
    });
    assertThatThrownBy(() -> engine.get(closer, "c")).isInstanceOf(QueryFailedException.class)
        .hasRootCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void get_engineUsedFromAnotherEnginesQuery_throwsIllegalStateAndBothEnginesWork() {
    try (QueryEngine other = QueryEngine.builder().scheduler(scheduler).name("other").build()) {
      Query<String, Integer> crossing = Query.of("crossing", (ctx, k) -> engine.get(twice, "x"));
      Throwable t = catchThrowable(() -> other.get(crossing, "k"));
      assertThat(t).isNotNull();
      assertThat(t).hasRootCauseInstanceOf(IllegalStateException.class);
      assertThat(rootMessage(t)).contains("twice").contains("x");
      Query<String, Integer> fine = Query.of("fine", (ctx, k) -> 7);
      assertThat(other.get(fine, "k")).isEqualTo(7);
    }
  }

  // A body that reads through the engine instead of its context: the read is either recorded as a
  // dependency (then a later set is seen) or rejected with a clear exception; it must never go stale silently.
  @Test
  void get_sameEngineFromQueryBody_recordedOrRejectedNeverStale() {
    Query<String, Integer> outer = Query.of("outer", (ctx, k) -> 1 + engine.get(twice, k));
    engine.set(in, "y", 21);
    Integer first;
    try {
      first = engine.get(outer, "y");
    } catch (RuntimeException e) {
      assertThat(rootMessage(e)).contains("twice");
      return;
    }
    assertThat(first).isEqualTo(43);
    engine.set(in, "y", 50);
    assertThat(engine.get(outer, "y")).as("outer after in(y) changed").isEqualTo(101);
  }

  @Test
  void contextUsedAfterBodyReturned_throwsIllegalState() {
    AtomicReference<QueryContext> escaped = new AtomicReference<>();
    Query<String, Integer> leak = Query.of("leak", (ctx, k) -> {
      escaped.set(ctx);
      return 1;
    });
    assertThat(engine.get(leak, "k")).isEqualTo(1);
    assertThatThrownBy(() -> escaped.get().get(twice, "x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("leak(k)");
    assertThatThrownBy(() -> escaped.get().report(Diagnostic.info("late")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void contextUsedFromAnotherThread_throwsIllegalStateInsideBody() {
    Query<String, Integer> handoff = Query.of("handoff", (ctx, k) -> {
      AtomicReference<Throwable> seen = new AtomicReference<>();
      Thread t = Thread.ofVirtual().start(() -> {
        try {
          ctx.get(in, "x");
        } catch (Throwable e) {
          seen.set(e);
        }
      });
      t.join();
      if (seen.get() instanceof IllegalStateException) {
        return 1;
      }
      throw new AssertionError("ctx use from another thread was not rejected: " + seen.get());
    });
    assertThat(engine.get(handoff, "k")).isEqualTo(1);
  }

  @Test
  void get_fromPlatformThreadInterrupted_throwsCancelledAndKeepsFlag() throws Exception {
    Query<String, Integer> fresh = Query.of("freshKey", (ctx, k) -> ctx.get(in, "x"));
    AtomicReference<Throwable> seen = new AtomicReference<>();
    AtomicReference<Boolean> flag = new AtomicReference<>();
    Thread t = Thread.ofPlatform().start(() -> {
      Thread.currentThread().interrupt();
      try {
        engine.get(fresh, "k");
      } catch (Throwable e) {
        seen.set(e);
      }
      flag.set(Thread.currentThread().isInterrupted());
    });
    t.join();
    // Either the read completes before noticing the interrupt, or it is cancelled; it never hangs or lies.
    if (seen.get() != null) {
      assertThat(seen.get()).isInstanceOf(CancelledException.class);
      assertThat(flag.get()).as("interrupt flag restored").isTrue();
    }
    assertThat(engine.get(fresh, "k")).isEqualTo(21);
  }

  // --- after close ---------------------------------------------------------------------------------------

  @Test
  void everyCall_afterClose_throwsIllegalStateNamingEngine() {
    engine.close();
    engineClosed = true;
    assertThatThrownBy(() -> engine.get(twice, "x")).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> engine.getAll(twice, List.of("x"))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> engine.evaluate(twice, "x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> engine.set(in, "x", 1)).isInstanceOf(IllegalStateException.class);
    engine.close(); // idempotent
    assertThat(scheduler.spawn("still-open", () -> 1).join()).as("a given scheduler is not closed").isEqualTo(1);
  }

  private static String rootMessage(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      sb.append(c.getMessage()).append(" | ");
    }
    return sb.toString();
  }
}
