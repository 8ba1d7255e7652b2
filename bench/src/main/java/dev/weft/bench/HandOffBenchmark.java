package dev.weft.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * Park/unpark hand-off cost: two threads of each {@link ThreadKind} pass a turn back and forth through a
 * volatile flag, {@code LockSupport.park} and {@code unpark}; {@value #ROUNDS} round trips per invocation,
 * reported per one-way hand-off.
 *
 * <p>Run: {@code java -jar bench/target/weft-bench.jar HandOffBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
@State(Scope.Benchmark)
public class HandOffBenchmark {
  static final int ROUNDS = 1_000;

  @Param
  public ThreadKind kind;

  private ThreadKind.Threads threads;

  @Setup
  public void setUp() {
    threads = kind.open();
  }

  @TearDown
  public void tearDown() {
    threads.close();
  }

  @Benchmark
  @OperationsPerInvocation(2 * ROUNDS)
  public long handOff() throws Exception {
    return threads.pingPong(ROUNDS);
  }
}
