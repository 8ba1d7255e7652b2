package dev.weft.flow;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * One execution of a {@link Pipeline}: its channels, its workers, and the stop protocol.
 *
 * <p><b>Wiring.</b> {@link #wire} walks the pipeline description from the sink back to the source, creating
 * one channel per connection and the workers of every stage, and registering every producer and consumer on
 * its channels before anything runs. The stages of a {@code fork} branch write straight into the fork's
 * output channel, which is how branch outputs are merged.
 *
 * <p><b>Threads.</b> The caller spawns one coordinator task. The coordinator spawns one task per worker,
 * then runs the sink itself, then joins every worker. Spawning from a single task keeps the order of events
 * fixed under {@code Scheduler.deterministic}.
 *
 * <p><b>States.</b> running → stopped, by the first of: a stage failure ({@link #fail}, which records the
 * stage and cause) or {@link #cancel}. Stopping happens once, under {@code lock}: it cancels every channel, so
 * blocked puts and takes fail at once, and interrupts every registered worker thread, so user code blocked
 * elsewhere (a {@code Scheduler.sleep}, a lock) wakes up. A worker registering after the stop is refused.
 * The coordinator sets {@code finished} once every worker has been joined; a cancel after that has no effect.
 */
final class FlowRun implements PipelineRun {
  private final Scheduler scheduler;
  /** Measures blocked time: the virtual clock in deterministic mode, so stats replay exactly. */
  final LongSupplier clock;
  private final List<StageWorker> workers = new ArrayList<>();
  private final List<Group> groups = new ArrayList<>();
  private final List<Channel> channels = new ArrayList<>();
  private final Map<Pipeline.HeadSpec, StageWorker.ForkWorker<?>> forks = new IdentityHashMap<>();
  private StageWorker.SinkWorker<?> sink;
  private volatile Task<Void> coordinator;

  private final ReentrantLock lock = new ReentrantLock();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean stopped;
  private boolean finished;
  private volatile boolean cancelled;
  private volatile String failedStage;
  private volatile Throwable failure;

  private record Group(String name, List<StageWorker> workers) {}

  private FlowRun(Scheduler scheduler) {
    this.scheduler = scheduler;
    this.clock = scheduler.isDeterministic() ? () -> toNanos(scheduler.now()) : System::nanoTime;
  }

  private static long toNanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  static <T> FlowRun start(Pipeline<T> pipeline, Scheduler scheduler, Pipeline.Sink<? super T> sink) {
    FlowRun run = new FlowRun(scheduler);
    Channel last = run.wire(pipeline, null);
    run.sink = new StageWorker.SinkWorker<>(run, "sink", sink, last);
    run.groups.add(new Group("sink", List.of(run.sink)));
    run.coordinator = scheduler.spawn("pipeline", run::coordinate);
    return run;
  }

  private Channel channel(int capacity) {
    Channel c = new Channel(capacity);
    channels.add(c);
    return c;
  }

  private void add(String name, StageWorker... stageWorkers) {
    groups.add(new Group(name, List.of(stageWorkers)));
    workers.addAll(List.of(stageWorkers));
  }

  /** Creates the workers of {@code p} and everything upstream; returns the channel {@code p} writes to. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private Channel wire(Pipeline<?> p, Channel forcedOut) {
    Pipeline.Spec spec = p.spec;
    if (spec instanceof Pipeline.HeadSpec head) {
      Channel ch = forcedOut != null ? forcedOut : channel(p.capacity);
      forks.get(head).addBranch(ch);
      return ch;
    }
    Channel in = p.upstream == null ? null : wire(p.upstream, null);
    Channel out = forcedOut != null ? forcedOut : channel(p.capacity);
    String name = p.name;
    switch (spec) {
      case Pipeline.IterableSpec s -> add(name, new StageWorker.IterableSource(this, name, s, out));
      case Pipeline.StreamSpec s -> add(name, new StageWorker.StreamSource(this, name, s, out));
      case Pipeline.LinesSpec s -> add(name, new StageWorker.LinesSource(this, name, s, out));
      case Pipeline.GeneratorSpec s -> add(name, new StageWorker.GeneratorSource(this, name, s.generator(), out));
      case Pipeline.MapSpec s -> {
        int n = s.workers();
        Sequencer sequencer = s.ordered() && n > 1 ? new Sequencer(2 * n) : null; // dropNulls has n == 1
        StageWorker[] ws = new StageWorker[n];
        for (int i = 0; i < n; i++) {
          String thread = n == 1 ? name : name + "-" + i;
          ws[i] = new StageWorker.MapWorker(this, name, thread, s.fn(), in, out, sequencer, s.dropNulls());
        }
        add(name, ws);
      }
      case Pipeline.FlatMapSpec s -> add(name, new StageWorker.FlatMapWorker(this, name, s.fn(), in, out));
      case Pipeline.FilterSpec s -> add(name, new StageWorker.FilterWorker(this, name, s.predicate(), in, out));
      case Pipeline.BatchSpec s -> add(name, new StageWorker.BatchWorker<>(this, name, s.size(), in, out));
      case Pipeline.TransformSpec s -> add(name, new StageWorker.TransformWorker(this, name, s.fn(), in, out));
      case Pipeline.ForkSpec s -> {
        StageWorker.ForkWorker<?> fork = new StageWorker.ForkWorker<>(this, name, in);
        add(name, fork);
        for (int i = 0; i < s.branches().size(); i++) {
          forks.put(s.heads().get(i), fork);
          wire(s.branches().get(i), out);
        }
      }
      case Pipeline.HeadSpec h -> throw new AssertionError(h);
    }
    return out;
  }

  private Void coordinate() {
    List<StageStatsEvent> events = beginEvents();
    List<Task<Void>> tasks = new ArrayList<>(workers.size());
    try {
      for (StageWorker w : workers) {
        tasks.add(scheduler.spawn(w.threadName, w));
      }
    } catch (RuntimeException | Error e) {
      fail("pipeline", e);
    }
    if (!stopped) {
      sink.call();
    }
    boolean interrupted = false;
    for (Task<Void> t : tasks) {
      while (true) {
        try {
          t.join();
          break;
        } catch (CancellationException e) {
          // Interrupted by cancel(); keep waiting, every worker is stopping.
          interrupted |= Thread.interrupted();
        }
      }
    }
    lock.lock();
    try {
      finished = true;
    } finally {
      lock.unlock();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    commitEvents(events);
    return null;
  }

  private List<StageStatsEvent> beginEvents() {
    if (!new StageStatsEvent().isEnabled()) {
      return List.of();
    }
    List<StageStatsEvent> events = new ArrayList<>(groups.size());
    for (int i = 0; i < groups.size(); i++) {
      StageStatsEvent e = new StageStatsEvent();
      e.begin();
      events.add(e);
    }
    return events;
  }

  private void commitEvents(List<StageStatsEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    List<StageStats> stats = stats();
    String outcome = failure != null ? "failed in " + failedStage : cancelled ? "cancelled" : "completed";
    for (int i = 0; i < events.size(); i++) {
      StageStatsEvent e = events.get(i);
      e.end();
      if (e.shouldCommit()) {
        StageStats st = stats.get(i);
        e.stage = st.name();
        e.workers = st.workers();
        e.itemsIn = st.itemsIn();
        e.itemsOut = st.itemsOut();
        e.starved = st.starved().toNanos();
        e.backpressured = st.backpressured().toNanos();
        e.outcome = outcome;
        e.commit();
      }
    }
  }

  void register(Thread thread) {
    lock.lock();
    try {
      if (stopped) {
        throw new ChannelCancelledException("pipeline stopped before the stage started");
      }
      threads.add(thread);
    } finally {
      lock.unlock();
    }
  }

  boolean isStopped() {
    return stopped;
  }

  void fail(String stage, Throwable cause) {
    stop(stage, cause);
  }

  @Override
  public void cancel() {
    stop(null, null);
  }

  private void stop(String stage, Throwable cause) {
    List<Thread> toInterrupt;
    lock.lock();
    try {
      if (stopped || finished) {
        return;
      }
      if (cause != null) {
        failedStage = stage;
        failure = cause;
      } else {
        cancelled = true;
      }
      stopped = true;
      toInterrupt = List.copyOf(threads);
    } finally {
      lock.unlock();
    }
    for (Channel c : channels) {
      c.cancel();
    }
    Thread self = Thread.currentThread();
    for (Thread t : toInterrupt) {
      if (t != self) {
        t.interrupt();
      }
    }
  }

  @Override
  public void join() {
    coordinator.join();
    report();
  }

  /** Join for the blocking terminals: an interrupt of the caller cancels the pipeline and waits for it. */
  void joinOrCancel() {
    try {
      coordinator.join();
    } catch (CancellationException e) {
      if (Thread.currentThread().isInterrupted()) {
        cancel();
        awaitUninterruptibly();
      }
      throw e;
    }
    report();
  }

  private void awaitUninterruptibly() {
    boolean interrupted = Thread.interrupted();
    while (true) {
      try {
        coordinator.join();
        break;
      } catch (CancellationException e) {
        interrupted |= Thread.interrupted();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void report() {
    Throwable cause = failure;
    if (cause != null) {
      throw new PipelineException(failedStage, cause);
    }
    if (cancelled) {
      throw new CancellationException("pipeline cancelled");
    }
  }

  @Override
  public boolean isDone() {
    return coordinator.isDone();
  }

  @Override
  public List<StageStats> stats() {
    List<StageStats> out = new ArrayList<>(groups.size());
    for (Group g : groups) {
      long in = 0;
      long o = 0;
      long starved = 0;
      long back = 0;
      for (StageWorker w : g.workers()) {
        WorkerCounters c = w.counters;
        in += c.in;
        o += c.out;
        starved += c.starvedNanos;
        back += c.backpressuredNanos;
      }
      out.add(new StageStats(g.name(), g.workers().size(), in, o, Duration.ofNanos(starved), Duration.ofNanos(back)));
    }
    return out;
  }
}
