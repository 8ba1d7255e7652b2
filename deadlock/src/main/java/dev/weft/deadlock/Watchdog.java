package dev.weft.deadlock;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;

/**
 * A backstop for waits that no wait-for graph sees (a latch nobody counts down, a lost signal, a wait on
 * something outside Weft): when watched threads are blocked and nothing has progressed for a quiet period, it
 * reports a {@link StallReport} to its listeners, as a JFR event {@code weft.Stall} and to the
 * {@link System.Logger} {@code dev.weft.deadlock} at {@code WARNING}. It reports; it never interrupts or kills.
 *
 * {@snippet :
 * AtomicLong progress = new AtomicLong(); // incremented by the watched work whenever it advances
 * try (Watchdog watchdog = Watchdog.builder()
 *     .name("build")
 *     .threads(() -> workers) // the threads to inspect, read again on every poll
 *     .progress(progress::get)
 *     .quietPeriod(Duration.ofSeconds(30))
 *     .graph(TrackedLock.waitForGraph()) // include the tracked locks' edges in reports
 *     .listener(report -> System.err.println(report))
 *     .start()) {
 *   // ... start the workers and wait for them
 * }
 * }
 * (From {@code DocSnippetsTest}.)
 *
 * <p><b>Stall episodes.</b> The watchdog polls on one daemon platform thread. On each poll it reads the thread
 * source and the progress signal. A thread counts as blocked in state {@code BLOCKED}, {@code WAITING} or
 * {@code TIMED_WAITING}. States:
 * <ul>
 *   <li><i>quiet</i>: the clock starts at the first poll that sees a blocked thread, and restarts whenever the
 *       progress value changes or no watched thread is blocked.</li>
 *   <li><i>stalled</i>: once the clock reaches the quiet period, one report is produced and the episode stays
 *       open; later polls of the same episode report nothing.</li>
 *   <li>The episode closes when progress changes or no watched thread is blocked; a new episode needs a new
 *       quiet period.</li>
 * </ul>
 * Without a {@link Builder#progress progress signal}, progress means "the set of blocked threads, their
 * states or their blockers changed", so a stall is the same threads blocked on the same objects for the whole
 * quiet period.
 *
 * <p><b>Use from a scheduler.</b> A scheduler that wants this backstop starts one watchdog per scheduler
 * instance: {@code threads} returns its live task threads, {@code progress} a counter it bumps whenever a task
 * starts, completes or is woken, {@code graph} the graphs its engine keeps (plus {@link
 * TrackedLock#waitForGraph()}), and it closes the watchdog in its own {@code close}. Each poll reads only
 * thread states, blockers and the progress signal, which wakes no task, so under a deterministic scheduler
 * polling neither perturbs the interleaving nor counts as a foreign wakeup. Its timing is real time, not the
 * scheduler's virtual clock.
 *
 * <p><b>Threading.</b> The thread source, the progress signal and the listeners are called on the watchdog's
 * thread, one at a time, and must be thread-safe with respect to the watched work. An exception from any of
 * them is logged and the watchdog keeps running. {@link #close} stops the thread and waits for it (unless
 * called from a listener).
 *
 * @implNote Stacks and graph edges are read only when a report is produced. Capturing the stack of an
 *     unmounted virtual thread suspends it for that instant, and reading a graph's edges holds the graph's
 *     lock for a moment; if a task is unparked during the former, or blocks on the graph's lock during the
 *     latter, it is resumed from the watchdog's thread, which a deterministic scheduler counts as a foreign
 *     wakeup. In a real stall no watched task runs, so this can happen only when the progress signal missed
 *     progress (a false alarm).
 */
public final class Watchdog implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger("dev.weft.deadlock");

  private final String name;
  private final long quietNanos;
  private final long pollNanos;
  private final Supplier<? extends Collection<Thread>> threads;
  private final LongSupplier progress; // null: fingerprint of the blocked threads
  private final List<WaitForGraph.View<?>> graphs;
  private final List<Consumer<? super StallReport>> listeners;
  private final Thread thread;
  private volatile boolean closed;

  // Poll state, confined to the watchdog thread.
  private boolean started;
  private long lastValue;
  private long quietSince;
  private boolean episodeOpen;
  private boolean sourceFailureLogged;
  private boolean progressFailureLogged;
  private boolean pollFailureLogged;

  private Watchdog(Builder b) {
    this.name = b.name;
    this.quietNanos = b.quietPeriod.toNanos();
    this.pollNanos = b.pollInterval != null
        ? b.pollInterval.toNanos()
        : Math.clamp(quietNanos / 4, 1_000_000L, 1_000_000_000L);
    this.threads = b.threads;
    this.progress = b.progress;
    this.graphs = List.copyOf(b.graphs);
    this.listeners = List.copyOf(b.listeners);
    this.thread = Thread.ofPlatform().name(name).daemon(true).unstarted(this::run);
  }

  /** A builder; {@link Builder#threads} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** This watchdog's name, also the name of its thread. */
  public String name() {
    return name;
  }

  /** Stops polling. Idempotent; waits for the watchdog thread to end unless called on it. */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    if (Thread.currentThread() == thread) {
      return;
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "Watchdog[" + name + (closed ? ", closed]" : "]");
  }

  private void run() {
    while (!closed) {
      try {
        poll(System.nanoTime());
      } catch (RuntimeException e) {
        if (!pollFailureLogged) {
          pollFailureLogged = true;
          LOG.log(System.Logger.Level.ERROR, "watchdog " + name + " failed to poll (logged once)", e);
        }
      }
      if (!closed) {
        LockSupport.parkNanos(this, pollNanos);
      }
    }
  }

  private void poll(long now) {
    List<Thread> blocked = blockedThreads();
    long value = progress(blocked);
    if (!started || value != lastValue || blocked.isEmpty()) {
      started = true;
      lastValue = value;
      quietSince = now;
      episodeOpen = false;
      return;
    }
    if (episodeOpen || now - quietSince < quietNanos) {
      return;
    }
    StallReport report = report(blocked, Duration.ofNanos(now - quietSince));
    if (report.threads().isEmpty()) {
      return; // they all moved on while being inspected; look again next poll
    }
    episodeOpen = true;
    deliver(report);
  }

  /** The progress value; a failing signal is logged once and replaced by the blocked threads' fingerprint. */
  private long progress(List<Thread> blocked) {
    if (progress != null) {
      try {
        return progress.getAsLong();
      } catch (RuntimeException e) {
        if (!progressFailureLogged) {
          progressFailureLogged = true;
          LOG.log(System.Logger.Level.ERROR, "watchdog " + name + ": the progress signal failed (logged once); "
              + "using the blocked threads as the signal while it fails", e);
        }
      }
    }
    return fingerprint(blocked);
  }

  private List<Thread> blockedThreads() {
    Collection<Thread> source;
    try {
      source = threads.get();
    } catch (RuntimeException e) {
      if (!sourceFailureLogged) {
        sourceFailureLogged = true;
        LOG.log(System.Logger.Level.ERROR, "watchdog " + name + ": the thread source failed (logged once)", e);
      }
      return List.of();
    }
    if (source == null) {
      return List.of();
    }
    List<Thread> blocked = new ArrayList<>();
    for (Thread t : source) {
      if (t != null && isBlocked(t.getState())) {
        blocked.add(t);
      }
    }
    return blocked;
  }

  private static boolean isBlocked(Thread.State s) {
    return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
  }

  private static long fingerprint(List<Thread> blocked) {
    long h = 1;
    for (Thread t : blocked) {
      h = 31 * h + t.threadId();
      h = 31 * h + t.getState().ordinal();
      h = 31 * h + System.identityHashCode(LockSupport.getBlocker(t));
    }
    return h;
  }

  private StallReport report(List<Thread> blocked, Duration quietFor) {
    Map<Object, Object> edges = new LinkedHashMap<>();
    for (WaitForGraph.View<?> g : graphs) {
      g.edges().forEach(edges::putIfAbsent);
    }
    List<StallReport.BlockedThread> infos = new ArrayList<>(blocked.size());
    for (Thread t : blocked) {
      Object blocker = LockSupport.getBlocker(t);
      StackTraceElement[] stack = t.getStackTrace();
      Thread.State state = t.getState();
      if (!isBlocked(state)) {
        continue; // woke up between the poll and the inspection
      }
      infos.add(new StallReport.BlockedThread(t.getName(), t.threadId(), t.isVirtual(), state,
          blocker == null ? null : String.valueOf(blocker), Arrays.asList(stack)));
    }
    return new StallReport(name, Instant.now(), quietFor, edges, infos);
  }

  private void deliver(StallReport report) {
    StallEvent event = new StallEvent();
    if (event.shouldCommit()) {
      event.watchdog = name;
      event.quietFor = report.quietFor().toMillis();
      event.blockedThreads = report.threads().size();
      event.threadNames = String.join(", ", report.threadNames());
      event.waitForEdges = report.waitsFor().size();
      event.report = report.toString();
      event.commit();
    }
    if (LOG.isLoggable(System.Logger.Level.WARNING)) {
      LOG.log(System.Logger.Level.WARNING, report.toString());
    }
    // Listeners last: the event and the log line exist by the time a listener sees the report.
    for (Consumer<? super StallReport> l : listeners) {
      try {
        l.accept(report);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "watchdog " + name + ": a stall listener failed", e);
      }
    }
  }

  /**
   * Options for a {@link Watchdog}. Only {@link #threads} is required; {@link #start} validates and starts it.
   */
  public static final class Builder {
    private String name = "weft-watchdog";
    private Duration quietPeriod = Duration.ofSeconds(10);
    private Duration pollInterval;
    private Supplier<? extends Collection<Thread>> threads;
    private LongSupplier progress;
    private final List<WaitForGraph.View<?>> graphs = new ArrayList<>();
    private final List<Consumer<? super StallReport>> listeners = new ArrayList<>();

    private Builder() {}

    /** The name used for the thread, reports, events and log lines. Default {@code weft-watchdog}. */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * How long blocked threads and an unchanged progress signal must last before a stall is declared.
     * Default 10 seconds.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder quietPeriod(Duration quietPeriod) {
      this.quietPeriod = positive(quietPeriod, "quietPeriod");
      return this;
    }

    /**
     * How often to poll. Default a quarter of the quiet period, between 1 ms and 1 s. A stall is declared
     * between one quiet period and one quiet period plus one poll interval after it began.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder pollInterval(Duration pollInterval) {
      this.pollInterval = positive(pollInterval, "pollInterval");
      return this;
    }

    /** The threads to inspect, read again on every poll (so it may return a live view). Required. */
    public Builder threads(Supplier<? extends Collection<Thread>> threads) {
      this.threads = Objects.requireNonNull(threads, "threads");
      return this;
    }

    /**
     * A value that changes whenever the watched work progresses (a counter of completed steps, for
     * instance). Default: the identity, state and blocker of the blocked threads, which is also used while
     * this signal throws.
     */
    public Builder progress(LongSupplier progress) {
      this.progress = Objects.requireNonNull(progress, "progress");
      return this;
    }

    /**
     * A wait-for graph whose edges go into every report (a graph of one's own through
     * {@link WaitForGraph#view()}). May be called more than once.
     */
    public Builder graph(WaitForGraph.View<?> graph) {
      graphs.add(Objects.requireNonNull(graph, "graph"));
      return this;
    }

    /** Receives each report, on the watchdog thread. May be called more than once; called in order. */
    public Builder listener(Consumer<? super StallReport> listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Builds the watchdog and starts its thread.
     *
     * @throws IllegalStateException if no thread source was given
     */
    public Watchdog start() {
      if (threads == null) {
        throw new IllegalStateException("Watchdog.builder().threads(...) is required");
      }
      Watchdog w = new Watchdog(this);
      w.thread.start();
      return w;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
