package dev.weft.bench;

import dev.weft.bench.ToyLang.Edit;
import dev.weft.bench.ToyLang.EditKind;
import dev.weft.bench.ToyLang.Program;
import dev.weft.query.Diagnostic;
import dev.weft.query.EngineStats;
import dev.weft.query.Evaluation;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The {@code toy-build-*} workloads: a generated multi-module {@link ToyLang} program built by Weft queries
 * and by plain sequential Java ({@link ToyBuild}), from scratch and after one-file edits. Every Weft run is
 * checked against the plain build of the same sources: the same result and the same diagnostics in the same
 * order (all of them when an alternative opens, the count on every run after).
 *
 * <p>Beside the one-build rows, the machine's own ceiling for two carriers: two independent builds at once on two
 * platform threads, plain Java and Weft on {@code parallel(1)} (one engine and scheduler per thread). Two carriers
 * cannot make one build faster than two independent builds go on this machine, so the {@code parallel(2)} target
 * reads against those ratios.
 *
 * <p>Sizes: {@code --toy-modules N} and {@code --toy-seed S} of the runner (system properties
 * {@code weft.bench.toy.modules} and {@code weft.bench.toy.seed}); 2,000 modules and seed 42 by default.
 */
final class ToyWorkloads {
  private ToyWorkloads() {}

  static final String SCRATCH = "toy-build-scratch";
  static final String ON_ONE = "Weft, parallel(1)";
  static final String ON_TWO = "Weft, parallel(2)";
  static final String PLAIN = "plain sequential Java, HashMap memos";
  static final String PLAIN_EDIT = "plain sequential Java, from scratch with the edit";
  static final String PLAIN_PAIR = "plain sequential Java, two builds at once on two platform threads (per build)";
  static final String ON_ONE_PAIR =
      "Weft, parallel(1), two engines building at once on two platform threads (per build)";
  static final String SHARED_ONE = "plain Java, ConcurrentHashMap memos, one thread";
  static final String SHARED_TWO = "plain Java, ConcurrentHashMap memos, one build on two platform threads";
  /** The engine's paths are compiled late; with 1 s of warmup a build still runs partly interpreted. */
  static final long WARMUP_MS = 5_000;

  static String editWorkload(EditKind kind) {
    return "toy-build-edit-" + kind.label();
  }

  /** The plain builds every Weft run is checked against, per program. */
  private record Reference(Program program, ToyPlain scratch, Map<EditKind, ToyPlain> edited) {}

  private static Reference reference;

  private static synchronized Reference reference() {
    Program p = ToyLang.program();
    if (reference == null || reference.program() != p) {
      Map<EditKind, ToyPlain> edited = new EnumMap<>(EditKind.class);
      for (Edit e : p.edits().values()) {
        edited.put(e.kind(), ToyPlain.build(p.modules(), p.with(e)));
      }
      reference = new Reference(p, ToyPlain.build(p.modules(), p.sources()), edited);
    }
    return reference;
  }

  static List<Workload> workloads() {
    List<Workload> list = new ArrayList<>();
    list.add(Workload.builder(SCRATCH, "build a generated toy-language program of "
                + Integer.getInteger("weft.bench.toy.modules", ToyLang.DEFAULT_MODULES)
                + " modules from scratch (parse, exports, resolve imports with getAll, layers, evaluate and"
                + " type-check definitions across modules, diagnostics; import and definition cycles with fallbacks);"
                + " fresh engine per build")
        .unit("ms/build", 1).millis().perQuery(() -> reference().scratch().executions()).minWarmup(WARMUP_MS)
        .add(Alternative.weft(ON_ONE, () -> scratch(1)))
        .add(Alternative.weft(ON_TWO, () -> scratch(2)))
        .add(Alternative.baseline(PLAIN, ToyWorkloads::plainScratch))
        .add(Alternative.weft(ON_ONE_PAIR, ToyWorkloads::scratchPair))
        .add(Alternative.baseline(PLAIN_PAIR, ToyWorkloads::plainPair))
        .add(Alternative.baseline(SHARED_ONE, () -> shared(false)))
        .add(Alternative.baseline(SHARED_TWO, () -> shared(true)))
        .target("issue 16: toy build from scratch, parallel(1) ≤ 1.2x plain sequential",
            m -> ratioAtMost(m, ON_ONE, PLAIN, 1.2))
        .target("issue 16: toy build from scratch, parallel(2) ≥ 1.5x faster than parallel(1)",
            m -> withCeiling(m, Workload.Verdict.ratioAtLeast(ON_ONE, ON_TWO, 1.5).apply(m)))
        .build());
    for (EditKind kind : EditKind.values()) {
      Workload.Builder b = Workload.builder(editWorkload(kind), "after a one-file " + kind.label() + " edit ("
              + describe(kind) + "): set the source, re-evaluate the root; engine kept, edit toggled back and"
              + " forth")
          .unit("ms/edit", 1).millis().perQuery(() -> reference().scratch().executions()).minWarmup(WARMUP_MS)
          .add(Alternative.weft(ON_ONE + ", set + evaluate", () -> edit(kind, 1)))
          .add(Alternative.weft(ON_TWO + ", set + evaluate", () -> edit(kind, 2)))
          .add(Alternative.baseline(PLAIN_EDIT, () -> plainEdit(kind)));
      if (kind == EditKind.COMMENT) {
        b.target("issue 16: comment-only edit ≤ 3 ms", Workload.Verdict.atMost(ON_ONE + ", set + evaluate", 3, "ms"));
      }
      list.add(b.build());
    }
    return list;
  }

  private static String describe(EditKind kind) {
    return switch (kind) {
      case COMMENT -> "a comment's text";
      case LITERAL -> "the literal of one unreferenced definition";
      case IMPORT -> "one more import of a module already depended on";
    };
  }

  private static Workload.Verdict ratioAtMost(Workload.Medians m, String slow, String base, double limit) {
    return m.of(slow).flatMap(s -> m.of(base).map(p -> {
      String d = String.format(Locale.ROOT, "%s / %s = %.2fx (target ≤ %.2fx)", slow, base, s / p, limit);
      return s / p <= limit ? Workload.Verdict.met(d) : Workload.Verdict.missed(d);
    })).orElse(Workload.Verdict.notMeasurable("not measured"));
  }

  /** {@code v} with the machine's ceiling for two builds at once appended, where it was measured. */
  private static Workload.Verdict withCeiling(Workload.Medians m, Workload.Verdict v) {
    String ceiling = ceiling(m.of(PLAIN).orElse(null), m.of(PLAIN_PAIR).orElse(null),
        m.of(ON_ONE).orElse(null), m.of(ON_ONE_PAIR).orElse(null));
    ceiling = join(ceiling, shared(m.of(SHARED_ONE).orElse(null), m.of(SHARED_TWO).orElse(null)));
    return ceiling.isEmpty() ? v : new Workload.Verdict(v.status(), v.detail() + "; " + ceiling);
  }

  /** The throughput two builds at once reach over one alone, plain and Weft; empty when neither was measured. */
  static String ceiling(Double plain, Double plainPair, Double one, Double onePair) {
    List<String> out = new ArrayList<>();
    if (plain != null && plainPair != null) {
      out.add(String.format(Locale.ROOT, "plain Java %.2fx", plain / plainPair));
    }
    if (one != null && onePair != null) {
      out.add(String.format(Locale.ROOT, "Weft parallel(1) %.2fx", one / onePair));
    }
    return out.isEmpty() ? "" : "the machine's ceiling, two independent builds at once against one alone: "
        + String.join(", ", out);
  }

  /** What one build shared by two platform threads reaches over the same code on one; empty if not measured. */
  static String shared(Double one, Double two) {
    return one == null || two == null ? "" : String.format(Locale.ROOT, "one plain build shared by two platform"
        + " threads against the same code on one: %.2fx", one / two);
  }

  private static String join(String a, String b) {
    return a.isEmpty() || b.isEmpty() ? a + b : a + "; " + b;
  }

  // ------------------------------------------------------------------------------------------------ Weft

  private static Measured scratch(int carriers) {
    Reference ref = reference();
    Program p = ref.program();
    ToyWeft q = new ToyWeft();
    Scheduler scheduler = Scheduler.parallel(carriers);
    String note;
    try (QueryEngine engine = engine(scheduler)) {
      q.load(engine, p.modules(), p.sources());
      long spawned = scheduler.stats().spawned();
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.scratch(), "from scratch");
      EngineStats s = engine.stats();
      note = String.format(Locale.ROOT, "per build: %,d executed, %,d hits, %,d waits, %,d cycles, %,d virtual"
          + " threads spawned", s.executions(), s.hits(), s.waits(), s.cycles(), scheduler.stats().spawned() - spawned);
    } catch (RuntimeException | Error e) {
      scheduler.close();
      throw e;
    }
    int expected = ref.scratch().diagnostics().size();
    return new Measured() {
      @Override
      public String note() {
        return note;
      }

      @Override
      public long run(long iterations) {
        long total = 0;
        for (long i = 0; i < iterations; i++) {
          try (QueryEngine engine = engine(scheduler)) {
            q.load(engine, p.modules(), p.sources());
            long t0 = System.nanoTime();
            Evaluation<ToyBuild.Result> e = engine.evaluate(q.build, ToyBuild.ROOT);
            total += System.nanoTime() - t0;
            quickAgree(e, ref.scratch().result(), expected);
          }
        }
        return total;
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  private static Measured edit(EditKind kind, int carriers) {
    Reference ref = reference();
    Program p = ref.program();
    Edit edit = p.edits().get(kind);
    ToyWeft q = new ToyWeft();
    Scheduler scheduler = Scheduler.parallel(carriers);
    QueryEngine engine = engine(scheduler);
    String note;
    try {
      q.load(engine, p.modules(), p.sources());
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.scratch(), "from scratch");
      // One edit and its undo first: the second revision after an evaluation builds the engine's dirty-cone
      // index (ADR 0084), so the counts below are those of every later edit, the ones the samples time.
      engine.set(q.source, edit.module(), edit.after());
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.edited().get(kind), "after the first edit");
      engine.set(q.source, edit.module(), edit.before());
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.scratch(), "after undoing the first edit");
      EngineStats before = engine.stats();
      long spawned = scheduler.stats().spawned();
      engine.set(q.source, edit.module(), edit.after());
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.edited().get(kind), "after the edit");
      note = delta(before, engine.stats()) + String.format(Locale.ROOT, ", %,d virtual threads spawned",
          scheduler.stats().spawned() - spawned);
      engine.set(q.source, edit.module(), edit.before());
      agree(engine.evaluate(q.build, ToyBuild.ROOT), ref.scratch(), "after undoing the edit");
    } catch (RuntimeException | Error e) {
      engine.close();
      scheduler.close();
      throw e;
    }
    String perEdit = note;
    return new Measured() {
      private boolean edited;

      @Override
      public long run(long iterations) {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          edited = !edited;
          engine.set(q.source, edit.module(), edited ? edit.after() : edit.before());
          Evaluation<ToyBuild.Result> e = engine.evaluate(q.build, ToyBuild.ROOT);
          ToyPlain expected = edited ? ref.edited().get(kind) : ref.scratch();
          quickAgree(e, expected.result(), expected.diagnostics().size());
        }
        return System.nanoTime() - t0;
      }

      @Override
      public String note() {
        return "per edit: " + perEdit;
      }

      @Override
      public void close() {
        engine.close();
        scheduler.close();
      }
    };
  }

  private static String delta(EngineStats a, EngineStats b) {
    return String.format(Locale.ROOT, "%,d executed, %,d verified (%,d of them re-executed, %,d cut off), %,d hits",
        b.executions() - a.executions(), b.verifications() - a.verifications(),
        b.reExecutions() - a.reExecutions(), b.cutoffs() - a.cutoffs(), b.hits() - a.hits());
  }

  private static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).name("toy").build();
  }

  // ----------------------------------------------------------------------------------------------- plain

  private static Measured plainScratch() {
    Reference ref = reference();
    Program p = ref.program();
    return new Measured() {
      @Override
      public long run(long iterations) {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          ToyPlain b = ToyPlain.build(p.modules(), p.sources());
          if (!b.result().equals(ref.scratch().result())) {
            throw new IllegalStateException("plain build differs between runs");
          }
        }
        return System.nanoTime() - t0;
      }

      @Override
      public String note() {
        return String.format(Locale.ROOT, "%,d query bodies per build, %,d diagnostics, result %s",
            ref.scratch().executions(), ref.scratch().diagnostics().size(), ref.scratch().result());
      }
    };
  }

  /**
   * One build of {@link ToyShared} per iteration, on the calling thread alone or with a second platform thread
   * (one for the whole run, as a scheduler's carriers are) taking the back of the root's fan-outs.
   */
  private static Measured shared(boolean two) {
    Reference ref = reference();
    Program p = ref.program();
    ExecutorService helper = two ? Executors.newSingleThreadExecutor(r -> {
      Thread t = Thread.ofPlatform().name("toy-shared-helper").unstarted(r);
      t.setDaemon(true);
      return t;
    }) : null;
    return new Measured() {
      private long builds;
      private long differed;
      private long executions;
      private long waits;
      private long duplicates;

      @Override
      public long run(long iterations) throws Exception {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          ToyShared b = new ToyShared(p.modules(), p.sources());
          Future<?> helped = two ? helper.submit(b::help) : null;
          ToyBuild.Result r;
          try {
            r = b.build();
          } finally {
            if (helped != null) {
              helped.get();
            }
          }
          builds++;
          differed += r.equals(ref.scratch().result()) ? 0 : 1;
          executions += b.executions();
          waits += b.waits();
          duplicates += b.duplicates();
        }
        return System.nanoTime() - t0;
      }

      @Override
      public String note() {
        if (builds == 0) {
          return null;
        }
        return String.format(Locale.ROOT, "per build: %,d query bodies, %,d waits on the other thread, %,d computed"
            + " twice rather than waiting; %,d of %,d builds' results differed from the sequential build's (a"
            + " cycle across both threads)", executions / builds, waits / builds, duplicates / builds, differed,
            builds);
      }

      @Override
      public void close() {
        if (helper != null) {
          helper.shutdownNow();
        }
      }
    };
  }

  private static Measured plainEdit(EditKind kind) {
    Reference ref = reference();
    Program p = ref.program();
    Map<String, String> after = p.with(p.edits().get(kind));
    return new Measured() {
      private boolean edited;

      @Override
      public long run(long iterations) {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          edited = !edited;
          ToyPlain b = ToyPlain.build(p.modules(), edited ? after : p.sources());
          if (!b.result().equals((edited ? ref.edited().get(kind) : ref.scratch()).result())) {
            throw new IllegalStateException("plain build differs between runs");
          }
        }
        return System.nanoTime() - t0;
      }
    };
  }

  // ------------------------------------------------------------------------------------- two at once

  /** One side of a pair: {@code prepare} makes what {@code iterations} builds need, untimed. */
  private interface Side {
    Prepared prepare(long iterations);
  }

  /** The builds of one side, and what to release once both sides are done (untimed). */
  private record Prepared(Runnable builds, Runnable after) {}

  /**
   * Two builds at once: each of two new platform threads prepares {@code iterations} builds of its side, and
   * once both are ready runs them. The result is half the wall time from the start until both threads are
   * done: the time per build of the machine running two independent builds.
   */
  private static long twoAtOnce(long iterations, Side a, Side b) throws Exception {
    CyclicBarrier ready = new CyclicBarrier(3);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Prepared[] prepared = new Prepared[2];
    Thread[] threads = new Thread[2];
    for (int t = 0; t < 2; t++) {
      int i = t;
      Side side = t == 0 ? a : b;
      threads[t] = Thread.ofPlatform().name("toy-pair-" + t).start(() -> {
        try {
          prepared[i] = side.prepare(iterations);
        } catch (Throwable e) {
          failed.compareAndSet(null, e);
        }
        try {
          ready.await();
          if (prepared[i] != null) {
            prepared[i].builds().run();
          }
        } catch (Throwable e) {
          failed.compareAndSet(null, e);
        }
      });
    }
    long wall;
    try {
      ready.await(5, TimeUnit.MINUTES); // a side that never got ready breaks the barrier for the other one
      long t0 = System.nanoTime();
      for (Thread t : threads) {
        t.join();
      }
      wall = System.nanoTime() - t0;
    } finally {
      for (Thread t : threads) {
        t.join(); // a broken barrier ends both threads at once
      }
      for (Prepared p : prepared) {
        if (p != null) {
          p.after().run();
        }
      }
    }
    if (failed.get() != null) {
      throw new IllegalStateException("a build of the pair failed", failed.get());
    }
    return wall / 2;
  }

  private static Measured plainPair() {
    Reference ref = reference();
    Program p = ref.program();
    Side side = iterations -> new Prepared(() -> {
      for (long i = 0; i < iterations; i++) {
        if (!ToyPlain.build(p.modules(), p.sources()).result().equals(ref.scratch().result())) {
          throw new IllegalStateException("plain build differs between runs");
        }
      }
    }, () -> {});
    return iterations -> twoAtOnce(iterations, side, side);
  }

  /**
   * Two engines on two {@code parallel(1)} schedulers: each thread loads the inputs of all its engines before the
   * start and they are closed after the end, as {@link #scratch} does both outside its timing.
   */
  private static Measured scratchPair() {
    Reference ref = reference();
    Program p = ref.program();
    int expected = ref.scratch().diagnostics().size();
    Scheduler[] schedulers = {Scheduler.parallel(1), Scheduler.parallel(1)};
    Side[] sides = new Side[2];
    for (int s = 0; s < 2; s++) {
      Scheduler scheduler = schedulers[s];
      ToyWeft q = new ToyWeft();
      sides[s] = iterations -> {
        List<QueryEngine> engines = new ArrayList<>();
        for (long i = 0; i < iterations; i++) {
          QueryEngine engine = engine(scheduler);
          engines.add(engine);
          q.load(engine, p.modules(), p.sources());
        }
        return new Prepared(() -> {
          for (QueryEngine engine : engines) {
            quickAgree(engine.evaluate(q.build, ToyBuild.ROOT), ref.scratch().result(), expected);
          }
        }, () -> engines.forEach(QueryEngine::close));
      };
    }
    return new Measured() {
      @Override
      public long run(long iterations) throws Exception {
        return twoAtOnce(iterations, sides[0], sides[1]);
      }

      @Override
      public void close() {
        for (Scheduler s : schedulers) {
          s.close();
        }
      }
    };
  }

  // ------------------------------------------------------------------------------------------- agreement

  /** Fails unless Weft's evaluation equals the plain build: value, and every diagnostic in order. */
  static void agree(Evaluation<ToyBuild.Result> e, ToyPlain plain, String when) {
    if (e.failure().isPresent()) {
      throw new IllegalStateException("Weft's toy build failed " + when, e.failure().get());
    }
    if (!e.value().equals(plain.result())) {
      throw new IllegalStateException("Weft's toy build " + when + " gives " + e.value() + ", plain Java "
          + plain.result());
    }
    List<String> w = render(e.diagnostics());
    List<String> s = render(plain.diagnostics());
    if (!w.equals(s)) {
      int i = 0;
      while (i < Math.min(w.size(), s.size()) && w.get(i).equals(s.get(i))) {
        i++;
      }
      throw new IllegalStateException("Weft's toy build " + when + " reports " + w.size() + " diagnostics, plain"
          + " Java " + s.size() + "; first difference at " + i + ": " + (i < w.size() ? w.get(i) : "(none)")
          + " vs " + (i < s.size() ? s.get(i) : "(none)"));
    }
  }

  private static void quickAgree(Evaluation<ToyBuild.Result> e, ToyBuild.Result expected, int diagnostics) {
    if (e.failure().isPresent() || !e.value().equals(expected) || e.diagnostics().size() != diagnostics) {
      throw new IllegalStateException("Weft's toy build disagrees with plain Java: " + e.failure()
          .map(Throwable::toString).orElse(e.value() + " with " + e.diagnostics().size() + " diagnostics")
          + " vs " + expected + " with " + diagnostics);
    }
  }

  private static List<String> render(List<Diagnostic> ds) {
    List<String> out = new ArrayList<>(ds.size());
    for (Diagnostic d : ds) {
      out.add(d.severity() + " " + d.message());
    }
    return out;
  }

  /** A Markdown table of the toy build: every row of the four workloads, with per-query costs. */
  static String summary(Summaries.Results r) {
    if (!r.has(SCRATCH)) {
      return "";
    }
    double queries = reference().scratch().executions();
    Double scratchOne = r.median(SCRATCH, ON_ONE);
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%nToy build, %,d modules, %,.0f queries per build (medians; per query ="
        + " time / queries in the build):%n%n", ToyLang.program().modules().size(), queries));
    b.append("| run | Weft parallel(1) | Weft parallel(2) | plain Java | parallel(1) / plain"
        + " | parallel(1) / parallel(2) | % of Weft's parallel(1) build"
        + " | CPU ms (Java threads): parallel(1) / parallel(2) / plain |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    row(b, "from scratch", r.median(SCRATCH, ON_ONE), r.median(SCRATCH, ON_TWO), r.median(SCRATCH, PLAIN), queries,
        scratchOne, cpus(r, SCRATCH, ON_ONE, ON_TWO, PLAIN));
    for (EditKind k : EditKind.values()) {
      String w = editWorkload(k);
      row(b, k.label() + " edit", r.median(w, ON_ONE + ", set + evaluate"), r.median(w, ON_TWO + ", set + evaluate"),
          r.median(w, PLAIN_EDIT), queries, scratchOne,
          cpus(r, w, ON_ONE + ", set + evaluate", ON_TWO + ", set + evaluate", PLAIN_EDIT));
    }
    String ceiling = ceiling(r.median(SCRATCH, PLAIN), r.median(SCRATCH, PLAIN_PAIR), scratchOne,
        r.median(SCRATCH, ON_ONE_PAIR));
    ceiling = join(ceiling, shared(r.median(SCRATCH, SHARED_ONE), r.median(SCRATCH, SHARED_TWO)));
    if (!ceiling.isEmpty()) {
      b.append(String.format(Locale.ROOT, "%nFrom scratch, %s; one build on parallel(2) against parallel(1): %s.%n",
          ceiling, ratio(scratchOne, r.median(SCRATCH, ON_TWO))));
    }
    if (r.median(SCRATCH, SHARED_ONE) != null && r.median(SCRATCH, SHARED_TWO) != null) {
      b.append(String.format(Locale.ROOT, "CPU ms (Java threads) of one build with shared memos: plain Java on one /"
          + " two threads %s; Weft parallel(1) / parallel(2) %s.%n", cpus(r, SCRATCH, SHARED_ONE, SHARED_TWO),
          cpus(r, SCRATCH, ON_ONE, ON_TWO)));
    }
    return b.toString();
  }

  private static String cpus(Summaries.Results r, String w, String... alternatives) {
    List<String> out = new ArrayList<>();
    for (String a : alternatives) {
      Double c = r.cpu(w, a);
      out.add(c == null ? "–" : Compare.fmt(c));
    }
    return String.join(" / ", out);
  }

  private static void row(StringBuilder b, String label, Double one, Double two, Double plain, double queries,
      Double scratchOne, String cpu) {
    b.append("| ").append(label).append(" | ").append(cell(one, queries)).append(" | ").append(cell(two, queries))
        .append(" | ").append(cell(plain, queries)).append(" | ").append(ratio(one, plain)).append(" | ")
        .append(ratio(one, two)).append(" | ")
        .append(one == null || scratchOne == null ? "–"
            : String.format(Locale.ROOT, "%.1f%%", 100 * one / scratchOne))
        .append(" | ").append(cpu).append(" |\n");
  }

  private static String cell(Double ms, double queries) {
    return ms == null ? "–" : Compare.fmt(ms) + " ms (" + Compare.fmt(ms * 1e6 / queries) + " ns/query)";
  }

  static String ratio(Double a, Double b) {
    return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2fx", a / b);
  }
}
