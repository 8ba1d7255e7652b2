package dev.weft.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cold trivial queries: every invocation computes about 16k trivial queries of a {@link Shape} (64 chains
 * of 256, or 16 binary trees of 1023) from an empty memo, reported per query. Weft runs them inline on one
 * virtual thread; the alternatives are a recursive {@code HashMap} memo (the single-thread limit), a
 * {@code ConcurrentHashMap} memo, and {@code CompletableFuture} memos computed by the caller or async on the
 * common pool or a two-worker pool (design target: ≤ 150 ns per query, ≥ 5x faster than the async future
 * memo). The recursive {@code computeIfAbsent} and the blocking platform-thread pool are only in the
 * comparison runner (the first throws, the second takes milliseconds per chain).
 *
 * <p>Run: {@code java -jar bench/target/weft-bench.jar ColdQueryBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
@State(Scope.Benchmark)
public class ColdQueryBenchmark {
  @Param({"WEFT", "HASH_MAP", "CHM_GET_PUT", "CF_SYNC", "CF_ASYNC", "CF_ASYNC_POOL_2"})
  public ColdMemo memo;

  @Param
  public Shape shape;

  private ColdMemo.Solver solver;

  @Setup
  public void setUp() {
    solver = memo.open(shape);
  }

  @Setup(Level.Invocation)
  public void reset() throws Exception {
    solver.reset();
  }

  @TearDown
  public void tearDown() throws Exception {
    solver.close();
  }

  /** About 16k queries per invocation (16,384 for the chains, 16,368 for the trees). */
  @Benchmark
  @OperationsPerInvocation(16_384)
  public long solve() throws Exception {
    return solver.solve();
  }
}
