package dev.weft.srctest.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.flow.Pipeline;
import dev.weft.flow.PipelineException;
import dev.weft.flow.PipelineRun;
import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

/**
 * The pipeline failure and cancel matrix: for every kind of stage, at the first, a middle and the last item,
 * a stage body either throws or blocks until the run is cancelled. Explored under deterministic schedules
 * and {@code parallel(2)}. In every cell:
 * <ul>
 *   <li>a failure is rethrown by the terminal call as {@link PipelineException} naming the failing stage, with
 *       the body's exception as cause;</li>
 *   <li>a cancel makes {@code join} throw {@link CancellationException};</li>
 *   <li>afterwards no task of the pipeline is left running (only the test body is alive);</li>
 *   <li>with no failure, every item arrives exactly once, in order where the stage keeps order.</li>
 * </ul>
 */
class PipelineFailureMatrixTest {
  static final int ITEMS = 40;

  enum Kind { SOURCE, MAP, MAP_ORDERED_2, MAP_UNORDERED_2, FLAT_MAP, FILTER, TRANSFORM, FORK_BRANCH, SINK }

  enum Position {
    FIRST(0), MIDDLE(ITEMS / 2), LAST(ITEMS - 1);

    final int item;

    Position(int item) {
      this.item = item;
    }
  }

  enum Action { NONE, FAIL, CANCEL }

  /** What the chosen stage does at the chosen item. */
  static final class Trap {
    final Action action;
    final int item;
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch never = new CountDownLatch(1);

    Trap(Action action, int item) {
      this.action = action;
      this.item = item;
    }

    void at(int i) throws InterruptedException {
      if (i != item) {
        return;
      }
      switch (action) {
        case NONE -> { }
        case FAIL -> throw new IllegalStateException("boom at " + i);
        case CANCEL -> {
          reached.countDown();
          never.await(); // interrupted by cancel
        }
      }
    }
  }

  private static Pipeline<Integer> pipeline(Kind kind, Trap trap) {
    List<Integer> items = IntStream.range(0, ITEMS).boxed().toList();
    Pipeline<Integer> p = kind == Kind.SOURCE
        ? Pipeline.<Integer>generate(out -> {
            for (int i : items) {
              trap.at(i);
              out.push(i);
            }
          }).named("trapped")
        : Pipeline.from(items);
    return switch (kind) {
      case SOURCE, SINK -> p.map(x -> x);
      case MAP -> p.map(x -> {
        trap.at(x);
        return x;
      }).named("trapped");
      case MAP_ORDERED_2 -> p.map(2, x -> {
        trap.at(x);
        return x;
      }).named("trapped");
      case MAP_UNORDERED_2 -> p.mapUnordered(2, x -> {
        trap.at(x);
        return x;
      }).named("trapped");
      case FLAT_MAP -> p.<Integer>flatMap((x, out) -> {
        trap.at(x);
        out.push(x);
      }).named("trapped");
      case FILTER -> p.filter(x -> {
        trap.at(x);
        return true;
      }).named("trapped");
      case TRANSFORM -> p.<Integer>transform((in, out) -> {
        for (Integer x = in.take(); x != null; x = in.take()) {
          trap.at(x);
          out.push(x);
        }
      }).named("trapped");
      case FORK_BRANCH -> p.fork(b -> b.map(x -> {
        trap.at(x);
        return x;
      }).named("trapped"), b -> b.map(x -> x + ITEMS));
    };
  }

  @WeftTest(seeds = 25, parallelRuns = 2)
  void everyStageKind_failOrCancelAtAnyItem_reportedAndNothingLeftRunning(WeftRun run, Scheduler scheduler) {
    List<String> problems = new ArrayList<>();
    for (Kind kind : Kind.values()) {
      for (Position position : Position.values()) {
        for (Action action : Action.values()) {
          if (action == Action.NONE && position != Position.FIRST) {
            continue;
          }
          String cell = kind + "/" + position + "/" + action;
          try {
            runCell(scheduler, kind, position, action);
          } catch (Throwable t) {
            problems.add(cell + ": " + t);
          }
          if (scheduler.isDeterministic()) {
            if (scheduler.stats().alive() != 1) {
              problems.add(cell + ": " + (scheduler.stats().alive() - 1) + " pipeline tasks still alive");
            }
          } else {
            await().atMost(Duration.ofSeconds(10)).until(() -> scheduler.stats().alive() == 1);
          }
        }
      }
    }
    assertThat(problems).as(run.toString()).isEmpty();
  }

  private static void runCell(Scheduler scheduler, Kind kind, Position position, Action action)
      throws InterruptedException {
    Trap trap = new Trap(action, position.item);
    Pipeline<Integer> p = pipeline(kind, trap);
    ConcurrentLinkedQueue<Integer> sunk = new ConcurrentLinkedQueue<>();
    PipelineRun pipelineRun = p.start(scheduler, x -> {
      if (kind == Kind.SINK) {
        trap.at(x);
      }
      sunk.add(x);
    });
    if (action == Action.CANCEL) {
      trap.reached.await();
      pipelineRun.cancel();
    }
    Throwable thrown = null;
    try {
      pipelineRun.join();
    } catch (RuntimeException e) {
      thrown = e;
    }
    switch (action) {
      case NONE -> {
        assertThat(thrown).isNull();
        List<Integer> expected = new ArrayList<>(IntStream.range(0, ITEMS).boxed().toList());
        if (kind == Kind.FORK_BRANCH) {
          expected.addAll(IntStream.range(ITEMS, 2 * ITEMS).boxed().toList());
          assertThat(sunk).containsExactlyInAnyOrderElementsOf(expected);
        } else if (kind == Kind.MAP_UNORDERED_2) {
          assertThat(sunk).containsExactlyInAnyOrderElementsOf(expected);
        } else {
          assertThat(sunk).containsExactlyElementsOf(expected);
        }
      }
      case FAIL -> {
        assertThat(thrown).isInstanceOf(PipelineException.class);
        PipelineException pe = (PipelineException) thrown;
        if (kind != Kind.SINK) {
          assertThat(pe.stage()).isEqualTo("trapped");
        }
        assertThat(pe.getCause()).isInstanceOf(IllegalStateException.class)
            .hasMessage("boom at " + position.item);
        assertThat(sunk).doesNotHaveDuplicates();
      }
      case CANCEL -> {
        assertThat(thrown).isInstanceOf(CancellationException.class);
        assertThat(sunk).doesNotHaveDuplicates();
      }
    }
  }
}
