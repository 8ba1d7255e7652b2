package dev.weft.store;

import java.nio.file.Path;
import java.util.Random;

/**
 * What the crash test's child checkpoints: {@value #MEMOS} memos; checkpoint {@code c} of run {@code r}
 * gives a new version to a few of them ({@link #changed}) and uses the others' current traces. Small
 * retention and slack make the store drop traces and compact often, so kills land in compactions too.
 */
final class CrashModel {
  static final int MEMOS = 300;

  private CrashModel() {}

  static LocalStore open(Path dir) {
    return LocalStore.builder(dir).retention(3).tracesPerMemo(2).compactionSlack(64 << 10).open();
  }

  static int version(int run, int checkpoint) {
    return run * 100_000 + checkpoint;
  }

  /**
   * The memos whose value changes in checkpoint {@code c} of run {@code run}: 1 to 60 of them, so that a
   * checkpoint's records take one or two write calls and its values up to a few (a kill can fall between).
   */
  static boolean[] changed(int run, int c) {
    Random r = new Random(run * 1_000_003L + c);
    boolean[] changed = new boolean[MEMOS];
    for (int i = 1 + r.nextInt(60); i > 0; i--) {
      changed[r.nextInt(MEMOS)] = true;
    }
    return changed;
  }

  /** Applies checkpoint {@code c} of {@code run} to {@code versions}. */
  static int[] after(int[] versions, int run, int c) {
    int[] next = versions.clone();
    boolean[] changed = changed(run, c);
    for (int m = 0; m < MEMOS; m++) {
      if (changed[m]) {
        next[m] = version(run, c);
      }
    }
    return next;
  }
}
