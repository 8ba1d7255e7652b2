package dev.weft.store;

import static dev.weft.store.TestTraces.check;
import static dev.weft.store.TestTraces.id;
import static dev.weft.store.TestTraces.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a child JVM that checkpoints in a loop ({@link StoreChild} {@code crash}), at random
 * instants, {@value #DEFAULT_KILLS} times ({@code -Dweft.store.kills=N}; the soak profile runs 500). After each
 * kill the parent opens the store and checks that
 * <ul>
 *   <li>opening and every lookup throw nothing;</li>
 *   <li>every trace read back is exactly one the child wrote ({@link TestTraces#check}: steps, value, and the
 *       value's fingerprint);</li>
 *   <li>the memos' newest versions are the state after the last checkpoint the child reported done, or after
 *       the one it was writing: never a mixture, never an older state.</li>
 * </ul>
 * The child runs with small retention and compaction slack ({@link CrashModel}), so kills also land while
 * traces are dropped and files rewritten.
 */
@Timeout(600)
class LocalStoreCrashTest {
  static final int DEFAULT_KILLS = 50;

  @TempDir
  Path dir;

  @Test
  void killDuringCheckpoints_reopenYieldsThePreviousOrTheNewState() throws IOException {
    int kills = Integer.getInteger("weft.store.kills", DEFAULT_KILLS);
    Random random = new Random(Long.getLong("weft.store.seed", 17L));
    int[] model = new int[CrashModel.MEMOS];
    try (LocalStore store = CrashModel.open(dir)) {
      store.write(IntStream.range(0, CrashModel.MEMOS).mapToObj(m -> trace(m, 0)).toList(), List.of());
    }
    int advanced = 0;
    int checkpoints = 0;
    int tornTraces = 0;
    int tornValues = 0;
    long generations = 1;
    long interval = 20_000_000; // nanoseconds between checkpoints, measured as the child runs
    for (int run = 1; run <= kills; run++) {
      int done = 0;
      try (ChildJvm child = ChildJvm.start(StoreChild.class, "crash", dir.toString(), Integer.toString(run))) {
        child.await("READY");
        long last = System.nanoTime();
        for (int k = random.nextInt(4); k > 0; k--) {
          done = Integer.parseInt(child.await("C ").substring(2));
          long now = System.nanoTime();
          if (done > 1) {
            interval = (3 * interval + (now - last)) / 4;
          }
          last = now;
        }
        // A random instant of the next checkpoint (or, now and then, the one after).
        long until = System.nanoTime() + (long) (random.nextDouble() * 1.2 * interval);
        while (System.nanoTime() < until) {
          Thread.onSpinWait();
        }
        // SIGKILL. Through the handle: Process.destroyForcibly would also close the pipes, losing the
        // lines the child printed before it died.
        child.process.toHandle().destroyForcibly();
        child.waitFor();
        for (String line; (line = child.readLine()) != null; ) {
          if (line.startsWith("C ")) {
            done = Integer.parseInt(line.substring(2));
          }
        }
        assertThat(child.stderr()).as("child stderr").doesNotContain("Exception");
      }
      try (LocalStore store = LocalStore.builder(dir).readOnly(true).open()) {
        LocalStore.WriterState st = store.state;
        generations = Math.max(generations, st.gen.number);
        tornTraces += Files.size(st.gen.tracesPath) > st.tracesEnd ? 1 : 0;
        tornValues += Files.size(st.gen.valuesPath) > st.valuesEnd ? 1 : 0;
      }
      int[] before = model;
      for (int c = 1; c <= done; c++) {
        before = CrashModel.after(before, run, c);
      }
      int[] after = CrashModel.after(before, run, done + 1);
      int[] observed = observe();
      if (Arrays.equals(observed, after) && !Arrays.equals(before, after)) {
        advanced++;
        model = after;
      } else {
        assertThat(observed).as("state after run %d, %d checkpoints reported", run, done).isEqualTo(before);
        model = before;
      }
      checkpoints += done;
    }
    System.out.printf("kill -9 loop: %d kills, %d checkpoints reported done, %d kills after an unreported"
        + " commit, %d with an unfinished checkpoint in the traces file and %d in the values file,"
        + " generation reached %d, %.1f ms per checkpoint%n", kills, checkpoints, advanced, tornTraces,
        tornValues, generations, interval / 1e6);
    assertThat(generations).as("compactions happened").isGreaterThan(1);
  }

  /** Opens the store as the next process would, checks every trace, and returns the newest versions. */
  private int[] observe() {
    int[] versions = new int[CrashModel.MEMOS];
    try (LocalStore store = CrashModel.open(dir)) {
      for (int m = 0; m < CrashModel.MEMOS; m++) {
        List<Trace> ts = store.traces(id(m));
        assertThat(ts).as("traces of memo %d", m).isNotEmpty();
        for (Trace t : ts) {
          assertThat(check(t)[0]).isEqualTo(m);
        }
        versions[m] = TestTraces.decode(ts.get(0).loadValue())[1];
      }
    }
    return versions;
  }
}
