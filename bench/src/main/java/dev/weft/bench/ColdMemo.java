package dev.weft.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Memoized evaluation of a {@link Shape} from an empty memo, as an adapter over the ways a user could write
 * it. {@link Solver#reset} (untimed) empties the memo; {@link Solver#solve} computes every root and returns
 * the sum of their values.
 */
public enum ColdMemo {
  WEFT("Weft (inline queries)"),
  HASH_MAP("recursive HashMap memo (single thread)"),
  CHM_COMPUTE_IF_ABSENT("ConcurrentHashMap.computeIfAbsent, recursive"),
  CHM_GET_PUT("ConcurrentHashMap get / putIfAbsent memo"),
  CF_SYNC("CompletableFuture + CHM memo, computed by the caller"),
  CF_ASYNC("CompletableFuture + CHM memo, async on the common pool"),
  CF_ASYNC_POOL_2("CompletableFuture + CHM memo, async on a ForkJoinPool(2)"),
  CF_DIRECT("CompletableFuture + CHM memo, supplyAsync + join (default executor)"),
  PLATFORM_POOL("platform-thread pool, blocking Future.get");

  final String label;

  ColdMemo(String label) {
    this.label = label;
  }

  interface Solver extends AutoCloseable {
    /** Forgets every memoized value (not timed). */
    void reset() throws Exception;

    /** Computes every root of the shape; returns the sum of the roots' values. */
    long solve() throws Exception;

    /**
     * The fraction of the shape's roots this solver computes (1 for all). Thread-per-query solvers do a
     * part of the job so one iteration stays short; {@link Shape#expected(int)} checks the part.
     */
    default int rootDivisor() {
      return 1;
    }

    @Override
    default void close() {}
  }

  Solver open(Shape shape) {
    return switch (this) {
      case WEFT -> WeftSide.cold(shape);
      case HASH_MAP -> new MapSolver(shape, false);
      case CHM_GET_PUT -> new MapSolver(shape, true);
      case CHM_COMPUTE_IF_ABSENT -> new ComputeIfAbsentSolver(shape);
      case CF_SYNC -> new FutureSolver(shape);
      case CF_ASYNC -> new AsyncSolver(shape, ForkJoinPool.commonPool());
      case CF_ASYNC_POOL_2 -> new AsyncSolver(shape, new ForkJoinPool(2)) {
        @Override
        public void close() {
          pool().shutdownNow();
        }
      };
      case CF_DIRECT -> new DirectFutureSolver(shape);
      case PLATFORM_POOL -> new PoolSolver(shape);
    };
  }

  /** Plain memo in a map: look up, else compute the dependencies recursively and store. */
  private static final class MapSolver implements Solver {
    private final Shape shape;
    private final boolean concurrent;
    private Map<Long, Long> memo;

    MapSolver(Shape shape, boolean concurrent) {
      this.shape = shape;
      this.concurrent = concurrent;
      reset();
    }

    @Override
    public void reset() {
      memo = concurrent ? new ConcurrentHashMap<>() : new HashMap<>();
    }

    private long get(long k) {
      Long v = memo.get(k);
      if (v != null) {
        return v;
      }
      long value;
      if (shape.leaf(k)) {
        value = k;
      } else {
        value = 1;
        for (int i = 0, n = shape.arity(k); i < n; i++) {
          value += get(shape.dep(k, i));
        }
      }
      memo.putIfAbsent(k, value);
      return value;
    }

    @Override
    public long solve() {
      long sum = 0;
      for (long r : shape.roots()) {
        sum += get(r);
      }
      return sum;
    }
  }

  /**
   * The obvious concurrent memo, {@code computeIfAbsent} whose function reads other keys. The JDK forbids
   * modifying the map from inside the function; it throws {@code IllegalStateException("Recursive update")}
   * when it notices (typically on the first collision in a bin under construction).
   */
  private static final class ComputeIfAbsentSolver implements Solver {
    private final Shape shape;
    private ConcurrentHashMap<Long, Long> memo = new ConcurrentHashMap<>();

    ComputeIfAbsentSolver(Shape shape) {
      this.shape = shape;
    }

    @Override
    public void reset() {
      memo = new ConcurrentHashMap<>();
    }

    private long get(long k) {
      return memo.computeIfAbsent(k, key -> {
        if (shape.leaf(key)) {
          return key;
        }
        long value = 1;
        for (int i = 0, n = shape.arity(key); i < n; i++) {
          value += get(shape.dep(key, i));
        }
        return value;
      });
    }

    @Override
    public long solve() {
      long sum = 0;
      for (long r : shape.roots()) {
        sum += get(r);
      }
      return sum;
    }
  }

  /**
   * A memo of futures (the classic "Memoizer"): the first caller of a key installs a future and computes
   * the value itself, later callers wait on the future.
   */
  private static final class FutureSolver implements Solver {
    private final Shape shape;
    private ConcurrentHashMap<Long, CompletableFuture<Long>> memo = new ConcurrentHashMap<>();

    FutureSolver(Shape shape) {
      this.shape = shape;
    }

    @Override
    public void reset() {
      memo = new ConcurrentHashMap<>();
    }

    private long get(long k) {
      CompletableFuture<Long> f = memo.get(k);
      if (f == null) {
        CompletableFuture<Long> mine = new CompletableFuture<>();
        f = memo.putIfAbsent(k, mine);
        if (f == null) {
          try {
            long value;
            if (shape.leaf(k)) {
              value = k;
            } else {
              value = 1;
              for (int i = 0, n = shape.arity(k); i < n; i++) {
                value += get(shape.dep(k, i));
              }
            }
            mine.complete(value);
            return value;
          } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
            throw e;
          }
        }
      }
      return f.join();
    }

    @Override
    public long solve() {
      long sum = 0;
      for (long r : shape.roots()) {
        sum += get(r);
      }
      return sum;
    }
  }

  /**
   * Non-blocking composition: each query is a stage run asynchronously on a pool once its dependencies are
   * done ({@code supplyAsync}, {@code thenApplyAsync}, {@code thenCombineAsync}).
   */
  private static class AsyncSolver implements Solver {
    private final Shape shape;
    private final ForkJoinPool pool;
    private ConcurrentHashMap<Long, CompletableFuture<Long>> memo = new ConcurrentHashMap<>();

    AsyncSolver(Shape shape, ForkJoinPool pool) {
      this.shape = shape;
      this.pool = pool;
    }

    final ForkJoinPool pool() {
      return pool;
    }

    @Override
    public void reset() {
      memo = new ConcurrentHashMap<>();
    }

    private CompletableFuture<Long> get(long k) {
      CompletableFuture<Long> f = memo.get(k);
      if (f != null) {
        return f;
      }
      CompletableFuture<Long> mine = new CompletableFuture<>();
      f = memo.putIfAbsent(k, mine);
      if (f != null) {
        return f;
      }
      CompletableFuture<Long> stage;
      if (shape.leaf(k)) {
        stage = CompletableFuture.supplyAsync(() -> k, pool);
      } else if (shape.arity(k) == 1) {
        stage = get(shape.dep(k, 0)).thenApplyAsync(v -> v + 1, pool);
      } else {
        stage = get(shape.dep(k, 0)).thenCombineAsync(get(shape.dep(k, 1)), (a, b) -> a + b + 1, pool);
      }
      stage.whenComplete((v, e) -> {
        if (e != null) {
          mine.completeExceptionally(e);
        } else {
          mine.complete(v);
        }
      });
      return mine;
    }

    @Override
    public long solve() {
      List<CompletableFuture<Long>> roots = new ArrayList<>();
      for (long r : shape.roots()) {
        roots.add(get(r));
      }
      long sum = 0;
      for (CompletableFuture<Long> f : roots) {
        sum += f.join();
      }
      return sum;
    }
  }

  /**
   * The same blocking code as the query bodies, with futures: each key's value is {@code supplyAsync} on the
   * default executor, and a body reads a dependency with {@code join}. The default executor is the common
   * pool when its parallelism is above 1; on a 2-core machine it is one new thread per task, so this computes
   * a sixteenth of the roots per iteration like {@link PoolSolver}.
   */
  private static final class DirectFutureSolver implements Solver {
    private final Shape shape;
    private final long[] roots;
    private ConcurrentHashMap<Long, CompletableFuture<Long>> memo = new ConcurrentHashMap<>();

    DirectFutureSolver(Shape shape) {
      this.shape = shape;
      this.roots = shape.roots(rootDivisor());
    }

    @Override
    public int rootDivisor() {
      return 16;
    }

    @Override
    public void reset() {
      memo = new ConcurrentHashMap<>();
    }

    private long get(long k) {
      return memo.computeIfAbsent(k, key -> CompletableFuture.supplyAsync(() -> compute(key))).join();
    }

    private long compute(long k) {
      if (shape.leaf(k)) {
        return k;
      }
      long value = 1;
      for (int i = 0, n = shape.arity(k); i < n; i++) {
        value += get(shape.dep(k, i));
      }
      return value;
    }

    @Override
    public long solve() {
      long sum = 0;
      for (long r : roots) {
        sum += get(r);
      }
      return sum;
    }
  }

  /**
   * Blocking style on platform threads: each query is a task on a cached thread pool that submits its
   * dependencies and blocks in {@code Future.get}. A fixed-size pool would deadlock as soon as the chain is
   * deeper than the pool, so the pool grows: one platform thread per query in flight.
   */
  private static final class PoolSolver implements Solver {
    private final Shape shape;
    private final long[] roots;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "bench-pool");
      t.setDaemon(true);
      return t;
    });
    private ConcurrentHashMap<Long, Future<Long>> memo = new ConcurrentHashMap<>();

    PoolSolver(Shape shape) {
      this.shape = shape;
      this.roots = shape.roots(rootDivisor());
    }

    @Override
    public int rootDivisor() {
      return 16;
    }

    @Override
    public void reset() {
      memo = new ConcurrentHashMap<>();
    }

    private Future<Long> get(long k) {
      Future<Long> f = memo.get(k);
      if (f != null) {
        return f;
      }
      FutureTask<Long> mine = new FutureTask<>(() -> compute(k));
      f = memo.putIfAbsent(k, mine);
      if (f != null) {
        return f;
      }
      pool.execute(mine);
      return mine;
    }

    private long compute(long k) throws InterruptedException, ExecutionException {
      if (shape.leaf(k)) {
        return k;
      }
      int n = shape.arity(k);
      List<Future<Long>> deps = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        deps.add(get(shape.dep(k, i)));
      }
      long value = 1;
      for (Future<Long> d : deps) {
        value += d.get();
      }
      return value;
    }

    @Override
    public long solve() throws Exception {
      List<Future<Long>> futures = new ArrayList<>();
      for (long r : roots) {
        futures.add(get(r));
      }
      long sum = 0;
      for (Future<Long> f : futures) {
        sum += f.get();
      }
      return sum;
    }

    @Override
    public void close() {
      pool.shutdownNow();
    }
  }
}
