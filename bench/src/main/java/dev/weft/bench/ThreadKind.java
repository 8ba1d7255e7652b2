package dev.weft.bench;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The kinds of thread compared by the thread-cost workloads, as an adapter: a driver thread of the kind runs
 * the measured loop, and children of the same kind are started and joined from it.
 *
 * <p>For the Weft kinds the driver is a task of the scheduler and children are {@link Scheduler#spawn}ed and
 * {@link Task#join}ed. {@code JDK_VIRTUAL} uses {@code Thread.ofVirtual()} on the JDK's default scheduler,
 * {@code PLATFORM} plain platform threads (the driver is the calling thread).
 */
public enum ThreadKind {
  WEFT_PARALLEL_1("Weft parallel(1)"),
  WEFT_PARALLEL_2("Weft parallel(2)"),
  WEFT_DETERMINISTIC("Weft deterministic(0)"),
  JDK_VIRTUAL("JDK virtual threads (default scheduler)"),
  PLATFORM("platform threads");

  final String label;

  ThreadKind(String label) {
    this.label = label;
  }

  /** Opens an instance; close it to stop the scheduler it owns. */
  Threads open() {
    return switch (this) {
      case WEFT_PARALLEL_1 -> new WeftThreads(Scheduler.parallel(1));
      case WEFT_PARALLEL_2 -> new WeftThreads(Scheduler.parallel(2));
      case WEFT_DETERMINISTIC -> new WeftThreads(Scheduler.deterministic(0));
      case JDK_VIRTUAL -> new JdkThreads(true);
      case PLATFORM -> new JdkThreads(false);
    };
  }

  /** Starting and joining threads of one kind. */
  abstract static class Threads implements AutoCloseable {
    /** Runs {@code body} on a driver thread of this kind and returns its result. */
    abstract long drive(LongSupplier body) throws Exception;

    /** Starts a child of this kind running {@code body}; the handle is passed to {@link #join}. */
    abstract Object start(Runnable body);

    abstract void join(Object handle) throws InterruptedException;

    @Override
    public void close() {}

    /** {@code n} spawn-and-join pairs of an empty body, timed on the driver; returns nanoseconds. */
    final long spawnJoin(long n) throws Exception {
      Runnable empty = () -> {};
      return drive(() -> {
        try {
          long t0 = System.nanoTime();
          for (long i = 0; i < n; i++) {
            join(start(empty));
          }
          return System.nanoTime() - t0;
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
    }

    /**
     * Two children pass a turn back and forth {@code n} times each through a volatile flag and
     * {@code park}/{@code unpark}: {@code 2n} hand-offs. Returns nanoseconds, timed on the driver.
     */
    final long pingPong(long n) throws Exception {
      return drive(() -> {
        try {
          PingPong p = new PingPong(n);
          long t0 = System.nanoTime();
          Object a = start(p::first);
          Object b = start(p::second);
          join(a);
          join(b);
          return System.nanoTime() - t0;
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
    }
  }

  /** Turn passing between two threads; a party parks until the turn is its own. */
  static final class PingPong {
    private final long n;
    private volatile int turn;
    private volatile Thread first;
    private volatile Thread second;

    PingPong(long n) {
      this.n = n;
    }

    void first() {
      first = Thread.currentThread();
      Thread other;
      while ((other = second) == null) {
        Thread.yield();
      }
      for (long i = 0; i < n; i++) {
        while (turn != 0) {
          LockSupport.park(this);
        }
        turn = 1;
        LockSupport.unpark(other);
      }
    }

    void second() {
      second = Thread.currentThread();
      Thread other;
      while ((other = first) == null) {
        Thread.yield();
      }
      for (long i = 0; i < n; i++) {
        while (turn != 1) {
          LockSupport.park(this);
        }
        turn = 0;
        LockSupport.unpark(other);
      }
    }
  }

  private static final class WeftThreads extends Threads {
    private final Scheduler scheduler;

    WeftThreads(Scheduler scheduler) {
      this.scheduler = scheduler;
    }

    @Override
    long drive(LongSupplier body) {
      return scheduler.spawn("driver", body::getAsLong).join();
    }

    @Override
    Object start(Runnable body) {
      return scheduler.spawn("child", () -> {
        body.run();
        return null;
      });
    }

    @Override
    void join(Object handle) {
      ((Task<?>) handle).join();
    }

    @Override
    public void close() {
      scheduler.close();
    }
  }

  private static final class JdkThreads extends Threads {
    private final boolean virtual;

    JdkThreads(boolean virtual) {
      this.virtual = virtual;
    }

    @Override
    long drive(LongSupplier body) throws Exception {
      if (!virtual) {
        return body.getAsLong();
      }
      long[] result = new long[1];
      RuntimeException[] failure = new RuntimeException[1];
      Thread t = Thread.ofVirtual().start(() -> {
        try {
          result[0] = body.getAsLong();
        } catch (RuntimeException e) {
          failure[0] = e;
        }
      });
      t.join();
      if (failure[0] != null) {
        throw failure[0];
      }
      return result[0];
    }

    @Override
    Object start(Runnable body) {
      return virtual ? Thread.ofVirtual().start(body) : Thread.ofPlatform().start(body);
    }

    @Override
    void join(Object handle) throws InterruptedException {
      ((Thread) handle).join();
    }
  }
}
