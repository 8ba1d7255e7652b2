package dev.weft.srctest.query;

import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.LocalStore;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The child JVM of {@link QueryStoreCrashTest}: on a {@link LocalStore} in the given directory, evaluates the
 * program of the given seed over many revisions of random inputs and checkpoints after each, printing
 * {@code begin N} just before checkpoint N and {@code end N} after it, until it is killed.
 */
final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) {
    // If the test run that started this child dies without killing it (a build stopped mid-test), the child
    // must not go on checkpointing on its own.
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    long seed = Long.parseLong(args[1]);
    StoreChild.Run run = StoreChild.program(seed);
    SplittableRandom random = new SplittableRandom(seed ^ 0x5DEECE66DL);
    try (LocalStore store = LocalStore.open(Path.of(args[0])); Scheduler s = Scheduler.parallel(2)) {
      Program.Queries q = run.program().keptQueries(-1);
      try (QueryEngine engine = QueryEngine.builder().scheduler(s).name("stored").store(store)
          .queries(q.f, q.g, q.input).build()) {
        for (int round = 0; round < 1000; round++) {
          int inputs = run.program().inputs;
          engine.update(tx -> {
            for (int i = 0; i < inputs; i++) {
              tx.set(q.input, i, random.nextInt(6));
            }
          });
          for (int n = 0; n < run.program().nodes.size(); n++) {
            engine.evaluate(q.queryOf(n), n + Program.KEY_OFFSET);
          }
          System.out.println("begin " + round);
          System.out.flush();
          engine.checkpoint();
          System.out.println("end " + round);
          System.out.flush();
        }
      }
    }
  }
}
