package dev.weft.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Memo hit: {@code QueryEngine.get} of an already computed query from a platform thread, next to
 * {@code ConcurrentHashMap.get}, Caffeine's {@code getIfPresent} and {@code HashMap.get}, over
 * {@value MemoKind#KEYS} keys round-robin (design target: ≤ 25 ns, within 2x of {@code ConcurrentHashMap}).
 *
 * <p>Run: {@code java -jar bench/target/weft-bench.jar MemoHitBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
@State(Scope.Benchmark)
public class MemoHitBenchmark {
  @Param
  public MemoKind kind;

  private Long[] keys;
  private MemoKind.Lookup lookup;
  private int index;

  @Setup
  public void setUp() {
    keys = MemoKind.keys();
    lookup = kind.open(keys);
  }

  @TearDown
  public void tearDown() {
    lookup.close();
  }

  @Benchmark
  public Object get() {
    return lookup.get(keys[index++ & (MemoKind.KEYS - 1)]);
  }
}
