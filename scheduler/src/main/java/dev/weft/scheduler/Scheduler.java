package dev.weft.scheduler;

import dev.weft.deadlock.StallReport;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Runs Weft's computations as virtual threads on carriers that Weft owns.
 *
 * <p>Two kinds exist:
 * <ul>
 *   <li>{@link #parallel(int)}: virtual threads on a {@link java.util.concurrent.ForkJoinPool} of the given
 *       number of carrier threads, owned and shut down by this scheduler.</li>
 *   <li>{@link #deterministic(long)}: one carrier and one ready queue; the next runnable task is chosen by a
 *       PRNG seeded with the seed (seed {@code 0} means FIFO). The same seed and the same program give the
 *       same interleaving, the same results and the same {@link #stats()}, run after run and JVM after JVM,
 *       as long as every wakeup comes from the scheduler's own tasks (see
 *       {@link SchedulerStats#foreignWakeups()}).</li>
 * </ul>
 *
 * <p>Entry points in deterministic mode: a program may spawn any number of tasks from threads outside the
 * scheduler (a test's main thread) and still replay exactly, because such tasks never run while their
 * thread runs. The scheduler's tasks run only while a thread outside it waits on it: in {@link Task#join},
 * {@link #close}, {@link #sleep}, or a query engine's read, which joins a task. When that wait is over, the
 * tasks stop where they are until the next one.
 * {@snippet :
 * try (Scheduler s = Scheduler.deterministic(7)) {
 *   List<Task<Integer>> tasks = new ArrayList<>();
 *   for (int i = 0; i < 12; i++) {
 *     tasks.add(s.spawn("t" + i, body)); // queued, not started
 *   }
 *   for (Task<Integer> t : tasks) {
 *     t.join();                          // the tasks run while this thread waits
 *   }
 * }
 * }
 * An outside thread that instead waits on something else (a latch, a future, a polling loop) while its
 * tasks cannot start would wait forever: the scheduler notices that every outside thread it knows has been
 * blocked for one second, runs the tasks anyway, logs a warning naming the thread and where it waits, and counts
 * it as a foreign wakeup (a {@link Builder#strict strict} scheduler fails the run).
 *
 * <p>Lifecycle:
 * <ul>
 *   <li>{@link #spawn} starts a task at once (in deterministic mode, from outside: at the next wait, above);
 *       a task's exception is delivered to whoever joins it.</li>
 *   <li>Threads started from a task (plain {@code Thread.ofVirtual()}, executors, structured scopes) inherit
 *       the scheduler and stay on its carriers.</li>
 *   <li>{@link #close} refuses new tasks, waits for every task, then stops the carriers; it is idempotent.
 *       Calling it from one of the scheduler's own tasks throws {@link IllegalStateException}.</li>
 *   <li>{@link #spawn} after {@code close} throws {@link IllegalStateException}.</li>
 * </ul>
 *
 * <p>Creating virtual threads on Weft's carriers needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} on
 * the class path ({@code --add-opens java.base/java.lang=dev.weft.scheduler} on the module path). Without it {@link #parallel} logs one warning and falls back to the JDK's default virtual-thread scheduler,
 * and {@link #deterministic} throws {@link IllegalStateException} naming the flag.
 */
public interface Scheduler extends AutoCloseable {

  /**
   * The JVM option Weft needs to run virtual threads on its own carriers, when Weft is on the class path (on
   * the module path: {@code --add-opens java.base/java.lang=dev.weft.scheduler}).
   */
  String ADD_OPENS = "--add-opens java.base/java.lang=ALL-UNNAMED";

  /**
   * A scheduler running virtual threads on a fork-join pool of {@code carriers} threads it owns.
   *
   * @throws IllegalArgumentException if {@code carriers < 1}
   */
  static Scheduler parallel(int carriers) {
    return builder().parallel(carriers).build();
  }

  /** A parallel scheduler with one carrier per available processor. */
  static Scheduler parallel() {
    return builder().parallel(Runtime.getRuntime().availableProcessors()).build();
  }

  /**
   * A single-carrier scheduler whose choice of the next runnable task is driven by {@code seed}
   * ({@code 0} = FIFO), with a virtual clock behind {@link #sleep} and {@link #now}.
   *
   * @throws IllegalStateException if the JVM was started without {@link #ADD_OPENS}
   */
  static Scheduler deterministic(long seed) {
    return builder().deterministic(seed).build();
  }

  /** A builder for the less common options (names, strict determinism, a watchdog, a make jobserver). */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Starts {@code body} on a new virtual thread of this scheduler.
   *
   * @param name the thread's name, shown in thread dumps and events
   * @throws IllegalStateException if the scheduler is closed
   */
  <T> Task<T> spawn(String name, Callable<T> body);

  /**
   * Sleeps for {@code duration}. In deterministic mode on the virtual clock, which advances only when no
   * task can run; otherwise in real time.
   *
   * @throws java.util.concurrent.CancellationException if the sleeping thread is interrupted (the interrupt
   *     flag is restored)
   */
  void sleep(Duration duration);

  /** The current time on this scheduler's clock (virtual in deterministic mode, starting at the epoch). */
  Instant now();

  /** Whether {@code thread} is a virtual thread running on this scheduler's carriers. */
  boolean owns(Thread thread);

  /** Whether this is a deterministic scheduler. */
  boolean isDeterministic();

  /** A snapshot of this scheduler's counters. */
  SchedulerStats stats();

  /** Refuses new tasks, waits for all spawned tasks to finish, then stops the carriers. */
  @Override
  void close();

  /**
   * Options for a {@link Scheduler}. Pick a kind with {@link #parallel(int)} or {@link #deterministic(long)}
   * (the last call wins); the default is parallel with one carrier per available processor.
   */
  final class Builder {
    int carriers = Runtime.getRuntime().availableProcessors();
    boolean deterministic;
    long seed;
    boolean strict;
    String name = "weft";
    Jobserver jobserver = Jobserver.none();
    Duration watchdogQuiet;
    Consumer<? super StallReport> watchdogListener;

    Builder() {}

    /** A parallel scheduler with {@code carriers} carrier threads. */
    public Builder parallel(int carriers) {
      if (carriers < 1) {
        throw new IllegalArgumentException("carriers must be at least 1, got " + carriers);
      }
      this.carriers = carriers;
      this.deterministic = false;
      return this;
    }

    /** A deterministic single-carrier scheduler driven by {@code seed} ({@code 0} = FIFO). */
    public Builder deterministic(long seed) {
      this.deterministic = true;
      this.seed = seed;
      return this;
    }

    /**
     * In deterministic mode, treat a wakeup from outside the scheduler (a platform thread: timed
     * {@code Thread.sleep}, contended monitors, I/O) as an error: the run is marked failed and every later
     * {@link Task#join} and {@link Scheduler#close} throws {@link IllegalStateException} describing it.
     * Without it such wakeups are counted and warned about once.
     */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /** A name prefix for carrier threads and log messages. */
    public Builder name(String name) {
      java.util.Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * Watches this scheduler's tasks with a {@link dev.weft.deadlock.Watchdog}: when tasks are blocked and no
     * task has started, ended or been woken for {@code quietPeriod}, a {@link StallReport}
     * (the tracked locks' wait-for graph and the stack of every blocked task) goes to {@code listener}, to the
     * log and to the JFR event {@code weft.Stall}. It reports; it does not interrupt. Without this option the
     * scheduler keeps no registry of its threads and counts no wakeups, so the option costs nothing when off.
     *
     * @throws IllegalArgumentException if {@code quietPeriod} is not positive
     */
    public Builder watchdog(Duration quietPeriod, Consumer<? super StallReport> listener) {
      Objects.requireNonNull(quietPeriod, "quietPeriod");
      Objects.requireNonNull(listener, "listener");
      if (quietPeriod.isNegative() || quietPeriod.isZero()) {
        throw new IllegalArgumentException("quietPeriod must be positive, got " + quietPeriod);
      }
      this.watchdogQuiet = quietPeriod;
      this.watchdogListener = listener;
      return this;
    }

    /**
     * Makes a parallel scheduler a GNU make jobserver client: of its carriers, one runs on the process's
     * implicit job token and every other one runs only while it holds a token taken from make, so the JVMs a
     * {@code make -jN} starts run at most {@code N} carriers in all. An {@linkplain Jobserver#isPresent()
     * empty} jobserver changes nothing; a deterministic scheduler, which has one carrier, ignores it. See
     * {@link Jobserver} for the rules and {@code docs/scheduler.md} for a Makefile.
     *
     * {@snippet :
     * Scheduler s = Scheduler.builder().parallel(8).jobserver(Jobserver.fromEnvironment()).build();
     * }
     */
    public Builder jobserver(Jobserver jobserver) {
      this.jobserver = Objects.requireNonNull(jobserver, "jobserver");
      return this;
    }

    /** Builds and starts the scheduler. */
    public Scheduler build() {
      AbstractScheduler s = deterministic
          ? new DeterministicScheduler(name, seed, strict, watchdogQuiet != null)
          : new ParallelScheduler(name, carriers, watchdogQuiet != null, jobserver);
      if (watchdogQuiet != null) {
        s.startWatchdog(watchdogQuiet, watchdogListener);
      }
      return s;
    }
  }
}
