package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.StoreReuseTest.MemStore;
import dev.weft.query.StoreReuseTest.Program;
import dev.weft.scheduler.Scheduler;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Future;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Values of memos reused from a store only to verify their dependents' traces stay in the store until a reader
 * asks for them (DESIGN.md section 9): what is decoded, when, and what a value that cannot be decoded then
 * becomes.
 */
@Timeout(60)
class UnreadValuesTest {

  /** A first engine computes the toy program into {@code store}. */
  private static void fill(Scheduler s, MemStore store) {
    Program p = new Program();
    try (QueryEngine e = p.engine(s, store)) {
      p.setAll(e, "x y z");
      assertThat(e.get(p.total, Program.FILES)).isEqualTo(10);
    }
  }

  /** A second engine's root read of the program's inputs as {@link #fill} set them: everything is reused. */
  private static void reuseAll(QueryEngine e, Program q) {
    q.setAll(e, "x y z");
    assertThat(e.get(q.total, Program.FILES)).isEqualTo(10);
  }

  @Test
  void reusedDependencies_decodedOnlyWhenRead() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2)) {
      fill(s, store);
      Program q = new Program();
      try (QueryEngine e = q.engine(s, store)) {
        reuseAll(e, q);
        assertThat(e.stats().tracesReused()).isEqualTo(7);
        assertThat(e.stats().valuesLoaded()).as("only the root's value").isEqualTo(1);

        assertThat(e.get(q.tokens, "C")).isEqualTo(5);
        assertThat(e.getAll(q.summary, Program.FILES)).containsExactly("A:2", "B:3", "C:5");
        assertThat(e.stats().valuesLoaded()).isEqualTo(5);
        assertThat(e.get(q.tokens, "C")).isEqualTo(5);
        assertThat(e.stats().valuesLoaded()).as("decoded once").isEqualTo(5);
        assertThat(q.runs).as("no body ran").hasValue(0);
        assertThat(e.stats().executions()).isZero();
      }
    }
  }

  @Test
  void unreadValues_checkpointedAgain_keptAsUsedAndReusedByTheNextEngine() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2)) {
      fill(s, store);
      for (int round = 0; round < 2; round++) {
        Program q = new Program();
        try (QueryEngine e = q.engine(s, store)) {
          reuseAll(e, q);
          e.checkpoint();
          assertThat(store.added).last().isEqualTo(0);
          assertThat(store.used).last().as("every trace, read or not").isEqualTo(7);
          assertThat(q.runs).hasValue(0);
        }
      }
    }
  }

  @Test
  void unreadValue_dependentReexecutesInThisEngine_readsItsValue() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2)) {
      fill(s, store);
      Program q = new Program();
      try (QueryEngine e = q.engine(s, store)) {
        reuseAll(e, q);
        // summary(B)'s body runs (its tokens changed) and reads tokens(B); total reads every summary.
        e.set(q.source, "B", "x y z w");
        assertThat(e.get(q.total, Program.FILES)).isEqualTo(11);
        assertThat(q.runs).as("tokens(B), summary(B), total").hasValue(3);
      }
      Program r = new Program();
      try (QueryEngine e = r.engine(s, store)) {
        r.setAll(e, "x y z w");
        assertThat(e.get(r.total, Program.FILES)).isEqualTo(11);
        assertThat(r.runs).as("the second engine's traces were written").hasValue(0);
      }
    }
  }

  @Test
  void unreadValue_itsMemoReexecutesToTheSameValue_earlyCutoff() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2)) {
      fill(s, store);
      Program q = new Program();
      try (QueryEngine e = q.engine(s, store)) {
        reuseAll(e, q);
        long cutoffs = e.stats().cutoffs();
        e.set(q.source, "B", "x y z // the same tokens");
        assertThat(e.get(q.total, Program.FILES)).isEqualTo(10);
        assertThat(q.runs).as("only tokens(B): its old value, never read, is compared").hasValue(1);
        assertThat(e.stats().cutoffs()).isEqualTo(cutoffs + 1);
      }
    }
  }

  @Test
  void unreadValue_codecCannotReadIt_bodyRestoresTheValue() {
    MemStore store = new MemStore();
    AtomicBoolean broken = new AtomicBoolean();
    Codec<String> fragile = new Codec<>() {
      @Override
      public void write(String value, DataOutput out) throws IOException {
        Codecs.STRING.write(value, out);
      }

      @Override
      public String read(DataInput in) throws IOException {
        if (broken.get()) {
          throw new IOException("this codec no longer reads its old format");
        }
        return Codecs.STRING.read(in);
      }
    };
    Input<String, String> src = Query.<String, String>builder("src").codec(Codecs.STRING, Codecs.STRING)
        .buildInput();
    AtomicInteger upperRuns = new AtomicInteger();
    AtomicInteger lengthRuns = new AtomicInteger();
    Query<String, String> upper = Query.<String, String>builder("upper").codec(Codecs.STRING, fragile)
        .build((ctx, k) -> {
          upperRuns.incrementAndGet();
          return ctx.get(src, k).toUpperCase(java.util.Locale.ROOT);
        });
    Query<String, Integer> length = Query.<String, Integer>builder("length").codec(Codecs.STRING, Codecs.INT)
        .build((ctx, k) -> {
          lengthRuns.incrementAndGet();
          return ctx.get(upper, k).length();
        });
    try (Scheduler s = Scheduler.parallel(2)) {
      for (int round = 0; round < 2; round++) {
        broken.set(round == 1);
        try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).queries(src, upper, length).build()) {
          e.set(src, "k", "weft");
          assertThat(e.get(length, "k")).isEqualTo(4);
          assertThat(e.get(upper, "k")).isEqualTo("WEFT");
          assertThat(e.get(upper, "k")).isEqualTo("WEFT");
          if (round == 1) {
            // length(k) reused; upper(k) too, for its fingerprint, and its body ran once to restore its value
            assertThat(lengthRuns).hasValue(1);
            assertThat(upperRuns).hasValue(2);
            assertThat(e.stats().tracesReused()).isEqualTo(2);
            assertThat(e.stats().valuesLoaded()).isEqualTo(1);
            assertThat(e.stats().cutoffs()).isZero();
          }
        }
      }
    }
  }

  @Test
  void unreadValue_manyReadersAtOnce_decodedOnceAndTheSameObjectForAll() throws Exception {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2); ExecutorService pool = Executors.newFixedThreadPool(4)) {
      fill(s, store);
      for (int round = 0; round < 20; round++) {
        Program q = new Program();
        try (QueryEngine e = q.engine(s, store)) {
          reuseAll(e, q);
          CyclicBarrier start = new CyclicBarrier(4);
          List<Future<List<String>>> reads = new ArrayList<>();
          for (int t = 0; t < 4; t++) {
            reads.add(pool.submit(() -> {
              start.await();
              return e.getAll(q.summary, Program.FILES);
            }));
          }
          List<String> first = reads.get(0).get();
          assertThat(first).containsExactly("A:2", "B:3", "C:5");
          for (Future<List<String>> f : reads) {
            List<String> got = f.get();
            for (int i = 0; i < got.size(); i++) {
              assertThat(got.get(i)).isSameAs(first.get(i));
            }
          }
          assertThat(e.stats().valuesLoaded()).as("the root's and each summary's, once").isEqualTo(4);
          assertThat(q.runs).hasValue(0);
        }
      }
    }
  }
}
