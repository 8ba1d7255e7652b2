package dev.weft.bench;

import java.util.ArrayList;
import java.util.List;

/** Workloads of the flow module: pipelines and static graphs. */
final class FlowWorkloads {
  private FlowWorkloads() {}

  static List<Workload> workloads() {
    List<Workload> list = new ArrayList<>();
    Workload.Builder trivial = Workload.builder("pipeline-trivial",
            PipeKind.TRIVIAL_ITEMS + " items through " + PipeKind.STAGES + " stages x + 1 into a summing sink")
        .unit("ns/item/stage", (double) PipeKind.TRIVIAL_ITEMS * PipeKind.STAGES);
    Workload.Builder replicated = Workload.builder("pipeline-replicated",
            PipeKind.HEAVY_ITEMS + " items through one CPU-bound stage (~20 µs) with " + PipeKind.WORKERS
                + " workers")
        .unit("µs/item", PipeKind.HEAVY_ITEMS).micros();
    for (PipeKind kind : PipeKind.values()) {
      boolean weft = kind.name().startsWith("WEFT");
      trivial.add(new Alternative(kind.label, weft, () -> pipes(kind, true)));
      replicated.add(new Alternative(kind.label, weft, () -> pipes(kind, false)));
    }
    trivial.target("pipeline of 4 trivial stages ≤ 100 ns per item per stage",
        Workload.Verdict.atMost(PipeKind.WEFT_PARALLEL_2.label, 100, "ns"));
    trivial.target("ahead of Jox channels on the same harness",
        Workload.Verdict.ratioAtLeast(PipeKind.JOX.label, PipeKind.WEFT_PARALLEL_2.label, 1));
    trivial.target("ahead of ArrayBlockingQueue + platform threads",
        Workload.Verdict.ratioAtLeast(PipeKind.BLOCKING_QUEUE.label, PipeKind.WEFT_PARALLEL_2.label, 1));
    list.add(trivial.build());
    list.add(replicated.build());

    Workload.Builder change = Workload.builder("graph-stabilize",
            "static graph: source → chain of " + GraphKind.NODES + " nodes; change the source and stabilize")
        .unit("ns/node", GraphKind.NODES);
    Workload.Builder empty = Workload.builder("graph-empty-stabilize",
            "static graph of " + GraphKind.NODES + " nodes: stabilize with nothing changed")
        .unit("ns/stabilize", 1);
    for (GraphKind kind : GraphKind.values()) {
      boolean weft = kind != GraphKind.ARRAY;
      change.add(new Alternative(kind.label, weft, () -> {
        GraphKind.Chain chain = kind.open();
        return new Measured() {
          private int value;

          @Override
          public long run(long iterations) throws Exception {
            long t0 = System.nanoTime();
            for (long i = 0; i < iterations; i++) {
              int v = ++value;
              if (chain.change(v) != v + GraphKind.NODES) {
                throw new IllegalStateException("wrong value");
              }
            }
            return System.nanoTime() - t0;
          }

          @Override
          public void close() {
            chain.close();
          }
        };
      }));
      empty.add(new Alternative(kind.label, weft, () -> {
        GraphKind.Chain chain = kind.open();
        chain.change(1);
        return new Measured() {
          @Override
          public long run(long iterations) throws Exception {
            long t0 = System.nanoTime();
            for (long i = 0; i < iterations; i++) {
              chain.noChange();
              // a volatile read per iteration keeps the JIT from hoisting the graph's own checks out of the loop
              if (Fence.stop) {
                break;
              }
            }
            return System.nanoTime() - t0;
          }

          @Override
          public void close() {
            chain.close();
          }
        };
      }));
    }
    change.target("static graph ≤ 150 ns per recomputed node",
        Workload.Verdict.atMost(GraphKind.WEFT_PARALLEL_2.label, 150, "ns"));
    empty.target("empty stabilize ≤ 1 µs", Workload.Verdict.atMost(GraphKind.WEFT_PARALLEL_2.label, 1_000, "ns"));
    list.add(change.build());
    list.add(empty.build());
    return list;
  }

  /** Holder of a volatile flag read in loops whose body the JIT could otherwise hoist. */
  static final class Fence {
    static volatile boolean stop;

    private Fence() {}
  }

  private static Measured pipes(PipeKind kind, boolean trivial) {
    PipeKind.Pipes pipes = kind.open();
    List<Integer> items = PipeKind.items(trivial ? PipeKind.TRIVIAL_ITEMS : PipeKind.HEAVY_ITEMS);
    long expected = trivial ? PipeKind.expectedTrivial(items) : PipeKind.expectedReplicated(items);
    return new Measured() {
      @Override
      public long run(long iterations) throws Exception {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          long v = trivial ? pipes.trivial(items) : pipes.replicated(items);
          if (v != expected) {
            throw new IllegalStateException("wrong sum " + v + ", expected " + expected);
          }
        }
        return System.nanoTime() - t0;
      }

      @Override
      public void close() {
        pipes.close();
      }
    };
  }
}
