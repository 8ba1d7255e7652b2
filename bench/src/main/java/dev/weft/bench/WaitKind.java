package dev.weft.bench;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Waiting for a value another task is computing, as an adapter. Two tasks on one carrier read the same
 * keys in the same order; the body of a key yields once, so for every key the first task starts computing,
 * the second task asks for the key, finds it in progress and parks, and the first task completes it and
 * wakes the second: one full wait round trip (park, unpark, two switches) per key.
 */
enum WaitKind {
  WEFT_PARALLEL_1("Weft QueryEngine, parallel(1)"),
  WEFT_DETERMINISTIC("Weft QueryEngine, deterministic(0)"),
  CF_MEMO("CompletableFuture + CHM memo on the same carrier (no engine)");

  final String label;

  WaitKind(String label) {
    this.label = label;
  }

  interface Waiting extends AutoCloseable {
    /** Both tasks read keys {@code 0..keys-1} from a fresh memo; returns nanoseconds. */
    long run(int keys) throws Exception;

    @Override
    default void close() {}
  }

  Waiting open() {
    return switch (this) {
      case WEFT_PARALLEL_1 -> WeftSide.waiting(Scheduler.parallel(1));
      case WEFT_DETERMINISTIC -> WeftSide.waiting(Scheduler.deterministic(0));
      case CF_MEMO -> new FutureWaiting(Scheduler.parallel(1));
    };
  }

  /**
   * Runs {@code reader} twice concurrently on the scheduler, both started by one driver task so that on a
   * single carrier the first reader runs first; returns nanoseconds from spawning to both joined.
   */
  static long twoReaders(Scheduler scheduler, Runnable reader) {
    return scheduler.spawn("driver", () -> {
      long t0 = System.nanoTime();
      Task<Object> a = scheduler.spawn("reader-1", () -> {
        reader.run();
        return null;
      });
      Task<Object> b = scheduler.spawn("reader-2", () -> {
        reader.run();
        return null;
      });
      a.join();
      b.join();
      return System.nanoTime() - t0;
    }).join();
  }

  private static final class FutureWaiting implements Waiting {
    private final Scheduler scheduler;

    FutureWaiting(Scheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    public long run(int keys) {
      ConcurrentHashMap<Integer, CompletableFuture<Integer>> memo = new ConcurrentHashMap<>();
      return twoReaders(scheduler, () -> {
        for (int k = 0; k < keys; k++) {
          Integer key = k;
          CompletableFuture<Integer> f = memo.get(key);
          if (f == null) {
            CompletableFuture<Integer> mine = new CompletableFuture<>();
            f = memo.putIfAbsent(key, mine);
            if (f == null) {
              Thread.yield();
              mine.complete(key);
              continue;
            }
          }
          f.join();
        }
      });
    }

    @Override
    public void close() {
      scheduler.close();
    }
  }
}
