package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Transactions, batch sets and removes: one revision each, atomic for readers. */
@Timeout(60)
class UpdatesTest {

  @Test
  void update_manySets_oneRevisionOneCancellation() throws Exception {
    Input<Integer, Integer> in = Query.input("in");
    CountDownLatch entered = new CountDownLatch(1);
    Query<Integer, Integer> spin = Query.of("spin", (ctx, k) -> {
      if (ctx.get(in, 0) == 0) {
        entered.countDown();
        for (;;) {
          ctx.scheduler().sleep(Duration.ofMillis(1));
          ctx.checkCancelled();
        }
      }
      return ctx.get(in, 0);
    });
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, 0, 0);
      Task<Object> reader = s.spawn("reader", () -> {
        try {
          return e.get(spin, 0);
        } catch (CancelledException c) {
          return c.getMessage();
        }
      });
      entered.await();
      long rev = e.revision();
      e.update(tx -> {
        for (int i = 0; i < 2000; i++) {
          tx.set(in, i, i + 1);
        }
      });
      assertThat(e.revision()).isEqualTo(rev + 1);
      assertThat(reader.join()).asString().contains("set(in(0))").contains("1999 more writes");
      assertThat(e.stats().cancellations()).isEqualTo(1);
      assertThat(e.get(spin, 0)).isEqualTo(1);
    }
  }

  /** Readers never see part of a transaction: a + b is 0 in every revision, and every read says so. */
  @Test
  void writeMessages_nameTheFirstTwoInputsWrittenOnce() throws Exception {
    Input<Integer, Integer> in = Query.input("in");
    AtomicReference<String> fromBody = new AtomicReference<>();
    AtomicReference<QueryEngine> engine = new AtomicReference<>();
    Query<Integer, Integer> writer = Query.of("writer", (ctx, k) -> {
      try {
        engine.get().set(in, 7, 7);
      } catch (IllegalStateException expected) {
        fromBody.set(expected.getMessage());
      }
      return k;
    });
    try (QueryEngine e = QueryEngine.create()) {
      engine.set(e);
      e.get(writer, 1);
      assertThat(fromBody.get()).startsWith("set(in(7)) called from a query body (writer(1))");
      e.close();
      assertThatThrownBy(() -> e.update(tx -> tx.set(in, 1, 1).set(in, 1, 2).remove(in, 2)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageEndingWith("is closed; cannot set(in(1)), remove(in(2))");
      assertThatThrownBy(() -> e.update(tx -> {}))
          .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("is closed; cannot update()");
    }
  }

  @Test
  void update_concurrentReaders_neverSeeHalfATransaction() throws Exception {
    Input<String, Integer> in = Query.input("in");
    Query<String, Integer> sum = Query.of("sum", (ctx, k) -> ctx.get(in, "a") + ctx.get(in, "b"));
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.update(tx -> tx.set(in, "a", 0).set(in, "b", 0));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> broken = new AtomicReference<>();
      AtomicInteger reads = new AtomicInteger();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        boolean viaGetAll = r == 0;
        readers.add(Thread.ofPlatform().start(() -> {
          while (!stop.get() && broken.get() == null) {
            try {
              int seen = viaGetAll ? e.getAll(in, List.of("a", "b")).stream().mapToInt(i -> i).sum()
                  : e.get(sum, "");
              reads.incrementAndGet();
              if (seen != 0) {
                broken.set((viaGetAll ? "getAll" : "sum") + " saw " + seen);
              }
            } catch (CancelledException ignored) {
              // a read cancelled by the next transaction: fine, it returned nothing
            }
          }
        }));
      }
      for (int i = 1; i <= 500; i++) {
        int x = i;
        e.update(tx -> tx.set(in, "a", x).set(in, "b", -x));
        if (i % 10 == 0) {
          while (reads.get() < i / 10 && broken.get() == null) { // let the readers finish some reads
            Thread.onSpinWait();
          }
        }
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      assertThat(broken.get()).isNull();
      assertThat(reads.get()).isPositive();
      assertThat(e.get(sum, "")).isZero();
    }
  }

  @Test
  void remove_input_readsAsNeverSetAndDependentsRecompute() {
    Input<String, String> src = Query.input("src");
    Query<String, Integer> len = Query.of("len", (ctx, k) -> ctx.get(src, k).length());
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(src, "A", "abc");
      assertThat(e.get(len, "A")).isEqualTo(3);
      assertThat(e.stats().liveMemos()).isEqualTo(2);
      e.remove(src, "A");
      assertThatThrownBy(() -> e.get(src, "A")).isInstanceOf(MissingInputException.class);
      assertThatThrownBy(() -> e.get(len, "A")).isInstanceOf(MissingInputException.class)
          .hasMessageContaining("src(A)");
      long rev = e.revision();
      e.remove(src, "A"); // nothing to remove
      e.remove(src, "never");
      assertThat(e.revision()).isEqualTo(rev);
      e.set(src, "A", "abcd");
      assertThat(e.get(len, "A")).isEqualTo(4);
    }
  }

  @Test
  void setAll_map_oneRevision() {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> total = Query.of("total", (ctx, n) -> {
      int t = 0;
      for (int v : ctx.getAll(in, java.util.stream.IntStream.range(0, n).boxed().toList())) {
        t += v;
      }
      return t;
    });
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Map<Integer, Integer> m = new HashMap<>();
      for (int i = 0; i < 100; i++) {
        m.put(i, i);
      }
      long rev = e.revision();
      e.setAll(in, m);
      assertThat(e.revision()).isEqualTo(rev + 1);
      assertThat(e.get(total, 100)).isEqualTo(4950);
      e.setAll(in, m); // all equal: nothing changes
      assertThat(e.revision()).isEqualTo(rev + 1);
    }
  }

  @Test
  void update_txThrows_nothingApplied() {
    Input<Integer, Integer> in = Query.input("in");
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, 1, 1);
      long rev = e.revision();
      assertThatThrownBy(() -> e.update(tx -> {
        tx.set(in, 1, 2);
        throw new IllegalStateException("changed my mind");
      })).hasMessage("changed my mind");
      assertThatThrownBy(() -> e.update(tx -> tx.set(in, 1, 3).set(in, null, 4)))
          .isInstanceOf(NullPointerException.class);
      assertThat(e.revision()).isEqualTo(rev);
      assertThat(e.get(in, 1)).isEqualTo(1);
    }
  }

  @Test
  void update_laterWriteOfOneKeyWins_andNoOpTransactionStartsNoRevision() {
    Input<Integer, Integer> in = Query.input("in");
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(in, 1, 1);
      long rev = e.revision();
      e.update(tx -> tx.set(in, 1, 5).remove(in, 1).set(in, 1, 1));
      assertThat(e.revision()).as("ends where it started").isEqualTo(rev);
      e.update(tx -> tx.set(in, 1, 5).set(in, 1, 7));
      assertThat(e.get(in, 1)).isEqualTo(7);
    }
  }

  @Test
  void update_handleUsedAfterwardsOrFromABody_illegalState() {
    Input<Integer, Integer> in = Query.input("in");
    AtomicReference<Updates> leaked = new AtomicReference<>();
    AtomicInteger bodyRuns = new AtomicInteger();
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.update(leaked::set);
      assertThatThrownBy(() -> leaked.get().set(in, 1, 1)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("finished update()");
      Query<Integer, Integer> writer = Query.of("writer", (ctx, k) -> {
        bodyRuns.incrementAndGet();
        e.update(tx -> tx.set(in, k, k));
        return k;
      });
      assertThatThrownBy(() -> e.get(writer, 1)).isInstanceOf(QueryFailedException.class)
          .cause().isInstanceOf(IllegalStateException.class).hasMessageContaining("query body");
      assertThat(bodyRuns).hasValue(1);
    }
  }
}
