package dev.weft.store;

import static dev.weft.store.TestTraces.check;
import static dev.weft.store.TestTraces.id;
import static dev.weft.store.TestTraces.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged, foreign and unwritable store directories, each fault produced for real on the files: a store
 * opens without an exception, returns only traces that were written completely, values that match their
 * fingerprints, and counts what it skipped.
 */
@Timeout(60)
class LocalStoreFaultTest {
  static final int MEMOS = 20;

  @TempDir
  Path dir;

  /** Three checkpoints; after checkpoint c every memo's newest trace is version c. */
  void threeCheckpoints() {
    try (LocalStore store = LocalStore.open(dir)) {
      for (int c = 1; c <= 3; c++) {
        int v = c;
        store.write(IntStream.range(0, MEMOS).mapToObj(m -> trace(m, v)).toList(), List.of());
      }
    }
  }

  /**
   * Opens the store and checks that it holds the state after one whole checkpoint (or nothing): every trace
   * read back is exactly one that was written, and every memo's newest trace has the same version.
   *
   * @return that checkpoint, 0 for an empty store
   */
  int openAndCheckConsistent(LocalStore store) {
    Set<Integer> newest = new HashSet<>();
    for (int m = 0; m < MEMOS; m++) {
      List<Trace> ts = store.traces(id(m));
      for (Trace t : ts) {
        byte[] v = t.loadValue();
        if (v != null) { // a damaged value is refused, never wrong
          assertThat(check(t)[0]).isEqualTo(m);
        }
      }
      newest.add(ts.isEmpty() ? 0 : TestTraces.decode(ts.get(0).loadValue())[1]);
    }
    assertThat(newest).as("newest versions").hasSize(1);
    return newest.iterator().next();
  }

  @Test
  void tracesFileTruncated_atManyPoints_opensAtAWholeCheckpoint() throws IOException {
    threeCheckpoints();
    Path traces = StoreFormat.traces(dir, 1);
    byte[] full = Files.readAllBytes(traces);
    Set<Integer> seen = new HashSet<>();
    for (int cut = 0; cut <= full.length; cut += Math.max(1, full.length / 150)) {
      Files.write(traces, java.util.Arrays.copyOf(full, cut));
      try (LocalStore store = LocalStore.builder(dir).readOnly(true).open()) {
        seen.add(openAndCheckConsistent(store));
      }
    }
    Files.write(traces, full);
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(openAndCheckConsistent(store)).isEqualTo(3);
    }
    assertThat(seen).contains(0, 1, 2);
  }

  @Test
  void tracesFileTruncated_writerContinuesFromTheLastWholeCheckpoint() throws IOException {
    threeCheckpoints();
    Path traces = StoreFormat.traces(dir, 1);
    try (FileChannel ch = FileChannel.open(traces, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 10);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(openAndCheckConsistent(store)).isEqualTo(2);
      assertThat(store.stats().errors()).isEqualTo(1);
      store.write(IntStream.range(0, MEMOS).mapToObj(m -> trace(m, 7)).toList(), List.of());
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(openAndCheckConsistent(store)).isEqualTo(7);
      assertThat(store.stats().errors()).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5})
  void tracesFile_flippedBytes_neverAWrongTrace(int seed) throws IOException {
    threeCheckpoints();
    Path traces = StoreFormat.traces(dir, 1);
    byte[] full = Files.readAllBytes(traces);
    Random r = new Random(seed);
    for (int i = 0; i < 40; i++) {
      byte[] damaged = full.clone();
      for (int k = 0; k <= r.nextInt(3); k++) {
        damaged[r.nextInt(damaged.length)] ^= (byte) (1 << r.nextInt(8));
      }
      Files.write(traces, damaged);
      try (LocalStore store = LocalStore.builder(dir).readOnly(true).open()) {
        openAndCheckConsistent(store);
      }
    }
  }

  @Test
  void valuesFile_flippedBytes_loadRefusesDamagedValues() throws IOException {
    threeCheckpoints();
    Path values = StoreFormat.values(dir, 1);
    byte[] full = Files.readAllBytes(values);
    Random r = new Random(11);
    for (int k = 0; k < 30; k++) {
      full[StoreFormat.HEADER + r.nextInt(full.length - StoreFormat.HEADER)] ^= 0x10;
    }
    Files.write(values, full);
    try (LocalStore store = LocalStore.open(dir)) {
      int refused = 0;
      for (int m = 0; m < MEMOS; m++) {
        for (Trace t : store.traces(id(m))) {
          if (t.loadValue() == null) {
            refused++;
          } else {
            check(t);
          }
        }
      }
      assertThat(refused).isPositive();
      assertThat(store.stats().errors()).isEqualTo(refused);
    }
  }

  @Test
  void valuesFile_damagedValue_aNewTraceWithThatValueGetsAGoodCopy() throws IOException {
    Trace a = trace(1, 1);
    byte[] v = a.loadValue();
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(List.of(a), List.of());
    }
    byte[] values = Files.readAllBytes(StoreFormat.values(dir, 1));
    values[StoreFormat.HEADER + v.length / 2] ^= 1;
    Files.write(StoreFormat.values(dir, 1), values);
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(1)).get(0).loadValue()).isNull();
      store.write(List.of(new Trace(id(2), a.value(), a.steps(), v::clone)), List.of());
      assertThat(store.traces(id(2)).get(0).loadValue()).isEqualTo(v);
    }
  }

  @Test
  void valuesFile_cutShort_tracesWithoutValuesDroppedThenRewritten() throws IOException {
    threeCheckpoints();
    Path values = StoreFormat.values(dir, 1);
    try (FileChannel ch = FileChannel.open(values, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() / 2);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      int kept = 0;
      for (int m = 0; m < MEMOS; m++) {
        for (Trace t : store.traces(id(m))) {
          check(t);
          kept++;
        }
      }
      assertThat(kept).isPositive().isLessThan(3 * MEMOS);
      store.write(List.of(trace(100, 1)), List.of());
      assertThat(store.state.gen.number).isEqualTo(2);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      check(store.traces(id(100)).get(0));
      assertThat(store.stats().errors()).isZero();
      assertThat(Files.exists(values)).isFalse();
    }
  }

  @Test
  void valuesFile_cutShortWhileMapped_loadReturnsNull() throws IOException {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(IntStream.range(0, MEMOS).mapToObj(m -> trace(m, 1)).toList(), List.of());
      List<Trace> ts = IntStream.range(0, MEMOS).mapToObj(m -> store.traces(id(m)).get(0)).toList();
      try (FileChannel ch = FileChannel.open(StoreFormat.values(dir, 1), StandardOpenOption.WRITE)) {
        ch.truncate(StoreFormat.HEADER);
      }
      for (Trace t : ts) {
        assertThat(t.loadValue()).isNull();
      }
      assertThat(store.stats().errors()).isEqualTo(MEMOS);
    }
  }

  @Test
  void garbageFileWithAStoreName_ignoredThenRemoved() throws IOException {
    threeCheckpoints();
    byte[] junk = new byte[5000];
    new Random(3).nextBytes(junk);
    Files.write(dir.resolve("weft-7.traces"), junk);
    Files.write(dir.resolve("weft-7.values"), junk);
    Files.writeString(dir.resolve("notes.txt"), "mine");
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(openAndCheckConsistent(store)).isEqualTo(3);
      assertThat(store.warnings.given(Warnings.Kind.FOREIGN)).isTrue();
      store.write(List.of(trace(1, 9)), List.of());
    }
    assertThat(dir.resolve("weft-7.traces")).doesNotExist();
    assertThat(dir.resolve("weft-7.values")).doesNotExist();
    assertThat(dir.resolve("notes.txt")).hasContent("mine");
  }

  @Test
  void storeOfAnotherFormatVersion_ignoredWithAWarning() throws IOException {
    threeCheckpoints();
    // The same files, claiming version 2 and a newer generation.
    for (String kind : new String[] {"traces", "values"}) {
      byte[] b = Files.readAllBytes(dir.resolve("weft-1." + kind));
      ByteBuffer.wrap(b).putInt(8, 2).putLong(16, 5);
      ByteBuffer.wrap(b).putInt(24, StoreFormat.crc(b, 0, 24));
      Files.write(dir.resolve("weft-5." + kind), b);
    }
    Files.delete(dir.resolve("weft-1.traces"));
    Files.delete(dir.resolve("weft-1.values"));
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(1))).isEmpty();
      assertThat(store.warnings.given(Warnings.Kind.VERSION)).isTrue();
      store.write(List.of(trace(1, 9)), List.of());
      assertThat(store.state.gen.number).isEqualTo(6);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("weft.lock", "weft-6.traces", "weft-6.values");
    }
  }

  @Test
  void emptyAndHeaderOnlyFiles_ignored() throws IOException {
    Files.write(dir.resolve("weft-1.traces"), new byte[0]);
    Files.write(dir.resolve("weft-1.values"), new byte[0]);
    Files.write(dir.resolve("weft-2.traces"), StoreFormat.header(StoreFormat.KIND_TRACES, 2).array());
    Files.write(dir.resolve("weft-2.values"), StoreFormat.header(StoreFormat.KIND_VALUES, 2).array());
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.traces(id(1))).isEmpty();
      store.write(List.of(trace(1, 1)), List.of());
    }
    try (LocalStore store = LocalStore.open(dir)) {
      check(store.traces(id(1)).get(0));
      assertThat(store.stats().errors()).isZero();
    }
  }

  @Test
  void fileWhereTheDirectoryShouldBe_lookupsEmptyAndWriteThrows() throws IOException {
    Path file = dir.resolve("store");
    Files.writeString(file, "not a directory");
    try (LocalStore store = LocalStore.open(file)) {
      assertThat(store.isReadOnly()).isFalse();
      assertThat(store.traces(id(1))).isEmpty();
      assertThatThrownBy(() -> store.write(List.of(trace(1, 1)), List.of()))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("cannot write a checkpoint")
          .hasMessageContaining(file.toString());
    }
    assertThat(file).hasContent("not a directory");
  }

  @Test
  void directoryWhereTheCompactedFileShouldBe_compactionFailsAndStoreGoesOn() throws IOException {
    try (LocalStore store = LocalStore.builder(dir).retention(1).compactionSlack(0).open()) {
      store.write(IntStream.range(0, MEMOS).mapToObj(m -> trace(m, 1)).toList(), List.of());
      // Made after open, where the compaction will put generation 2's values.
      Files.createDirectories(dir.resolve("weft-2.values").resolve("blocker"));
      for (int v = 2; v <= 5; v++) {
        int version = v;
        store.write(IntStream.range(0, MEMOS).mapToObj(m -> trace(m, version)).toList(), List.of());
      }
      assertThat(store.warnings.given(Warnings.Kind.COMPACTION_FAILED)).isTrue();
      assertThat(openAndCheckConsistent(store)).isEqualTo(5);
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(openAndCheckConsistent(store)).isEqualTo(5);
    }
  }

  @Test
  void directoryWhereTheFirstFilesShouldBe_writeThrowsAndLaterWriteSucceeds() throws IOException {
    Files.writeString(dir.resolve("weft-1.values"), "stray"); // a stray file naming generation 1
    Path blocker = dir.resolve("weft-2.values"); // where the first checkpoint's values go
    try (LocalStore store = LocalStore.open(dir)) {
      Files.createDirectories(blocker.resolve("x")); // made after open
      assertThatThrownBy(() -> store.write(List.of(trace(1, 1)), List.of()))
          .isInstanceOf(UncheckedIOException.class).hasMessageContaining(dir.toString());
      assertThat(store.stats().errors()).isPositive();
      assertThat(store.traces(id(1))).isEmpty();
      Files.delete(blocker.resolve("x"));
      Files.delete(blocker);
      store.write(List.of(trace(1, 1)), List.of());
      check(store.traces(id(1)).get(0));
    }
    assertThat(dir.resolve("weft-1.values")).doesNotExist();
  }
}
