package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Replay: the same program under {@code Scheduler.deterministic(seed)} twice, each time on a fresh
 * scheduler and engine, must execute the same bodies in the same order and produce the same results (DESIGN.md
 * section 2: same seed and program, same interleaving and event order). A random program is run by several
 * concurrent callers started from one root task, so every wakeup comes from the scheduler itself.
 */
class QueryReplayTest {

  @WeftTest(seeds = 100, onScheduler = false)
  void sameSeedTwice_sameExecutionOrderAndResults(WeftRun run) {
    List<String> first = trace(run.seed());
    List<String> second = trace(run.seed());
    assertThat(second).as("second run of seed %d", run.seed()).isEqualTo(first);
    assertThat(first).isNotEmpty();
  }

  /** Runs a program derived from {@code seed}; returns the body entries and the callers' results, in order. */
  private static List<String> trace(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Program program = Program.random(random, 4 + random.nextInt(27), 1 + random.nextInt(6));
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    Program.Queries q = program.queries(-1);
    Query<Integer, Integer> traced = Query.of("traced", (ctx, key) -> {
      events.add("enter " + key);
      int v = ctx.get(q.queryOf(key), key + Program.KEY_OFFSET);
      events.add("leave " + key);
      return v;
    });
    try (Scheduler scheduler = Scheduler.deterministic(seed);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("replay").build()) {
      for (int i = 0; i < program.inputs; i++) {
        engine.set(q.input, i, random.nextInt(100));
      }
      int callers = 2 + random.nextInt(3);
      long callerSeed = random.nextLong();
      scheduler.spawn("root", () -> {
        List<Task<Void>> tasks = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
          SplittableRandom r = new SplittableRandom(callerSeed + c);
          int caller = c;
          tasks.add(scheduler.spawn("caller-" + c, () -> {
            for (int i = 0; i < program.nodes.size(); i++) {
              int node = r.nextInt(program.nodes.size());
              String result;
              try {
                result = String.valueOf(engine.get(traced, node));
              } catch (RuntimeException e) {
                result = Outcome.of(e).toString();
              }
              events.add("caller " + caller + " " + node + " = " + result);
            }
            return null;
          }));
        }
        for (Task<Void> t : tasks) {
          t.join();
        }
        return null;
      }).join();
    }
    return List.copyOf(events);
  }
}
