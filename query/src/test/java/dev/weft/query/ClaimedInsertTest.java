package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A body's read of a new key publishes the memo already claimed for its reader (ADR 0102). A write that
 * cancels the evaluation while bodies insert such memos must leave none of them claimed: a later read of every
 * key computes it in the new revision.
 */
@Timeout(120)
class ClaimedInsertTest {
  private static final int LEAVES = 3_000;

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void set_whileBodiesInsertNewKeys_everyClaimEndsAndLaterReadsCompute(int seed) throws Exception {
    Input<Integer, Integer> base = Query.input("base");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> ctx.get(base, 0) + k % LEAVES);
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(base, 0, 0);
      for (int round = 1; round <= 40; round++) {
        int first = (seed * 1_000 + round) * LEAVES; // keys no earlier round inserted
        CountDownLatch inserting = new CountDownLatch(1);
        Query<Integer, Integer> root = Query.of("root-" + seed + "-" + round, (ctx, n) -> {
          int sum = 0;
          for (int k = first; k < first + n; k++) {
            if (k == first + 100) {
              inserting.countDown();
            }
            sum += ctx.get(leaf, k);
          }
          return sum;
        });
        Task<Boolean> reader = s.spawn("reader", () -> {
          try {
            e.get(root, LEAVES);
            return true;
          } catch (CancelledException cancelled) {
            return false;
          }
        });
        inserting.await();
        e.set(base, 0, round); // cancels the reader, at whatever read it is
        reader.join();
        int value = round;
        Query<Integer, Integer> again = Query.of("again-" + seed + "-" + round, (ctx, n) -> {
          int sum = 0;
          for (int k = first; k < first + n; k++) {
            sum += ctx.get(leaf, k);
          }
          return sum;
        });
        // every key of the round, the ones the cancelled read inserted among them, computed in the new revision
        assertThat(e.get(again, LEAVES)).isEqualTo(LEAVES * value + LEAVES * (LEAVES - 1) / 2);
      }
    }
  }
}
