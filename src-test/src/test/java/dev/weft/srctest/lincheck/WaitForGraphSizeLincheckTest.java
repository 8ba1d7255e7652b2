package dev.weft.srctest.lincheck;

import dev.weft.deadlock.WaitForGraph;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WaitForGraph#size()} together with {@code tryWait} and {@code waitingFor}.
 *
 * <p>A regression test: model checking once found that with {@code tryWait(1, 2)} in flight, one thread saw
 * {@code waitingFor(1) == 2} and a later {@code size()} in another thread still returned 0, because
 * {@code size()} read {@code ConcurrentHashMap.size()} without the graph's lock (the map publishes a new
 * entry before it increments its count). {@code size()} now reads under the lock.
 */
@Tag("lincheck")
@Param(name = "party", gen = IntGen.class, conf = "0:3")
public class WaitForGraphSizeLincheckTest {
  private final WaitForGraph<Integer> graph = new WaitForGraph<>(Comparator.naturalOrder());

  public WaitForGraphSizeLincheckTest() {}

  @Operation
  public Optional<List<Integer>> tryWait(@Param(name = "party") int waiter, @Param(name = "party") int owner) {
    return graph.tryWait(waiter, owner);
  }

  @Operation
  public void stopWaiting(@Param(name = "party") int waiter) {
    graph.stopWaiting(waiter);
  }

  @Operation
  public Integer waitingFor(@Param(name = "party") int waiter) {
    return graph.waitingFor(waiter);
  }

  @Operation
  public int size() {
    return graph.size();
  }

  @Test
  @Timeout(600)
  void modelChecking_sizeWithWaitingFor_linearizable() {
    new ModelCheckingOptions().iterations(20).invocationsPerIteration(1_000)
        .threads(3).actorsPerThread(2).check(getClass());
  }
}
