package dev.weft.demo;

import dev.weft.query.Diagnostic;
import dev.weft.query.Durability;
import dev.weft.query.EngineStats;
import dev.weft.query.Evaluation;
import dev.weft.query.MemoStore;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Jobserver;
import dev.weft.scheduler.Scheduler;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One analysis of one {@link SourceTree}: a cold run, then optionally re-runs after edits. Two
 * implementations run the same {@link Analysis} bodies: {@link OnEngine} on a Weft {@link QueryEngine},
 * {@link Baseline} on the plain {@link SequentialContext}.
 */
abstract sealed class AnalysisRun implements AutoCloseable {

  /**
   * Counters of one run (differences between two snapshots of the engine's counters).
   *
   * @param executions bodies run
   * @param hits reads served from a memo
   * @param waits reads that parked for another task
   * @param cycles dependency cycles detected
   * @param verifications memos checked against their dependencies in a new revision
   * @param reExecutions verified memos whose body ran again
   * @param cutoffs re-executions that produced an equal value
   * @param lookedUp memos looked up in the store (0 without one)
   * @param reused memos completed from a stored trace, with no body run
   * @param mismatched stored traces tried and not reused
   * @param decoded stored values decoded (a reused memo's value is decoded only when something reads it)
   */
  record Counters(long executions, long hits, long waits, long cycles, long verifications, long reExecutions,
      long cutoffs, long lookedUp, long reused, long mismatched, long decoded) {
    /** Counters of a run without a store. */
    Counters(long executions, long hits, long waits, long cycles, long verifications, long reExecutions,
        long cutoffs) {
      this(executions, hits, waits, cycles, verifications, reExecutions, cutoffs, 0, 0, 0, 0);
    }

    static Counters of(EngineStats s) {
      return new Counters(s.executions(), s.hits(), s.waits(), s.cycles(), s.verifications(), s.reExecutions(),
          s.cutoffs(), s.tracesLookedUp(), s.tracesReused(), s.tracesMismatched(), s.valuesLoaded());
    }

    Counters minus(Counters o) {
      return new Counters(executions - o.executions, hits - o.hits, waits - o.waits, cycles - o.cycles,
          verifications - o.verifications, reExecutions - o.reExecutions, cutoffs - o.cutoffs,
          lookedUp - o.lookedUp, reused - o.reused, mismatched - o.mismatched, decoded - o.decoded);
    }
  }

  /** The result of one evaluation of {@code report(tree)}, with its diagnostics, counters and timing. */
  record Outcome(Report report, Optional<Throwable> failure, List<Diagnostic> diagnostics, Counters counters,
      long wallNanos, long cpuNanos) {}

  final Analysis analysis;
  final SourceTree tree;

  AnalysisRun(SourceTree tree, Runnable onParsed) {
    this.tree = tree;
    this.analysis = new Analysis(onParsed);
  }

  /** Evaluates {@code report(tree)} in the current state. */
  abstract Outcome analyse();

  /** Replaces the text of {@code file} (the next {@link #analyse()} sees it). */
  abstract void edit(String file, String text);

  /** Reads a value of the last analysis (a memo hit after {@link #analyse()}). */
  abstract <K, V> V read(Query<K, V> query, K key);

  /** How this run executes, for the report header. */
  abstract String describe();

  /** The revision after the last change, or -1 without revisions. */
  abstract long revision();

  /** How the inputs were marked durable and what that buys an edit, or {@code null} without revisions. */
  abstract String durability();

  @Override
  public abstract void close();

  /** CPU time of the whole process (all threads, GC and JIT included), or -1 when unavailable. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }

  /**
   * One checkpoint of the engine to its store.
   *
   * @param tracesStored traces written (memos computed since the last checkpoint)
   * @param nanos how long it took
   * @param storeNanos how much of it the local store took to write, or -1 without one
   */
  record Checkpoint(long tracesStored, long nanos, long storeNanos) {}

  /** The analysis on a Weft query engine. */
  static final class OnEngine extends AnalysisRun {
    /** The engine's name: the namespace of its memos in a store. */
    static final String ENGINE_NAME = "weft-demo";

    private final Scheduler scheduler;
    private final QueryEngine engine;
    private final String description;
    private Consumer<UncheckedIOException> closeFailure;

    /** @param seed a deterministic run's seed, or {@code null} for {@code parallel(threads)} */
    OnEngine(SourceTree tree, Runnable onParsed, int threads, Long seed) {
      this(tree, onParsed, threads, seed, Jobserver.none(), null);
    }

    /**
     * @param jobserver for a parallel run, the make jobserver its carriers take job slots from
     * @param store where the engine looks up memos it has not computed and checkpoints to, or {@code null}; the
     *     engine does not close it
     */
    OnEngine(SourceTree tree, Runnable onParsed, int threads, Long seed, Jobserver jobserver, MemoStore store) {
      super(tree, onParsed);
      if (seed != null) {
        scheduler = Scheduler.builder().deterministic(seed).name("weft-demo").build();
        description = "Weft, deterministic(seed " + seed + "): one carrier, seeded schedule";
      } else {
        scheduler = Scheduler.builder().parallel(threads).name("weft-demo").jobserver(jobserver).build();
        description = "Weft, parallel(" + threads + "): " + threads + (threads == 1 ? " carrier" : " carriers")
            + (jobserver.isPresent() ? ", job slots from the make jobserver" : "");
      }
      QueryEngine e;
      try {
        QueryEngine.Builder b = QueryEngine.builder().scheduler(scheduler).name(ENGINE_NAME);
        if (store != null) {
          b.store(store).queries(analysis.queries().toArray(Query<?, ?>[]::new));
        }
        e = b.build();
        e.update(tx -> { // one revision for the whole tree
          tx.set(analysis.files, Analysis.TREE, tree.files(), Durability.HIGH);
          tx.setAll(analysis.source, tree.sources());
        });
      } catch (RuntimeException ex) {
        scheduler.close();
        throw ex;
      }
      engine = e;
    }

    @Override
    Outcome analyse() {
      Counters before = Counters.of(engine.stats());
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      Evaluation<Report> ev = engine.evaluate(analysis.report, Analysis.TREE);
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      Counters delta = Counters.of(engine.stats()).minus(before);
      Report value = ev.failure().isPresent() ? null : ev.value();
      return new Outcome(value, ev.failure(), ev.diagnostics(), delta, wall, cpu);
    }

    @Override
    <K, V> V read(Query<K, V> query, K key) {
      return engine.get(query, key);
    }

    /**
     * Writes the engine's memos to its store ({@link QueryEngine#checkpoint}) and returns what it wrote and
     * how long it took.
     *
     * @param local the local store among the engine's stores, whose share of the time is reported, or null
     */
    Checkpoint checkpoint(MemoStore local) {
      EngineStats before = engine.stats();
      long store0 = local == null ? 0 : local.stats().writeNanos();
      long t0 = System.nanoTime();
      engine.checkpoint();
      long nanos = System.nanoTime() - t0;
      return new Checkpoint(engine.stats().minus(before).tracesStored(), nanos,
          local == null ? -1 : local.stats().writeNanos() - store0);
    }

    @Override
    void edit(String file, String text) {
      engine.set(analysis.source, file, SourceText.of(text));
    }

    @Override
    String describe() {
      return description;
    }

    @Override
    long revision() {
      return engine.revision();
    }

    /**
     * The demo reads nothing but the analysed modules' sources and their list. The list is fixed for a run (an
     * edit changes a file's text, never the list), so it is set HIGH; the sources are what an edit changes, so
     * they are LOW. Every derived memo reads some source, so none is HIGH-only: after an edit no memo is
     * current by its durability alone, and what keeps verification to the edit's cone is the input filter.
     */
    @Override
    String durability() {
      return String.format(Locale.ROOT, "the file list HIGH, %,d sources LOW; every memo read a source, so"
          + " none was current by durability alone", tree.files().size());
    }

    /**
     * Handles a failure of the engine's last checkpoint in {@link #close} (the store cannot be written), which
     * otherwise propagates.
     */
    void onCloseFailure(Consumer<UncheckedIOException> handler) {
      closeFailure = handler;
    }

    @Override
    public void close() {
      try {
        engine.close();
      } catch (UncheckedIOException e) {
        if (closeFailure == null) {
          throw e;
        }
        closeFailure.accept(e);
      } finally {
        scheduler.close();
      }
    }
  }

  /**
   * The analysis as plain sequential code: the same bodies on a {@link SequentialContext}. It has no
   * revisions, so after an edit it analyses everything again from an empty memo.
   */
  static final class Baseline extends AnalysisRun {
    private SequentialContext ctx;
    private final Map<String, SourceText> edits = new HashMap<>();

    Baseline(SourceTree tree, Runnable onParsed) {
      super(tree, onParsed);
    }

    @Override
    Outcome analyse() {
      ctx = new SequentialContext(analysis);
      ctx.set(analysis.files, Analysis.TREE, tree.files());
      for (String f : tree.files()) {
        ctx.set(analysis.source, f, edits.getOrDefault(f, tree.sources().get(f)));
      }
      long cpu0 = processCpuNanos();
      long t0 = System.nanoTime();
      Report value = null;
      Optional<Throwable> failure = Optional.empty();
      try {
        value = ctx.get(analysis.report, Analysis.TREE);
      } catch (RuntimeException e) {
        failure = Optional.of(e);
      }
      long wall = System.nanoTime() - t0;
      long cpu = processCpuNanos() - cpu0;
      Counters counters = new Counters(ctx.executions(), ctx.hits(), 0, ctx.cycles(), 0, 0, 0);
      return new Outcome(value, failure, ctx.diagnostics(), counters, wall, cpu);
    }

    @Override
    <K, V> V read(Query<K, V> query, K key) {
      return ctx.get(query, key);
    }

    @Override
    void edit(String file, String text) {
      edits.put(file, SourceText.of(text));
    }

    @Override
    String describe() {
      return "baseline: the same query bodies as plain sequential code with a HashMap memo (no Weft)";
    }

    @Override
    long revision() {
      return -1;
    }

    @Override
    String durability() {
      return null;
    }

    @Override
    public void close() {}
  }
}
