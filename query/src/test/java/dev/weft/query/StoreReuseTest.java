package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import dev.weft.scheduler.Scheduler;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Memos reused across engines through a store, by verifying traces (DESIGN.md section 9). */
@Timeout(60)
class StoreReuseTest {

  /** A store in memory: newest traces first per memo, values kept as bytes. */
  static final class MemStore implements MemoStore {
    final Map<MemoId, List<Trace>> traces = new ConcurrentHashMap<>();
    final List<Integer> added = new ArrayList<>();
    final List<Integer> used = new ArrayList<>();
    RuntimeException failWrite;

    @Override
    public List<Trace> traces(MemoId id) {
      return List.copyOf(traces.getOrDefault(id, List.of()));
    }

    @Override
    public synchronized void write(List<Trace> add, List<Trace> use) {
      if (failWrite != null) {
        throw failWrite;
      }
      for (Trace t : add) {
        byte[] bytes = t.loadValue();
        Trace kept = new Trace(t.id(), t.value(), t.steps(), () -> bytes.clone());
        List<Trace> list = new ArrayList<>(traces.getOrDefault(t.id(), List.of()));
        list.removeIf(x -> x.digest().equals(kept.digest()));
        list.add(0, kept);
        traces.put(t.id(), List.copyOf(list.subList(0, Math.min(4, list.size()))));
      }
      added.add(add.size());
      used.add(use.size());
    }

    @Override
    public Stats stats() {
      return Stats.ZERO;
    }

    @Override
    public void close() {}
  }

  /** A toy compiler: source text -> token count -> per-file summary -> total, with a report and a getAll. */
  static final class Program {
    final AtomicInteger runs = new AtomicInteger();
    final Input<String, String> source = Query.<String, String>builder("source")
        .codec(Codecs.STRING, Codecs.STRING).buildInput();
    final Query<String, Integer> tokens = Query.<String, Integer>builder("tokens")
        .codec(Codecs.STRING, Codecs.INT).build((ctx, f) -> {
          runs.incrementAndGet();
          String text = ctx.get(source, f).replaceAll("//.*", "");
          return text.isBlank() ? 0 : text.trim().split("\\s+").length;
        });
    final Query<String, String> summary = Query.<String, String>builder("summary")
        .codec(Codecs.STRING, Codecs.STRING).build((ctx, f) -> {
          runs.incrementAndGet();
          int n = ctx.get(tokens, f);
          if (n > 3) {
            ctx.report(Diagnostic.warning(f + " has " + n + " tokens").at(Diagnostic.Location.of(f, 1, 1))
                .withCode("long-file"));
          }
          return f + ":" + n;
        });
    final Query<List<String>, Integer> total = Query.<List<String>, Integer>builder("total")
        .codec(Codecs.list(Codecs.STRING), Codecs.INT).build((ctx, files) -> {
          runs.incrementAndGet();
          int sum = 0;
          for (String s : ctx.getAll(summary, files)) {
            sum += Integer.parseInt(s.substring(s.indexOf(':') + 1));
          }
          return sum;
        });
    static final List<String> FILES = List.of("A", "B", "C");

    QueryEngine engine(Scheduler s, MemoStore store) {
      return QueryEngine.builder().scheduler(s).name("toy").store(store)
          .queries(source, tokens, summary, total).build();
    }

    void setAll(QueryEngine e, String b) {
      e.update(tx -> tx.set(source, "A", "a b").set(source, "B", b).set(source, "C", "c d e f g"));
    }
  }

  @Test
  void secondEngine_sameInputs_reusesEverythingAndReplaysDiagnostics() {
    MemStore store = new MemStore();
    Evaluation<Integer> first;
    try (Scheduler s = Scheduler.parallel(2)) {
      Program p = new Program();
      try (QueryEngine e = p.engine(s, store)) {
        p.setAll(e, "x y z");
        first = e.evaluate(p.total, Program.FILES);
      }
      assertThat(store.added).containsExactly(7); // 3 tokens, 3 summaries, 1 total
      Program q = new Program();
      try (QueryEngine e = q.engine(s, store)) {
        q.setAll(e, "x y z");
        Evaluation<Integer> second = e.evaluate(q.total, Program.FILES);
        assertThat(second.value()).isEqualTo(first.value()).isEqualTo(10);
        assertThat(second.diagnostics()).isEqualTo(first.diagnostics()).hasSize(1);
        assertThat(second.diagnostics().get(0).code()).contains("long-file");
        assertThat(q.runs).as("no body ran").hasValue(0);
        assertThat(e.stats().tracesReused()).isEqualTo(7); // the root, and each dependency its trace verified
        assertThat(e.stats().executions()).isZero();
      }
      assertThat(store.used).last().isEqualTo(7);
    }
  }

  @Test
  void secondEngine_commentOnlyEdit_cutOffAcrossProcesses() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(2)) {
      Program p = new Program();
      try (QueryEngine e = p.engine(s, store)) {
        p.setAll(e, "x y z");
        e.get(p.total, Program.FILES);
      }
      Program q = new Program();
      try (QueryEngine e = q.engine(s, store)) {
        q.setAll(e, "x y z // a comment");
        assertThat(e.get(q.total, Program.FILES)).isEqualTo(10);
        // tokens(B) re-ran (its input changed); its value did not, so everything above it was reused
        assertThat(q.runs).hasValue(1);
      }
      Program r = new Program();
      try (QueryEngine e = r.engine(s, store)) {
        r.setAll(e, "x y z w v");
        assertThat(e.get(r.total, Program.FILES)).isEqualTo(12);
        assertThat(r.runs).as("tokens(B), summary(B), total").hasValue(3);
      }
    }
  }

  @Test
  void queriesWithoutCodec_recomputedAndTheirReadersToo() {
    MemStore store = new MemStore();
    Input<String, String> in = Query.<String, String>builder("in").codec(Codecs.STRING, Codecs.STRING).buildInput();
    AtomicInteger runs = new AtomicInteger();
    Query<String, Integer> plain = Query.of("plain", (ctx, k) -> {
      runs.incrementAndGet();
      return ctx.get(in, k).length();
    });
    Query<String, Integer> kept = Query.<String, Integer>builder("kept").codec(Codecs.STRING, Codecs.INT)
        .build((ctx, k) -> {
          runs.incrementAndGet();
          return ctx.get(plain, k) * 2;
        });
    try (Scheduler s = Scheduler.parallel(1)) {
      for (int round = 0; round < 2; round++) {
        try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).build()) {
          e.set(in, "k", "abc");
          assertThat(e.get(kept, "k")).isEqualTo(6);
        }
      }
      assertThat(runs).as("both ran in both engines").hasValue(4);
      assertThat(store.added).containsExactly(0, 0);
    }
  }

  @Test
  void failuresAndCycles_notStored() {
    MemStore store = new MemStore();
    Input<String, Integer> in = Query.<String, Integer>builder("in").codec(Codecs.STRING, Codecs.INT).buildInput();
    Query<String, Integer> fails = Query.<String, Integer>builder("fails").codec(Codecs.STRING, Codecs.INT)
        .build((ctx, k) -> {
          throw new IllegalStateException("no " + ctx.get(in, k));
        });
    @SuppressWarnings("unchecked")
    Query<String, Integer>[] self = new Query[1];
    self[0] = Query.<String, Integer>builder("loop").codec(Codecs.STRING, Codecs.INT)
        .cycleFallback((k, c) -> -1).build((ctx, k) -> ctx.get(self[0], k) + ctx.get(in, k));
    try (Scheduler s = Scheduler.parallel(1)) {
      try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).build()) {
        e.set(in, "k", 1);
        assertThatThrownBy(() -> e.get(fails, "k")).isInstanceOf(QueryFailedException.class);
        assertThat(e.get(self[0], "k")).isEqualTo(-1);
      }
      assertThat(store.added).containsExactly(0);
    }
  }

  @Test
  void corruptValueOrThrowingCodec_recomputedNeverWrong() {
    MemStore store = new MemStore();
    AtomicInteger reads = new AtomicInteger();
    Codec<Integer> flaky = new Codec<>() {
      @Override
      public void write(Integer value, DataOutput out) throws IOException {
        out.writeInt(value);
      }

      @Override
      public Integer read(DataInput in) throws IOException {
        if (reads.incrementAndGet() == 1) {
          throw new IOException("garbage");
        }
        return in.readInt();
      }
    };
    Input<String, Integer> in = Query.<String, Integer>builder("in").codec(Codecs.STRING, Codecs.INT).buildInput();
    AtomicInteger runs = new AtomicInteger();
    Query<String, Integer> q = Query.<String, Integer>builder("q").codec(Codecs.STRING, flaky).build((ctx, k) -> {
      runs.incrementAndGet();
      return ctx.get(in, k) + 1;
    });
    try (Scheduler s = Scheduler.parallel(1)) {
      try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).build()) {
        e.set(in, "k", 41);
        assertThat(e.get(q, "k")).isEqualTo(42);
      }
      try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).build()) {
        e.set(in, "k", 41);
        assertThat(e.get(q, "k")).as("the codec failed: computed").isEqualTo(42);
        assertThat(e.stats().tracesMismatched()).isEqualTo(1);
      }
      // a trace whose value bytes were damaged is not reused either
      store.traces.replaceAll((id, ts) -> ts.stream().map(t -> new Trace(t.id(), t.value(), t.steps(),
          () -> new byte[] {0, 0, 0, 7})).toList());
      try (QueryEngine e = QueryEngine.builder().scheduler(s).store(store).build()) {
        e.set(in, "k", 41);
        assertThat(e.get(q, "k")).isEqualTo(42);
        assertThat(e.stats().tracesReused()).isZero();
      }
      assertThat(runs).hasValue(3);
    }
  }

  @Test
  void rootReadFirst_reusedOnlyWhenItsQueriesAreKnown() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(1)) {
      Program p = new Program();
      try (QueryEngine e = p.engine(s, store)) {
        p.setAll(e, "x y z");
        e.get(p.total, Program.FILES);
      }
      Program q = new Program();
      try (QueryEngine e = QueryEngine.builder().scheduler(s).name("toy").store(store).build()) { // none registered
        e.update(tx -> tx.set(q.source, "A", "a b").set(q.source, "B", "x y z").set(q.source, "C", "c d e f g"));
        assertThat(e.get(q.total, Program.FILES)).isEqualTo(10);
        assertThat(e.stats().tracesMismatched()).as("total's trace names summary, unknown then").isPositive();
      }
    }
  }

  @Test
  void checkpoint_unchangedMemosPassedAsUsed_andWriteFailureLeavesResultsValid() {
    MemStore store = new MemStore();
    try (Scheduler s = Scheduler.parallel(1)) {
      Program p = new Program();
      try (QueryEngine e = p.engine(s, store)) {
        p.setAll(e, "x y z");
        e.get(p.total, Program.FILES);
        e.checkpoint();
        e.checkpoint();
        assertThat(store.added).containsExactly(7, 0);
        assertThat(store.used).containsExactly(0, 7);
        e.set(p.source, "B", "x y z w");
        e.get(p.total, Program.FILES);
        store.failWrite = new UncheckedIOException(new IOException("disk full"));
        assertThatThrownBy(e::checkpoint).isInstanceOf(UncheckedIOException.class).hasMessageContaining("disk full");
        assertThat(e.get(p.total, Program.FILES)).isEqualTo(11);
        store.failWrite = null;
        e.checkpoint();
        assertThat(store.added).last().isEqualTo(3); // tokens(B), summary(B), total
        assertThat(e.stats().tracesStored()).isEqualTo(10);
      }
    }
  }

  /** A store in front of a {@link MemStore} that records how the engine asks: one memo, or a group at once. */
  static final class Asking implements MemoStore {
    final MemStore inner;
    final AtomicInteger single = new AtomicInteger();
    final List<List<String>> groups = new java.util.concurrent.CopyOnWriteArrayList<>();

    Asking(MemStore inner) {
      this.inner = inner;
    }

    @Override
    public List<Trace> traces(MemoId id) {
      single.incrementAndGet();
      return inner.traces(id);
    }

    @Override
    public List<List<Trace>> traces(List<MemoId> ids) {
      groups.add(ids.stream().map(MemoId::query).toList());
      return inner.traces(ids); // the inner store's default: its own traces(MemoId), not counted here
    }

    @Override
    public void write(List<Trace> added, List<Trace> used) {}

    @Override
    public Stats stats() {
      return Stats.ZERO;
    }

    @Override
    public void close() {}
  }

  @Test
  void secondEngine_traceWithGetAllGroups_looksEachGroupUpInOneStoreCall() {
    MemStore store = new MemStore();
    PersistenceTest.Program first = new PersistenceTest.Program(100); // 10 blocks of a read and a getAll of 10
    long total;
    try (Scheduler s = Scheduler.parallel(2)) {
      try (QueryEngine e = first.engine(s, store)) {
        total = e.get(first.total);
      }
      Asking asking = new Asking(store);
      PersistenceTest.Program second = new PersistenceTest.Program(100);
      try (QueryEngine e = second.engine(s, asking)) {
        assertThat(e.get(second.total)).isEqualTo(total);
        assertThat(e.stats().executions()).isZero();
        assertThat(e.stats().tracesReused()).isEqualTo(1 + 10 + 100);
      }
      // total alone, and each block's direct read of size(10 b) before its getAll: one memo at a time.
      assertThat(asking.single).hasValue(1 + 10);
      // total's getAll of the 10 blocks, then each block's getAll of its 10 sizes less the one read already.
      assertThat(asking.groups).hasSize(1 + 10);
      assertThat(asking.groups).filteredOn(g -> g.contains("block")).singleElement()
          .isEqualTo(java.util.Collections.nCopies(10, "block"));
      assertThat(asking.groups).filteredOn(g -> g.contains("size")).hasSize(10)
          .allSatisfy(g -> assertThat(g).isEqualTo(java.util.Collections.nCopies(9, "size")));
    }
  }

  @Test
  void secondEngine_bodyGetAllOfUnseenKeys_looksThemUpInOneStoreCall() {
    MemStore store = new MemStore();
    PersistenceTest.Program first = new PersistenceTest.Program(30);
    try (Scheduler s = Scheduler.parallel(2)) {
      try (QueryEngine e = first.engine(s, store)) {
        e.get(first.total);
      }
      Asking asking = new Asking(store);
      PersistenceTest.Program second = new PersistenceTest.Program(30);
      try (QueryEngine e = second.engine(s, asking)) {
        // block(1) read from outside its trace's order: a root getAll of its sizes first.
        List<Integer> sizes = e.getAll(second.size, java.util.stream.IntStream.range(10, 20).boxed().toList());
        assertThat(sizes).hasSize(10);
        assertThat(e.stats().executions()).isZero();
      }
      assertThat(asking.groups).containsExactly(java.util.Collections.nCopies(10, "size"));
      assertThat(asking.single).hasValue(0);
    }
  }
}
