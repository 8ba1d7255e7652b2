package dev.weft.flow;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A rough check of per-item pipeline cost and per-node stabilize cost (not a benchmark: no JMH, no fork
 * control; the bench module measures properly). Run by hand with the test classpath and the add-opens flag.
 */
final class FlowCostMain {
  private FlowCostMain() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
    try (Scheduler s = Scheduler.parallel(2)) {
      for (int round = 0; round < 5; round++) {
        long[] sum = new long[1];
        long t0 = System.nanoTime();
        Pipeline.from(counting(n))
            .map(x -> x + 1)
            .map(x -> x + 1)
            .map(x -> x + 1)
            .map(x -> x + 1)
            .forEach(s, x -> sum[0] += x);
        long t = System.nanoTime() - t0;
        System.out.printf("pipeline 4 trivial stages: %.1f ns/item, %.1f ns/item/stage (sum %d)%n",
            (double) t / n, (double) t / n / 4, sum[0]);
      }
    }
    try (Scheduler s = Scheduler.parallel(2)) {
      Graph.Builder b = Graph.builder();
      Source<Integer> src = b.source(0);
      List<Node<Integer>> chain = new ArrayList<>();
      Port<Integer> prev = src;
      for (int i = 0; i < 100_000; i++) {
        Node<Integer> node = b.node(x -> x + 1, prev);
        chain.add(node);
        prev = node;
      }
      Graph g = b.build(s);
      for (int round = 0; round < 10; round++) {
        g.set(src, round + 1);
        long t0 = System.nanoTime();
        g.stabilize();
        long t = System.nanoTime() - t0;
        System.out.printf("graph chain: %.1f ns per recomputed node (%d)%n", (double) t / g.stats().recomputed(),
            g.stats().recomputed());
      }
      Graph.Builder wb = Graph.builder();
      Source<Integer> ws = wb.source(0);
      for (int i = 0; i < 100_000; i++) {
        wb.node(x -> x + 1, ws);
      }
      Graph wide = wb.build(s);
      for (int round = 0; round < 10; round++) {
        wide.set(ws, round + 1);
        long t0 = System.nanoTime();
        wide.stabilize();
        long t = System.nanoTime() - t0;
        System.out.printf("graph wide level: %.1f ns per recomputed node (%s)%n",
            (double) t / wide.stats().recomputed(), wide.stats());
      }
      int reps = 1_000_000;
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) {
        g.stabilize();
      }
      System.out.printf("empty stabilize: %.1f ns%n", (double) (System.nanoTime() - t0) / reps);
    }
  }

  private static Iterable<Integer> counting(int n) {
    return () -> new Iterator<>() {
      int next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Integer next() {
        return next++;
      }
    };
  }
}
