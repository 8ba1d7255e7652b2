package dev.weft.bench;

import dev.weft.scheduler.Scheduler;

/**
 * The Weft side of the workloads that need the query engine or the flow module. Kept in one place so the
 * baselines compile and run whatever state those modules are in.
 */
final class WeftSide {
  private WeftSide() {}

  private static Alternative.NotImplemented missing(String what) {
    return new Alternative.NotImplemented(what);
  }

  static MemoKind.Lookup memoHit(Long[] keys) {
    throw missing("query engine");
  }

  static ColdMemo.Solver cold(Shape shape) {
    throw missing("query engine");
  }

  static WaitKind.Waiting waiting(Scheduler scheduler) {
    scheduler.close();
    throw missing("query engine");
  }

  static DagKind.Dag dag(int carriers) {
    throw missing("query engine");
  }

  /** Re-verification of the incremental graph after one source change; amount = nanoseconds. */
  static Measured incremental() {
    throw missing("query engine");
  }

  /** The incremental graph computed from scratch by a fresh engine; amount = nanoseconds. */
  static Measured incrementalScratch() {
    throw missing("query engine");
  }

  /** Builds {@link Memory#ENTRIES} leaf memos (plus their groups) in an engine and returns the engine. */
  static Object memos(Long[] keys) throws Exception {
    throw missing("query engine");
  }

  static PipeKind.Pipes pipes(int carriers) {
    throw missing("flow pipelines");
  }

  static GraphKind.Chain graph(int carriers) {
    throw missing("flow static graphs");
  }
}
