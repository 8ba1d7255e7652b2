package dev.weft.srctest.query;

import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.LocalStore;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link QueryStoreDifferentialTest}: evaluates every node of the program of a seed on an
 * engine with a {@link LocalStore} in the given directory, then closes it (which writes the checkpoint).
 */
final class StoreChild {
  record Run(Program program, Integer[] inputs) {}

  private StoreChild() {}

  /** The program and inputs of {@code seed}, the same in both JVMs. */
  static Run program(long seed) {
    SplittableRandom random = new SplittableRandom(seed * 7919);
    Program program = Program.random(random, 8 + random.nextInt(20), 1 + random.nextInt(6));
    Integer[] inputs = new Integer[program.inputs + 1];
    for (int i = 0; i < program.inputs; i++) {
      inputs[i] = random.nextInt(100);
    }
    return new Run(program, inputs);
  }

  public static void main(String[] args) {
    Run run = program(Long.parseLong(args[1]));
    try (LocalStore store = LocalStore.open(Path.of(args[0])); Scheduler s = Scheduler.parallel(2)) {
      Program.Queries q = run.program().keptQueries(-1);
      try (QueryEngine engine = QueryEngine.builder().scheduler(s).name("stored").store(store)
          .queries(q.f, q.g, q.input).build()) {
        engine.update(tx -> {
          for (int i = 0; i < run.inputs().length; i++) {
            if (run.inputs()[i] != null) {
              tx.set(q.input, i, run.inputs()[i]);
            }
          }
        });
        for (int n = 0; n < run.program().nodes.size(); n++) {
          engine.evaluate(q.queryOf(n), n + Program.KEY_OFFSET);
        }
      }
    }
  }
}
