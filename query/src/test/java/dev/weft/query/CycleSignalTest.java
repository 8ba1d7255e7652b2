package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Which unwinding signals a runner acts on ({@link CycleDetector#dropStale}). A detector works from a snapshot
 * of runners that keep running, so its signal can reach a runner after it has left the frames the cycle
 * entered; such a signal marks nothing on the runner's stack, and acting on it would throw the engine's internal
 * unwinding out of a read that no frame catches. The race itself has no park in it, so the deterministic
 * scheduler cannot replay it; {@code FixpointTest}'s random cyclic graphs on {@code parallel(2)} reach it.
 */
@Timeout(30)
class CycleSignalTest {
  private static final Query<Integer, Integer> Q = Query.of("q", (ctx, k) -> k);

  @Test
  void dropStale_runnerWithNoFrames_dropsTheSignal() {
    try (Harness h = new Harness(new Modes.Mode("parallel(2)", true, 0))) {
      Runner r = ghost(h);
      r.unwind = Cycle.MERGE;
      assertThat(CycleDetector.dropStale(r)).isTrue();
      assertThat(r.unwind).isNull();
    }
  }

  @Test
  void dropStale_topFrameNotMarked_dropsTheSignal() {
    try (Harness h = new Harness(new Modes.Mode("parallel(2)", true, 0))) {
      Runner r = ghost(h);
      Frame below = new Frame(r, h.engine.table(Q).memo(1), null);
      r.push(below);
      Frame top = new Frame(r, h.engine.table(Q).memo(2), below);
      r.push(top);
      below.cycle = Cycle.of(List.of(below)); // an older mark under an unmarked top: not this signal's
      r.unwind = below.cycle;
      assertThat(CycleDetector.dropStale(r)).isTrue();
      assertThat(r.unwind).isNull();
    }
  }

  @Test
  void dropStale_markedTopFrame_keepsTheSignal() {
    try (Harness h = new Harness(new Modes.Mode("parallel(2)", true, 0))) {
      Runner r = ghost(h);
      Frame f = new Frame(r, h.engine.table(Q).memo(1), null);
      r.push(f);
      f.cycle = Cycle.of(List.of(f));
      r.unwind = f.cycle;
      assertThat(CycleDetector.dropStale(r)).isFalse();
      assertThat(r.unwind).isSameAs(f.cycle);
    }
  }

  @Test
  void dropStale_restartOrIteratingDriver_keepsTheSignal() {
    try (Harness h = new Harness(new Modes.Mode("parallel(2)", true, 0))) {
      Runner restarting = ghost(h);
      FixpointGroup g = new FixpointGroup(restarting);
      restarting.signal = new Fixpoint.Restart(g, null);
      restarting.unwind = Cycle.MERGE;
      assertThat(CycleDetector.dropStale(restarting)).isFalse();

      Runner driver = ghost(h);
      driver.group = new FixpointGroup(driver); // iterating: a merge signal is for its drive loop
      driver.unwind = Cycle.MERGE;
      assertThat(CycleDetector.dropStale(driver)).isFalse();
      assertThat(driver.unwind).isSameAs(Cycle.MERGE);
    }
  }

  private static Runner ghost(Harness h) {
    return new Runner(h.engine, -1, h.engine.revision(), Thread.currentThread(), null);
  }
}
