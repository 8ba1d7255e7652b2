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
 * Spawn-and-join cost: a driver thread of each {@link ThreadKind} starts a child with an empty body and joins
 * it, {@value #BATCH} times per invocation (so the benchmark thread's own hand-off to the driver is
 * amortized). Weft kinds use {@code Scheduler.spawn}/{@code Task.join}; {@code JDK_VIRTUAL} and
 * {@code PLATFORM} use {@code Thread.ofVirtual()}/{@code Thread.ofPlatform()} and {@code Thread.join}.
 *
 * <p>Run: {@code java -jar bench/target/weft-bench.jar SpawnJoinBenchmark}
 * (one kind: {@code -p kind=WEFT_PARALLEL_1}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
@State(Scope.Benchmark)
public class SpawnJoinBenchmark {
  static final int BATCH = 1_000;

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
  @OperationsPerInvocation(BATCH)
  public long spawnJoin() throws Exception {
    return threads.spawnJoin(BATCH);
  }
}
