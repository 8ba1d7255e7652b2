package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A getAll helper started while its parent drives a fixpoint iteration (entered from one of the group's keys)
 * fetches the group's other keys outside the iteration: it waits for the iteration's outcome instead of reading
 * a member's value in the middle of it.
 */
@Timeout(60)
class FixpointHelperTest {

  static Stream<String> schedulers() {
    return Stream.concat(Stream.of("parallel(2)"), IntStream.range(0, 16).mapToObj(i -> "deterministic(" + i + ")"));
  }

  private static Scheduler scheduler(String name) {
    return name.startsWith("parallel")
        ? Scheduler.parallel(2)
        : Scheduler.deterministic(Long.parseLong(name.substring(name.indexOf('(') + 1, name.length() - 1)));
  }

  @ParameterizedTest
  @MethodSource("schedulers")
  void getAll_helperStartedDuringIteration_readsConvergedValue(String mode) throws Exception {
    CountDownLatch iterating = new CountDownLatch(1);
    CountDownLatch bStarted = new CountDownLatch(1);
    CountDownLatch bDone = new CountDownLatch(1);
    @SuppressWarnings("unchecked")
    Query<String, Integer>[] fix = new Query[1];
    // x = min(y + 1, 3), y = x: from 0 the rounds give 1, 2, 3, 3 (converged)
    fix[0] = Query.<String, Integer>of("fix", (ctx, k) -> {
      if (k.equals("x")) {
        return Math.min(ctx.get(fix[0], "y") + 1, 3);
      }
      int x = ctx.get(fix[0], "x");
      if (iterating.getCount() > 0) {
        iterating.countDown();
        bStarted.await(); // the driver is busy here: an idle carrier starts another helper for the getAll
      }
      return x;
    }).withFixpoint(k -> 0);
    Query<String, Integer> item = Query.of("item", (ctx, k) -> switch (k) {
      case "a" -> ctx.get(fix[0], "x"); // the caller's key: enters the cycle and drives it
      case "b" -> {
        bStarted.countDown();
        int x = ctx.get(fix[0], "x");
        bDone.countDown();
        yield x;
      }
      default -> { // "c": the first helper's key, busy until "b" is done, so "b" needs a second helper
        iterating.await();
        bDone.await();
        yield 0;
      }
    });
    Query<String, List<Integer>> root = Query.of("root", (ctx, k) -> ctx.getAll(item, List.of("a", "b", "c")));
    try (Scheduler s = scheduler(mode); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      assertThat(e.get(root, "r")).as(mode).containsExactly(3, 3, 0);
      assertThat(e.get(fix[0], "x")).isEqualTo(3);
      assertThat(e.get(fix[0], "y")).isEqualTo(3);
    }
  }
}
