package dev.weft.srctest.lincheck;

import dev.weft.deadlock.WaitForGraph;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WaitForGraph#size()} together with {@code tryWait} and {@code waitingFor}.
 *
 * <p>Found by model checking: with {@code tryWait(1, 2)} in flight, one thread sees {@code waitingFor(1) == 2}
 * and a later {@code size()} in another thread still returns 0. {@code size()} reads
 * {@code ConcurrentHashMap.size()} without the graph's lock, and the map publishes a new entry before it
 * increments its count, so no single point orders the three operations. Reading the size under the lock
 * (or keeping a count written under it) would make it linearizable.
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
  @Disabled("WaitForGraph.size() is not linearizable with waitingFor(): it reads ConcurrentHashMap.size() "
      + "outside the lock, which lags the entry a concurrent tryWait has already published (see class javadoc)")
  void modelChecking_sizeWithWaitingFor_linearizable() {
    new ModelCheckingOptions().iterations(20).invocationsPerIteration(1_000)
        .threads(3).actorsPerThread(2).check(getClass());
  }
}
