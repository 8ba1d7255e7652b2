package dev.weft.junit;

import java.util.SplittableRandom;

/**
 * Which schedule a {@link WeftTest} invocation runs; inject it as a test method parameter.
 *
 * @param index 1-based position of this invocation among the test's invocations
 * @param seed the deterministic scheduler's seed; for a parallel invocation, a seed for test data only
 *     (the interleaving itself is not reproducible)
 * @param deterministic whether the scheduler is {@code Scheduler.deterministic(seed)}
 * @param carriers carrier threads of the scheduler (1 when deterministic)
 */
public record WeftRun(int index, long seed, boolean deterministic, int carriers) {

  /** A random source seeded from {@link #seed}, for generating test data that replays with the schedule. */
  public SplittableRandom random() {
    return new SplittableRandom(seed);
  }

  /** How to re-run exactly this invocation, or why that is not possible. */
  public String replayHint() {
    return deterministic
        ? "-Dweft.seed=" + seed + "  or  @WeftTest(replay = " + seed + ")"
        : "not replayable: parallel(" + carriers + ") interleavings depend on timing (data seed " + seed + ")";
  }

  @Override
  public String toString() {
    return deterministic ? "seed " + seed : "parallel(" + carriers + ") data seed " + seed;
  }
}
