package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Regressions of the engine restructure issue: claims, leaks, misuse on every path, messages. */
@Timeout(60)
class Issue15Test {

  static Stream<Supplier<Throwable>> throwingCutoffs() {
    return Stream.of(() -> new StackOverflowError("deep equals"), () -> new AssertionError("an Error"),
        () -> new IllegalStateException("a RuntimeException"));
  }

  /** A cutoff comparison that throws, whatever it throws, must not leak the memo's claim. */
  @ParameterizedTest
  @MethodSource("throwingCutoffs")
  void complete_cutoffThrows_claimEndsAndNewValueStored(Supplier<Throwable> thrown) {
    Input<String, Integer> in = Query.input("in");
    Query<String, Integer> q = Query.<String, Integer>of("q", (ctx, k) -> ctx.get(in, k) * 10)
        .withCutoff((a, b) -> {
          Throwable t = thrown.get();
          if (t instanceof Error e) {
            throw e;
          }
          throw (RuntimeException) t;
        });
    AtomicInteger readerRuns = new AtomicInteger();
    Query<String, Integer> reader = Query.of("reader", (ctx, k) -> {
      readerRuns.incrementAndGet();
      return ctx.get(q, k) + 1;
    });
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, "k", 1);
      assertThat(e.get(reader, "k")).isEqualTo(11);
      e.set(in, "k", 2);
      // q re-executes and its comparison throws: counted as changed, so the reader re-executes too
      assertThat(e.get(reader, "k")).isEqualTo(21);
      assertThat(e.get(q, "k")).isEqualTo(20);
      assertThat(readerRuns).hasValue(2);
      e.set(in, "k", 3);
      List<Task<Integer>> readers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        readers.add(s.spawn("r" + i, () -> e.get(reader, "k")));
      }
      for (Task<Integer> t : readers) {
        assertThat(t.join()).isEqualTo(31);
      }
    }
  }

  /** A failure whose message throws: comparing it with the previous failure must not leak the claim. */
  @Test
  void complete_failureWhoseMessageThrows_claimEnds() {
    Input<String, Integer> in = Query.input("in");
    Query<String, Integer> q = Query.of("q", (ctx, k) -> {
      int v = ctx.get(in, k);
      throw new IllegalStateException() {
        @Override
        public String getMessage() {
          throw new UnsupportedOperationException("no message for " + v);
        }
      };
    });
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, "k", 1);
      assertThatThrownBy(() -> e.get(q, "k")).isInstanceOf(QueryFailedException.class)
          .hasMessageStartingWith("q(k): ");
      e.set(in, "k", 2);
      assertThatThrownBy(() -> e.get(q, "k")).isInstanceOf(QueryFailedException.class);
      assertThatThrownBy(() -> e.get(q, "k")).isInstanceOf(QueryFailedException.class);
      assertThat(e.stats().executions()).isEqualTo(2);
    }
  }

  /** Static query objects must not keep a closed engine (and all its memos) reachable. */
  @Test
  void close_queriesOutliveTheEngine_engineCollectable() {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> sq = Query.of("sq", (ctx, k) -> ctx.get(in, k % 10) * k);
    Query<Integer, Integer> lru = Query.<Integer, Integer>of("lru", (ctx, k) -> ctx.get(sq, k)).withLru(10);
    WeakReference<QueryEngine> ref = computeAndClose(in, sq, lru);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
      System.gc();
      return ref.get() == null;
    });
  }

  private static WeakReference<QueryEngine> computeAndClose(Input<Integer, Integer> in, Query<Integer, Integer> sq,
      Query<Integer, Integer> lru) {
    QueryEngine e = QueryEngine.create();
    for (int i = 0; i < 10; i++) {
      e.set(in, i, i);
    }
    for (int i = 0; i < 1000; i++) {
      assertThat(e.get(lru, i)).isEqualTo((i % 10) * i);
    }
    e.close();
    return new WeakReference<>(e);
  }

  /** The engine's own read inside a body is rejected on a memo hit too, not only on a miss. */
  @Test
  void get_engineReadInsideBodyOnAHit_illegalState() {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k);
      assertThat(e.get(leaf, 1)).isEqualTo(1); // now a hit for everyone
      Query<Integer, Integer> viaEngine = Query.of("viaEngine", (ctx, k) -> e.get(leaf, k) * 2);
      assertThatThrownBy(() -> e.get(viaEngine, 1)).isInstanceOf(QueryFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("leaf(1)").hasMessageContaining("viaEngine(1)").hasMessageContaining("QueryContext");
      Query<Integer, List<Integer>> viaGetAll = Query.of("viaGetAll", (ctx, k) -> e.getAll(leaf, List.of(1, 2, 3)));
      assertThatThrownBy(() -> e.get(viaGetAll, 1)).isInstanceOf(QueryFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("getAll of leaf[1, 2, 3]");
    }
  }

  /** A set from a task that a body spawns and joins would wait for the body forever: it throws instead. */
  @Test
  void set_fromTaskSpawnedAndJoinedByBody_illegalStateInsteadOfHang() {
    Input<String, Integer> in = Query.input("in");
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, "k", 1);
      Query<String, Integer> q = Query.of("q", (ctx, k) -> {
        Task<Void> t = ctx.scheduler().spawn("setter", () -> {
          e.set(in, "k", 2);
          return null;
        });
        t.join();
        return ctx.get(in, k);
      });
      assertThatThrownBy(() -> e.get(q, "k")).isInstanceOf(QueryFailedException.class)
          .rootCause().isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("set(in(k))").hasMessageContaining("started inside an evaluation")
          .hasMessageContaining("still running");
      assertThat(e.get(in, "k")).isEqualTo(1);
      assertThat(e.revision()).isEqualTo(2);
    }
  }

  /** The same thread may set once the evaluation that started it has ended. */
  @Test
  void set_fromThreadStartedByBodyAfterTheEvaluationEnded_works() throws Exception {
    Input<String, Integer> in = Query.input("in");
    CountDownLatch go = new CountDownLatch(1);
    List<Task<Void>> setter = new ArrayList<>();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, "k", 1);
      Query<String, Integer> q = Query.of("q", (ctx, k) -> {
        setter.add(ctx.scheduler().spawn("later", () -> {
          go.await();
          e.set(in, "k", 2);
          return null;
        }));
        return ctx.get(in, k);
      });
      assertThat(e.get(q, "k")).isEqualTo(1);
      go.countDown();
      setter.get(0).join();
      assertThat(e.get(q, "k")).isEqualTo(2);
    }
  }

  @Test
  void set_afterClose_saysClosedAndNamesTheInput() {
    Input<String, Integer> in = Query.input("in");
    QueryEngine e = QueryEngine.create();
    e.set(in, "k", 1);
    e.close();
    assertThatThrownBy(() -> e.set(in, "k", 2)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed").hasMessageContaining("cannot set(in(k))")
        .hasMessageNotContaining("evaluate");
  }

  @Test
  void close_whileEvaluationRuns_cancellationSaysClosed() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    Query<Integer, Integer> spin = Query.of("spin", (ctx, k) -> {
      entered.countDown();
      for (;;) {
        ctx.scheduler().sleep(Duration.ofMillis(1));
        ctx.checkCancelled();
      }
    });
    try (Scheduler s = Scheduler.parallel(2)) {
      QueryEngine e = QueryEngine.builder().scheduler(s).name("closing").build();
      Task<String> reader = s.spawn("reader", () -> {
        try {
          e.get(spin, 1);
          return "value";
        } catch (CancelledException c) {
          return c.getMessage();
        }
      });
      entered.await();
      e.close();
      assertThat(reader.join()).contains("engine 'closing' closed").doesNotContain("set");
    }
  }

  @Test
  void get_missingInput_messageNamesTheReadingQuery() {
    Input<String, String> source = Query.input("source");
    Query<String, Integer> parse = Query.of("parse", (ctx, k) -> ctx.get(source, k).length());
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      assertThatThrownBy(() -> e.get(parse, "A.java")).isInstanceOf(MissingInputException.class)
          .hasMessageContaining("source(A.java)").hasMessageContaining("read by parse(A.java)");
    }
  }

  /** Hits served by getAll, in a body or at the root, refresh LRU recency like hits of get. */
  @Test
  void getAll_lruQueryHits_refreshRecency() {
    AtomicInteger runs = new AtomicInteger();
    Query<Integer, Integer> lru = Query.<Integer, Integer>of("lru", (ctx, k) -> {
      runs.incrementAndGet();
      return k;
    }).withLru(2);
    Query<Integer, Integer> viaGetAll = Query.of("viaGetAll", (ctx, k) -> ctx.getAll(lru, List.of(k)).get(0));
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.get(lru, 1);
      e.get(lru, 2);
      e.get(viaGetAll, 1); // a hit through a body's getAll: 1 is now more recent than 2
      e.get(lru, 3); // evicts 2
      runs.set(0);
      e.get(lru, 1);
      assertThat(runs).as("1 was kept").hasValue(0);
      e.getAll(lru, List.of(1)); // a hit through the root getAll: 1 more recent than 3
      e.get(lru, 2); // evicts 3
      runs.set(0);
      e.get(lru, 1);
      assertThat(runs).as("1 was kept again").hasValue(0);
      e.get(lru, 3);
      assertThat(runs).as("3 was evicted").hasValue(1);
    }
  }

  /** Every read path emits the {@code cached} event for a hit while a recording asks for it. */
  @Test
  void hits_everyReadPath_emitCachedEvents(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("hits.jfr");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k);
    Query<Integer, Integer> viaGet = Query.of("viaGet", (ctx, k) -> ctx.get(leaf, 1));
    Query<Integer, Integer> viaGetAll = Query.of("viaGetAll", (ctx, k) -> ctx.getAll(leaf, List.of(2)).get(0));
    try (Scheduler s = Scheduler.deterministic(0);
        QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.getAll(leaf, List.of(1, 2, 3));
      try (Recording rec = new Recording()) {
        rec.enable("weft.QueryExecuted");
        rec.start();
        e.get(viaGet, 0);
        e.get(viaGetAll, 0);
        e.getAll(leaf, List.of(3));
        rec.stop();
        rec.dump(file);
      }
    }
    List<String> cached = new ArrayList<>();
    for (RecordedEvent ev : RecordingFile.readAllEvents(file)) {
      if (ev.getString("outcome").equals("cached")) {
        cached.add(ev.getString("query") + "(" + ev.getString("key") + ")");
      }
    }
    assertThat(cached).containsExactlyInAnyOrder("leaf(1)", "leaf(2)", "leaf(3)");
  }

  /**
   * An LRU query read with many distinct keys from outside any body keeps memory bounded: evicted memos that no
   * dependent's record names are collected and their slots dropped.
   */
  @Test
  void withLru_manyDistinctKeysReadFromOutside_memosBounded() {
    Query<Integer, int[]> big = Query.<Integer, int[]>of("big", (ctx, k) -> new int[16]).withLru(100);
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      int key = 0;
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 10_000; i++) {
          e.get(big, key++);
        }
        System.gc();
      }
      Table t = e.table(big);
      assertThat(t.slotsInUse()).as("slots after 200,000 distinct keys").isLessThan(100_000);
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
        System.gc();
        return t.size() <= 1_000;
      });
      assertThat(e.stats().liveMemos()).isEqualTo(100);
      assertThat(e.get(big, 0)).hasSize(16); // a collected key computes afresh
    }
  }

  /** An evicted memo that a dependent's record names stays, so the dependent still verifies without it. */
  @Test
  void withLru_evictedMemoNamedByADependent_keptAndVerified() {
    Input<Integer, Integer> in = Query.input("in");
    AtomicInteger leafRuns = new AtomicInteger();
    Query<Integer, Integer> leaf = Query.<Integer, Integer>of("leaf", (ctx, k) -> {
      leafRuns.incrementAndGet();
      return ctx.get(in, 0) > 0 ? k : -k;
    }).withLru(1);
    Query<Integer, Integer> sum = Query.of("sum", (ctx, k) -> {
      int total = 0;
      for (int i = 0; i < k; i++) {
        total += ctx.get(leaf, i);
      }
      return total;
    });
    Input<Integer, Integer> other = Query.input("other");
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, 0, 1);
      e.set(other, 0, 0);
      assertThat(e.get(sum, 50)).isEqualTo(1225);
      for (int i = 0; i < 5; i++) {
        System.gc();
      }
      assertThat(e.table(leaf).size()).as("records named by sum(50) stay").isEqualTo(50);
      e.set(other, 0, 1); // a new revision that changes nothing sum(50) read
      leafRuns.set(0);
      assertThat(e.get(sum, 50)).isEqualTo(1225);
      assertThat(leafRuns).as("verified through the evicted memos' records").hasValue(0);
    }
  }
}
