package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The scheduler configurations every scenario runs under: {@code parallel(2)} repeated, and
 * {@code deterministic(seed)} for seed 0 (FIFO) and fixed pseudo-random seeds.
 */
final class Modes {
  static final int PARALLEL_REPEATS = 20;
  static final int SEEDS = 30;

  private Modes() {}

  record Mode(String label, boolean parallel, long seed) {
    Scheduler scheduler() {
      return parallel ? Scheduler.parallel(2) : Scheduler.deterministic(seed);
    }

    QueryEngine engine(Scheduler s) {
      return QueryEngine.builder().scheduler(s).name("test-" + label).build();
    }

    @Override
    public String toString() {
      return label;
    }
  }

  static List<Mode> all() {
    List<Mode> modes = new ArrayList<>();
    for (int i = 0; i < PARALLEL_REPEATS; i++) {
      modes.add(new Mode("parallel(2)#" + i, true, 0));
    }
    modes.add(new Mode("deterministic(0)", false, 0));
    SplittableRandom random = new SplittableRandom(0x5eed);
    for (int i = 0; i < SEEDS; i++) {
      long seed = random.nextLong();
      modes.add(new Mode("deterministic(" + seed + ")", false, seed));
    }
    return modes;
  }

  /** Fewer configurations, for the heavier scenarios. */
  static List<Mode> some() {
    List<Mode> modes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      modes.add(new Mode("parallel(2)#" + i, true, 0));
    }
    modes.add(new Mode("deterministic(0)", false, 0));
    SplittableRandom random = new SplittableRandom(0xfeed);
    for (int i = 0; i < 8; i++) {
      long seed = random.nextLong();
      modes.add(new Mode("deterministic(" + seed + ")", false, seed));
    }
    return modes;
  }
}
