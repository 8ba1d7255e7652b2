package dev.weft.store;

import static dev.weft.store.TestTraces.check;
import static dev.weft.store.TestTraces.id;
import static dev.weft.store.TestTraces.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Two real processes on one store directory, and a disk that fills up under a writing process. */
@Timeout(120)
class LocalStoreProcessTest {
  @TempDir
  Path dir;

  @Test
  void secondProcess_getsReadOnlyUseOrAClearError() {
    try (ChildJvm child = ChildJvm.start(StoreChild.class, "hold", dir.toString())) {
      String[] ready = child.await("READY").split(" ");
      assertThat(ready[2]).as("child is the writer").isEqualTo("false");
      try (LocalStore store = LocalStore.open(dir)) {
        assertThat(store.isReadOnly()).isTrue();
        check(store.traces(id(3)).get(0));
        store.write(List.of(trace(50, 1)), List.of()); // dropped
        assertThat(store.traces(id(50))).isEmpty();
      }
      assertThatThrownBy(() -> LocalStore.builder(dir).failIfLocked(true).open())
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("in use by process " + ready[1]);
      child.send("exit");
      child.await("CLOSED");
      assertThat(child.waitFor()).isZero();
    }
    try (LocalStore store = LocalStore.open(dir)) {
      assertThat(store.isReadOnly()).isFalse();
      store.write(List.of(trace(50, 1)), List.of());
      check(store.traces(id(50)).get(0));
      check(store.traces(id(3)).get(0));
    }
  }

  @Test
  void diskFull_writeThrowsClearly_storeKeepsReadingAndWritesAgainOnceThereIsRoom() throws IOException {
    try (LocalStore store = LocalStore.open(dir)) {
      store.write(IntStream.range(0, 50).mapToObj(m -> trace(m, 1)).toList(), List.of());
    }
    long largest;
    try (Stream<Path> files = Files.list(dir)) {
      largest = files.mapToLong(p -> p.toFile().length()).max().orElseThrow();
    }
    // Room for 64 KiB more per file: the 300-memo checkpoint does not fit, one more trace does.
    long limitKib = largest / 1024 + 64;
    try (ChildJvm child = ChildJvm.startWithFileSizeLimit(limitKib, StoreChild.class, "diskfull", dir.toString())) {
      assertThat(child.await("OPEN")).isEqualTo("OPEN false");
      String failed = child.await("FAILED");
      assertThat(failed).contains("cannot write checkpoint 2 to the Weft store " + dir.toAbsolutePath())
          .contains("File too large");
      assertThat(child.await("READS")).isEqualTo("READS true");
      assertThat(child.await("SMALL")).isEqualTo("SMALL OK");
      assertThat(child.waitFor()).as(child.stderr()).isZero();
    }
    try (LocalStore store = LocalStore.open(dir)) {
      for (int m = 0; m < 50; m++) {
        assertThat(check(store.traces(id(m)).get(0))).containsExactly(m, 1);
      }
      check(store.traces(id(1000)).get(0));
      assertThat(store.traces(id(100))).isEmpty();
      assertThat(store.stats().errors()).isZero();
    }
  }
}
