package dev.weft.store;

import static dev.weft.store.TestTraces.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The size bound: 1,000 checkpoints with edits do not make the store grow without bound. Each checkpoint
 * gives 1% of the memos a new version and leaves 2% unread (they age toward the retention); the files never
 * exceed twice the live data plus the compaction slack and one checkpoint.
 *
 * <p>{@code -Dweft.store.growthMemos=15000} runs it at the demo's scale (docs/adr/0037 has the figures).
 */
@Timeout(300)
class LocalStoreGrowthTest {
  @TempDir
  Path dir;

  @Test
  void thousandCheckpointsWithEdits_filesStayWithinTwiceTheLiveData() throws IOException {
    int memos = Integer.getInteger("weft.store.growthMemos", 1000);
    int checkpoints = 1000;
    long slack = 4L << 20;
    Random r = new Random(5);
    Trace[] current = new Trace[memos];
    for (int m = 0; m < memos; m++) {
      current[m] = trace(m, 0);
    }
    long first;
    long max = 0;
    long maxLive = 0;
    long largestBatch = 0;
    long start = System.nanoTime();
    try (LocalStore store = LocalStore.builder(dir).durable(false).open()) {
      store.write(List.of(current), List.of());
      first = filesSize();
      for (int c = 1; c <= checkpoints; c++) {
        List<Trace> added = new ArrayList<>();
        List<Trace> used = new ArrayList<>();
        for (int m = 0; m < memos; m++) {
          int dice = r.nextInt(100);
          if (dice == 0) {
            current[m] = trace(m, c);
            added.add(current[m]);
          } else if (dice > 2) {
            used.add(current[m]);
          }
        }
        long before = filesSize();
        store.write(added, used);
        long size = filesSize();
        long live = Checkpoint.liveBytes(store);
        largestBatch = Math.max(largestBatch, size - before);
        max = Math.max(max, size);
        maxLive = Math.max(maxLive, live);
        assertThat(size).as("files after checkpoint %d", c).isLessThanOrEqualTo(2 * live + slack + largestBatch);
      }
      long end = filesSize();
      System.out.printf("growth: %d memos, %d checkpoints in %.1f s; files %.2f MB after the first, at most %.2f MB,"
          + " %.2f MB at the end; live data at most %.2f MB; generation %d%n", memos, checkpoints,
          (System.nanoTime() - start) / 1e9, first / 1e6, max / 1e6, end / 1e6, maxLive / 1e6,
          store.state.gen.number);
      assertThat(store.state.gen.number).as("compactions").isGreaterThan(1);
    }
  }

  long filesSize() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
