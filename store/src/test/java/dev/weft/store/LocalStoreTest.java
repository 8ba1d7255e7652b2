package dev.weft.store;

import static dev.weft.store.TestTraces.check;
import static dev.weft.store.TestTraces.id;
import static dev.weft.store.TestTraces.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.Codecs;
import dev.weft.query.Diagnostic;
import dev.weft.query.Input;
import dev.weft.query.MemoStore;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.query.Unit;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LocalStoreTest {
  @TempDir
  Path dir;

  /**
   * Two engines computing the same memos on two carriers (their tables filled in whatever order the carriers
   * took) write checkpoints of the same bytes: enough memos that the checkpoint builds its traces in parallel.
   */
  @Test
  void checkpoint_equalEnginesOnTwoCarriers_writeIdenticalFiles() throws IOException {
    List<Path> dirs = List.of(dir.resolve("a"), dir.resolve("b"));
    for (Path d : dirs) {
      Input<Integer, String> text = Query.<Integer, String>builder("text").codec(Codecs.INT, Codecs.STRING)
          .buildInput();
      Query<Integer, List<String>> words = Query.<Integer, List<String>>builder("words")
          .codec(Codecs.INT, Codecs.list(Codecs.STRING)).build((ctx, f) -> {
            if (f % 10 == 0) {
              ctx.report(Diagnostic.warning("file " + f).withCode("tenth"));
            }
            return List.of(ctx.get(text, f).split(" "));
          });
      Query<Unit, Integer> total = Query.<Unit, Integer>builder("total").codec(Codecs.UNIT, Codecs.INT)
          .build((ctx, u) -> ctx.getAll(words, IntStream.range(0, 600).boxed().toList()).stream()
              .mapToInt(List::size).sum());
      try (Scheduler s = Scheduler.parallel(2); LocalStore store = LocalStore.open(d);
          QueryEngine e = QueryEngine.builder().scheduler(s).name("same").store(store)
              .queries(text, words, total).build()) {
        e.update(tx -> IntStream.range(0, 600).forEach(f -> tx.set(text, f, "w".repeat(f % 7 + 1) + " x" + f)));
        assertThat(e.get(total)).isEqualTo(1200);
      }
    }
    List<String> names;
    try (Stream<Path> files = Files.list(dirs.get(0))) {
      names = files.map(p -> p.getFileName().toString()).filter(n -> !n.equals("weft.lock")).sorted().toList();
    }
    assertThat(names).isNotEmpty();
    for (String n : names) {
      assertThat(Files.readAllBytes(dirs.get(1).resolve(n))).as(n).isEqualTo(Files.readAllBytes(dirs.get(0).resolve(n)));
    }
  }

  static List<Trace> traces(int from, int to, int version) {
    return IntStream.range(from, to).mapToObj(m -> trace(m, version)).toList();
  }

  @Test
  void classExample_opensAndClosesAStore() {
    Path where = dir.resolve("build").resolve("weft");
    try (MemoStore store = LocalStore.open(where)) {
      assertThat(store.traces(id(1))).isEmpty();
    }
    assertThat(where).isDirectory();
  }

  @Test
  void write_thenReopen_returnsEveryTraceWithItsValue() {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(traces(0, 200, 1), List.of());
    }
    try (LocalStore store = LocalStore.open(dir)) {
      for (int m = 0; m < 200; m++) {
        List<Trace> ts = store.traces(id(m));
        assertThat(ts).hasSize(1);
        assertThat(check(ts.get(0))).containsExactly(m, 1);
      }
      assertThat(store.traces(id(999))).isEmpty();
      MemoStore.Stats stats = store.stats();
      assertThat(stats.lookups()).isEqualTo(201);
      assertThat(stats.hits()).isEqualTo(200);
      assertThat(stats.misses()).isEqualTo(1);
      assertThat(stats.errors()).isZero();
      assertThat(stats.bytesRead()).isPositive();
    }
  }

  @Test
  void write_sameProcess_lookupsSeeTheCheckpoint() {
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(1))).isEmpty();
      store.write(traces(0, 10, 1), List.of());
      assertThat(check(store.traces(id(1)).get(0))).containsExactly(1, 1);
      assertThat(store.stats().writes()).isEqualTo(1);
      assertThat(store.stats().bytesWritten()).isPositive();
    }
  }

  @Test
  void traces_severalVersions_newestFirst() {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(List.of(trace(1, 1)), List.of());
      store.write(List.of(trace(1, 2)), List.of());
      assertThat(store.traces(id(1))).extracting(t -> check(t)[1]).containsExactly(2, 1);
      // Using version 1 again makes it the newest.
      store.write(List.of(), List.of(trace(1, 1)));
      assertThat(store.traces(id(1))).extracting(t -> check(t)[1]).containsExactly(1, 2);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(1))).extracting(t -> check(t)[1]).containsExactly(1, 2);
    }
  }

  @Test
  void write_traceAlreadyKept_isNotAppendedAgain() throws IOException {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(traces(0, 50, 1), List.of());
      long size = filesSize();
      store.write(traces(0, 50, 1), List.of());
      store.write(List.of(), traces(0, 50, 1));
      // Two commit records, no new traces or values.
      assertThat(filesSize() - size).isLessThan(200);
      assertThat(store.traces(id(3))).hasSize(1);
    }
  }

  @Test
  void write_equalValues_storedOnce() throws IOException {
    Trace a = trace(1, 1);
    byte[] v = a.loadValue();
    Trace b = new Trace(id(2), a.value(), a.steps(), v::clone);
    Trace c = new Trace(id(3), a.value(), trace(3, 1).steps(), v::clone);
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(List.of(a, b), List.of());
      long size = Files.size(StoreFormat.values(dir, 1));
      store.write(List.of(c), List.of(a, b));
      assertThat(Files.size(StoreFormat.values(dir, 1))).isEqualTo(size);
      assertThat(size).isEqualTo(StoreFormat.HEADER + v.length);
      assertThat(store.traces(id(3)).get(0).loadValue()).isEqualTo(v);
    }
  }

  @Test
  void retention_traceUnusedForNCheckpoints_dropped() {
    try (LocalStore store = LocalStore.builder(dir).retention(3).open()) {
      store.write(traces(0, 10, 1), List.of());
      for (int i = 0; i < 2; i++) {
        store.write(List.of(), traces(0, 5, 1)); // memos 5..9 unused
      }
      assertThat(store.traces(id(7))).hasSize(1);
      store.write(List.of(), traces(0, 5, 1)); // third checkpoint without 5..9
      assertThat(store.traces(id(7))).isEmpty();
      assertThat(store.traces(id(2))).hasSize(1);
    }
    try (LocalStore store = LocalStore.builder(dir).retention(3).open()) {
      assertThat(store.traces(id(7))).isEmpty();
      assertThat(store.traces(id(2))).hasSize(1);
    }
  }

  @Test
  void tracesPerMemo_keepsTheNewest() {
    try (LocalStore store = LocalStore.builder(dir).tracesPerMemo(2).open()) {
      for (int v = 1; v <= 4; v++) {
        store.write(List.of(trace(1, v)), List.of());
      }
      assertThat(store.traces(id(1))).extracting(t -> check(t)[1]).containsExactly(4, 3);
    }
    try (LocalStore store = LocalStore.builder(dir).tracesPerMemo(2).open()) {
      assertThat(store.traces(id(1))).extracting(t -> check(t)[1]).containsExactly(4, 3);
    }
  }

  @Test
  void compaction_manyEdits_newGenerationHoldsOnlyLiveData() throws IOException {
    try (LocalStore store = LocalStore.builder(dir).retention(2).compactionSlack(0).open()) {
      for (int v = 1; v <= 12; v++) {
        store.write(traces(0, 40, v), List.of());
      }
      long gen = store.state.gen.number;
      assertThat(gen).isGreaterThan(1);
      try (Stream<Path> files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder("weft.lock", "weft-" + gen + ".traces", "weft-" + gen + ".values");
      }
      assertThat(filesSize()).isLessThanOrEqualTo(2 * Checkpoint.liveBytes(store) + 1);
      assertThat(store.traces(id(5))).extracting(t -> check(t)[1]).containsExactly(12, 11);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(5))).extracting(t -> check(t)[1]).containsExactly(12, 11);
      assertThat(store.stats().errors()).isZero();
    }
  }

  @Test
  void write_traceWithMissingOrWrongValue_skippedAndCounted() {
    Trace good = trace(1, 1);
    Trace missing = new Trace(id(2), trace(2, 1).value(), trace(2, 1).steps(), () -> null);
    Trace wrong = new Trace(id(3), trace(3, 1).value(), trace(3, 1).steps(), () -> new byte[] {1, 2, 3});
    Trace throwing = new Trace(id(4), trace(4, 1).value(), trace(4, 1).steps(), () -> {
      throw new IllegalStateException("remote down");
    });
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(List.of(good, missing, wrong, throwing), List.of());
      assertThat(store.traces(id(1))).hasSize(1);
      assertThat(store.traces(id(2))).isEmpty();
      assertThat(store.traces(id(3))).isEmpty();
      assertThat(store.traces(id(4))).isEmpty();
      assertThat(store.stats().errors()).isEqualTo(3);
    }
  }

  @Test
  void write_sameTraceTwiceInOneBatch_appendedOnce() throws IOException {
    Trace t = trace(1, 1);
    Path once = dir.resolve("once");
    Path twice = dir.resolve("twice");
    try (LocalStore a = LocalStore.open(once); LocalStore b = LocalStore.open(twice)) {
      a.write(List.of(t), List.of());
      b.write(List.of(t, trace(1, 1)), List.of(t));
      assertThat(filesSize(twice)).isEqualTo(filesSize(once));
      assertThat(b.traces(id(1))).hasSize(1);
    }
  }

  /**
   * A trace that cannot be encoded (a name whose modified UTF-8 exceeds 65,535 bytes) fails after part of its
   * record was built: the record is taken back, and the traces before and after it are written whole.
   */
  @Test
  void write_traceThatCannotBeEncoded_skippedAndTheOthersWhole() {
    Trace before = trace(1, 1);
    Trace after = trace(3, 1);
    Trace bad = new Trace(new MemoId(TestTraces.NAMESPACE, "é".repeat(40_000), "", TestTraces.key(2)),
        trace(2, 1).value(), trace(2, 1).steps(), trace(2, 1)::loadValue);
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(List.of(before, bad, after), List.of());
      assertThat(store.stats().errors()).isEqualTo(1);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.stats().errors()).isZero();
      assertThat(store.traces(id(1))).singleElement().satisfies(t -> {
        assertThat(t.steps()).isEqualTo(before.steps());
        assertThat(t.loadValue()).isEqualTo(before.loadValue());
      });
      assertThat(store.traces(id(3))).singleElement().satisfies(t -> {
        assertThat(t.steps()).isEqualTo(after.steps());
        assertThat(t.loadValue()).isEqualTo(after.loadValue());
      });
    }
  }

  @Test
  void close_twice_isHarmless_andWriteAfterCloseThrows() {
    LocalStore store = LocalStore.open(dir);
    store.write(traces(0, 3, 1), List.of());
    store.close();
    store.close();
    assertThat(store.traces(id(1))).isEmpty();
    assertThatThrownBy(() -> store.write(List.of(), List.of())).isInstanceOf(IllegalStateException.class);
    try (LocalStore again = LocalStore.open(dir)) {
      assertThat(again.isReadOnly()).isFalse();
      assertThat(again.traces(id(1))).hasSize(1);
    }
  }

  @Test
  void open_sameDirectoryTwiceInOneProcess_secondIsReadOnly() {
    try (LocalStore first = LocalStore.open(dir)) {
      first.write(traces(0, 5, 1), List.of());
      try (LocalStore second = LocalStore.open(dir)) {
        assertThat(second.isReadOnly()).isTrue();
        assertThat(check(second.traces(id(2)).get(0))).containsExactly(2, 1);
        second.write(traces(5, 10, 1), List.of()); // dropped
        assertThat(second.traces(id(7))).isEmpty();
        assertThatThrownBy(() -> LocalStore.builder(dir).failIfLocked(true).open())
            .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("this process");
      }
      // Closing the second store left the first one's lock in place.
      first.write(traces(5, 10, 1), List.of());
      try (LocalStore third = LocalStore.open(dir)) {
        assertThat(third.isReadOnly()).isTrue();
      }
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.isReadOnly()).isFalse();
      assertThat(store.traces(id(7))).hasSize(1);
    }
  }

  @Test
  void readOnly_option_dropsWritesAndTakesNoLock() {
    try (LocalStore w = LocalStore.open(dir)) {
      w.write(traces(0, 5, 1), List.of());
      try (LocalStore r = LocalStore.builder(dir).readOnly(true).open()) {
        assertThat(r.isReadOnly()).isTrue();
        assertThat(r.traces(id(1))).hasSize(1);
        r.write(traces(5, 6, 1), List.of());
        assertThat(r.stats().writes()).isZero();
      }
    }
  }

  @Test
  void lookups_manyVirtualThreadsDuringCheckpoints_neverFailOrSeeHalfAState() throws Exception {
    int memos = 300;
    try (LocalStore store = LocalStore.builder(dir).compactionSlack(0).retention(2).open()) {
      store.write(traces(0, memos, 1), List.of());
      AtomicBoolean done = new AtomicBoolean();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      CountDownLatch started = new CountDownLatch(1);
      List<Future<?>> readers = new ArrayList<>();
      try (ExecutorService vts = Executors.newVirtualThreadPerTaskExecutor()) {
        try {
          for (int r = 0; r < 6; r++) {
            int seed = r;
            readers.add(vts.submit(() -> {
              started.countDown();
              int m = seed;
              while (!done.get()) {
                try {
                  for (Trace t : store.traces(id(m))) {
                    check(t);
                  }
                } catch (Throwable e) {
                  failures.add(e);
                  return;
                }
                m = (m + 7) % memos;
                Thread.yield(); // CPU-bound readers must let the others onto the carriers
              }
            }));
          }
          started.await();
          for (int v = 2; v <= 20; v++) {
            store.write(traces(0, memos / 2, v), traces(memos / 2, memos, 1));
          }
        } finally {
          done.set(true);
        }
        for (Future<?> f : readers) {
          f.get();
        }
      }
      assertThat(failures).isEmpty();
      assertThat(store.stats().errors()).isZero();
      assertThat(store.state.gen.number).isGreaterThan(1);
    }
  }

  @Test
  void fingerprintOfLoadedValue_matchesTrace() {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(traces(0, 20, 1), List.of());
      for (int m = 0; m < 20; m++) {
        Trace t = store.traces(id(m)).get(0);
        assertThat(Fingerprint.of(t.loadValue())).isEqualTo(t.value());
      }
    }
  }

  long filesSize() throws IOException {
    return filesSize(dir);
  }

  static long filesSize(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> !p.getFileName().toString().equals(StoreFormat.LOCK_FILE)).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).sum();
    }
  }
}
