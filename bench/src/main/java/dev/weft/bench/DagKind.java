package dev.weft.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;

/**
 * A wide two-level DAG of CPU-bound queries, as an adapter: a root reads {@link #GROUPS} groups, each group
 * reads {@link #FAN} leaves, each leaf runs {@link Cpu#work} for {@link #ROUNDS} rounds (about 30 µs on the reference machine).
 * Every kind computes the same root value from scratch.
 */
enum DagKind {
  WEFT_PARALLEL_1("Weft getAll, parallel(1)"),
  WEFT_PARALLEL_2("Weft getAll, parallel(2)"),
  SEQUENTIAL("plain sequential loop"),
  CF_COMMON_POOL("CompletableFuture.supplyAsync, common pool"),
  CF_POOL_2("CompletableFuture.supplyAsync, ForkJoinPool(2)"),
  FORK_JOIN_2("ForkJoinPool(2) RecursiveTask");

  static final int GROUPS = 16;
  static final int FAN = 16;
  static final int ROUNDS = 20_000;

  final String label;

  DagKind(String label) {
    this.label = label;
  }

  static long leaf(int k) {
    return Cpu.work(k, ROUNDS);
  }

  static long expected() {
    long root = 0;
    for (int g = 0; g < GROUPS; g++) {
      long group = 0;
      for (int i = 0; i < FAN; i++) {
        group += leaf(g * FAN + i);
      }
      root += group;
    }
    return root;
  }

  interface Dag extends AutoCloseable {
    /** Computes the root from scratch. */
    long compute() throws Exception;

    @Override
    default void close() {}
  }

  Dag open() {
    return switch (this) {
      case WEFT_PARALLEL_1 -> WeftSide.dag(1);
      case WEFT_PARALLEL_2 -> WeftSide.dag(2);
      case SEQUENTIAL -> DagKind::expected;
      case CF_COMMON_POOL -> () -> futures(ForkJoinPool.commonPool());
      case CF_POOL_2 -> {
        ForkJoinPool pool = new ForkJoinPool(2);
        yield new Dag() {
          @Override
          public long compute() {
            return futures(pool);
          }

          @Override
          public void close() {
            pool.shutdownNow();
          }
        };
      }
      case FORK_JOIN_2 -> {
        ForkJoinPool pool = new ForkJoinPool(2);
        yield new Dag() {
          @Override
          public long compute() {
            return pool.invoke(new Node(-1));
          }

          @Override
          public void close() {
            pool.shutdownNow();
          }
        };
      }
    };
  }

  private static long futures(ForkJoinPool pool) {
    List<CompletableFuture<Long>> groups = new ArrayList<>();
    for (int g = 0; g < GROUPS; g++) {
      List<CompletableFuture<Long>> leaves = new ArrayList<>();
      for (int i = 0; i < FAN; i++) {
        int k = g * FAN + i;
        leaves.add(CompletableFuture.supplyAsync(() -> leaf(k), pool));
      }
      groups.add(CompletableFuture.allOf(leaves.toArray(CompletableFuture[]::new))
          .thenApply(v -> leaves.stream().mapToLong(CompletableFuture::join).sum()));
    }
    return groups.stream().mapToLong(CompletableFuture::join).sum();
  }

  /** Root (-1), group (0..GROUPS-1) or leaf (GROUPS + k). */
  private static final class Node extends RecursiveTask<Long> {
    private final int id;

    Node(int id) {
      this.id = id;
    }

    @Override
    protected Long compute() {
      if (id >= GROUPS) {
        return leaf(id - GROUPS);
      }
      List<Node> children = new ArrayList<>();
      if (id < 0) {
        for (int g = 0; g < GROUPS; g++) {
          children.add(new Node(g));
        }
      } else {
        for (int i = 0; i < FAN; i++) {
          children.add(new Node(GROUPS + id * FAN + i));
        }
      }
      long sum = 0;
      for (Node n : invokeAll(children)) {
        sum += n.join();
      }
      return sum;
    }
  }
}
