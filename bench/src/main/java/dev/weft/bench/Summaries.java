package dev.weft.bench;

import java.util.List;
import java.util.function.Function;

/**
 * Tables that read across several workloads (per size, per edit kind), appended to the runner's report so
 * that they can be pasted into {@code docs/benchmarks.md} as they are. Each renders nothing when none of its
 * workloads ran.
 */
final class Summaries {
  private Summaries() {}

  /** What the summaries read: per workload and alternative, the medians of the run. */
  interface Results {
    boolean has(String workload);

    /** The median in the workload's unit, or null if not measured. */
    Double median(String workload, String alternative);

    /** Median heap bytes allocated per unit (all threads), or null. */
    Double alloc(String workload, String alternative);

    /** Median minor page faults per unit (the whole process), or null. */
    Double faults(String workload, String alternative);

    /** Median CPU time of all Java threads per unit, in the workload's unit, or null. */
    Double cpu(String workload, String alternative);
  }

  static List<Function<Results, String>> all() {
    return List.of(ToyWorkloads::summary, ColdScale::summary, FanOut::summary);
  }
}
