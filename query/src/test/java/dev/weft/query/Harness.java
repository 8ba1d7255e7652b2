package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** A scheduler and an engine for one scenario, closed together; tasks spawned here are all joined. */
final class Harness implements AutoCloseable {
  final Scheduler scheduler;
  final QueryEngine engine;
  private final List<Task<?>> tasks = new ArrayList<>();

  Harness(Modes.Mode mode) {
    this.scheduler = mode.scheduler();
    this.engine = mode.engine(scheduler);
  }

  <T> Task<T> spawn(String name, Callable<T> body) {
    Task<T> t = scheduler.spawn(name, body);
    tasks.add(t);
    return t;
  }

  /** Runs {@code body} as one task of the scheduler and returns its value. */
  <T> T inTask(Callable<T> body) {
    return spawn("scenario", body).join();
  }

  @Override
  public void close() {
    for (Task<?> t : tasks) {
      try {
        t.join();
      } catch (RuntimeException | Error ignored) {
        // the scenario already asserted on it
      }
    }
    engine.close();
    scheduler.close();
  }
}
