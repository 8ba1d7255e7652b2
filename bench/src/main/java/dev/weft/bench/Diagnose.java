package dev.weft.bench;

import dev.weft.bench.ToyLang.Edit;
import dev.weft.bench.ToyLang.EditKind;
import dev.weft.bench.ToyLang.Program;
import dev.weft.query.EngineStats;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Probes that split a workload's figure into its parts, for the profiles in {@code docs/benchmarks.md}. Not
 * a comparison: each prints medians of its own repetitions after a warm-up, with the engine's and the
 * scheduler's counters.
 *
 * <ul>
 *   <li>{@code toy-scratch}: the toy build from scratch on {@code parallel(1)}, {@code parallel(2)} and as plain
 *       Java, alternating: wall time, process CPU time (all threads) and their ratio per build, with the
 *       virtual threads spawned and the waits per build;</li>
 *   <li>{@code first-use}: in this fresh JVM, the one-time costs a command-line run pays before its queries run
 *       at their warm cost: loading and initialising the engine's classes (the JFR event types among them), the
 *       first scheduler and its first carrier, the first engine read, then three cold 20k-query trees in a
 *       row;</li>
 *   <li>{@code toy-edit [carriers]}: per edit kind of the toy build, the time of {@code set}, of
 *       {@code get(root)} (verification and re-execution) and of a following {@code evaluate(root)} (what
 *       collecting the diagnostics adds), with the memos verified, the bodies run and the virtual threads
 *       spawned per edit;</li>
 *   <li>{@code fanout [carriers] [keys] [trivial|alu]}: a timeline of one {@code getAll} fan-out on a fresh
 *       scheduler and engine, and on a reused one: when the root body starts, when each carrier runs its first
 *       leaf, how many leaves each carrier runs, when the last leaf ends and when the read returns;</li>
 *   <li>{@code core-to-core}: what a cache line written on one core and then read on another costs here: two
 *       platform threads hand a counter back and forth (each waits, spinning, for the other's increment), so
 *       one round trip moves the line twice. A value written by one carrier and read by the other pays this,
 *       which is what one build on two carriers shares that two independent builds do not.</li>
 * </ul>
 *
 * <p>Run: {@code java --add-opens java.base/java.lang=ALL-UNNAMED -Xms1g -Xmx1g -cp bench/target/weft-bench.jar
 * dev.weft.bench.Diagnose toy-edit 1} ({@code -Dweft.bench.toy.cycles=false} for the program without cycles).
 */
public final class Diagnose {
  private Diagnose() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "";
    switch (what) {
      case "toy-edit" -> toyEdit(args.length > 1 ? Integer.parseInt(args[1]) : 1);
      case "toy-scratch" -> toyScratch();
      case "first-use" -> firstUse();
      case "core-to-core" -> coreToCore();
      case "fanout" -> fanOut(args.length > 1 ? Integer.parseInt(args[1]) : 2,
          args.length > 2 ? Integer.parseInt(args[2]) : 64, args.length > 3 ? args[3] : "alu");
      default -> {
        System.err.println("usage: Diagnose toy-edit [carriers] | toy-scratch | first-use | fanout [carriers] [keys]"
            + " [trivial|alu] | core-to-core");
        System.exit(2);
      }
    }
    System.exit(0);
  }

  // --------------------------------------------------------------------------------------------- toy edit

  private static void toyEdit(int carriers) {
    Program p = ToyLang.program();
    ToyWeft q = new ToyWeft();
    int reps = 200;
    System.out.printf(Locale.ROOT, "toy build, %,d modules, parallel(%d); medians of %d edits after %d warm-up"
        + " edits per kind; load average %.2f%n%n", p.modules().size(), carriers, reps, reps,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.println("| edit | set | get(root) | evaluate(root) after get | executed | verified | threads spawned"
        + " |\n|---|---:|---:|---:|---:|---:|---:|");
    try (Scheduler scheduler = Scheduler.parallel(carriers);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("toy").build()) {
      q.load(engine, p.modules(), p.sources());
      engine.evaluate(q.build, ToyBuild.ROOT);
      for (EditKind kind : EditKind.values()) {
        Edit edit = p.edits().get(kind);
        double[] set = new double[reps];
        double[] get = new double[reps];
        double[] eval = new double[reps];
        long executed = 0;
        long verified = 0;
        long spawned = 0;
        for (int i = 0; i < 2 * reps; i++) {
          EngineStats s0 = engine.stats();
          long sp0 = scheduler.stats().spawned();
          long t0 = System.nanoTime();
          engine.set(q.source, edit.module(), i % 2 == 0 ? edit.after() : edit.before());
          long t1 = System.nanoTime();
          engine.get(q.build, ToyBuild.ROOT);
          long t2 = System.nanoTime();
          engine.evaluate(q.build, ToyBuild.ROOT);
          long t3 = System.nanoTime();
          if (i >= reps) {
            EngineStats s1 = engine.stats();
            set[i - reps] = (t1 - t0) / 1e6;
            get[i - reps] = (t2 - t1) / 1e6;
            eval[i - reps] = (t3 - t2) / 1e6;
            executed = s1.executions() - s0.executions();
            verified = s1.verifications() - s0.verifications();
            spawned = scheduler.stats().spawned() - sp0;
          }
        }
        System.out.printf(Locale.ROOT, "| %s | %.3f ms | %.2f ms | %.2f ms | %,d | %,d | %,d |%n", kind.label(),
            median(set), median(get), median(eval), executed, verified, spawned);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- first use

  private static void firstUse() throws Exception {
    List<String> lines = new ArrayList<>();
    long t = System.nanoTime();
    Class.forName("dev.weft.query.QueryEngine", true, Diagnose.class.getClassLoader());
    lines.add(step("load and initialise QueryEngine", t));
    t = System.nanoTime();
    Class.forName("dev.weft.query.Events", true, Diagnose.class.getClassLoader());
    lines.add(step("initialise the engine's JFR event types (Events)", t));
    t = System.nanoTime();
    Scheduler scheduler = Scheduler.parallel(1);
    lines.add(step("Scheduler.parallel(1)", t));
    t = System.nanoTime();
    QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("first").build();
    lines.add(step("QueryEngine.build()", t));
    Query<Long, Long> one = Query.of("one", (ctx, k) -> k);
    t = System.nanoTime();
    engine.get(one, 1L);
    lines.add(step("first read (a virtual thread, the first carrier, one trivial query)", t));
    t = System.nanoTime();
    engine.get(one, 2L);
    lines.add(step("second read (same path, classes loaded)", t));
    engine.close();
    ColdScale.Sized tree = new ColdScale.Sized(ColdScale.Kind.TREE, 20_000);
    for (int i = 1; i <= 3; i++) {
      Query<Integer, Long> root = ColdScale.queries(tree);
      try (QueryEngine e = QueryEngine.builder().scheduler(scheduler).name("first").build()) {
        t = System.nanoTime();
        e.get(root, 0);
        lines.add(String.format(Locale.ROOT, "| cold tree of 20,000 queries, run %d | %.2f ms (%.0f ns/query) |", i,
            (System.nanoTime() - t) / 1e6, (System.nanoTime() - t) / 20_000.0));
      }
    }
    scheduler.close();
    System.out.println("one-time costs in a fresh JVM, in order:\n\n| step | time |\n|---|---:|");
    lines.forEach(System.out::println);
  }

  private static String step(String what, long since) {
    return String.format(Locale.ROOT, "| %s | %.2f ms |", what, (System.nanoTime() - since) / 1e6);
  }

  // ------------------------------------------------------------------------------------------ toy scratch

  private static void toyScratch() {
    Program p = ToyLang.program();
    int reps = 60;
    String[] modes = {"Weft parallel(1)", "Weft parallel(2)", "plain Java"};
    double[][] wall = new double[3][reps];
    double[][] cpu = new double[3][reps];
    long[] spawned = new long[3];
    long[] waits = new long[3];
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    Scheduler[] schedulers = {Scheduler.parallel(1), Scheduler.parallel(2)};
    ToyWeft q = new ToyWeft();
    try {
      for (int i = 0; i < 2 * reps; i++) {
        for (int m = 0; m < 3; m++) {
          int mode = (m + i) % 3;
          long c0;
          long t0;
          long t1;
          long c1;
          if (mode == 2) {
            c0 = Probes.threadsCpuNanos();
            t0 = System.nanoTime();
            ToyPlain.build(p.modules(), p.sources());
            t1 = System.nanoTime();
            c1 = Probes.threadsCpuNanos();
          } else {
            Scheduler sc = schedulers[mode];
            try (QueryEngine engine = QueryEngine.builder().scheduler(sc).name("toy").build()) {
              q.load(engine, p.modules(), p.sources());
              long sp = sc.stats().spawned();
              c0 = Probes.threadsCpuNanos();
              t0 = System.nanoTime();
              engine.evaluate(q.build, ToyBuild.ROOT);
              t1 = System.nanoTime();
              c1 = Probes.threadsCpuNanos();
              spawned[mode] = sc.stats().spawned() - sp;
              waits[mode] = engine.stats().waits();
            }
          }
          if (i >= reps) {
            wall[mode][i - reps] = (t1 - t0) / 1e6;
            cpu[mode][i - reps] = (c1 - c0) / 1e6;
          }
        }
      }
    } finally {
      for (Scheduler sc : schedulers) {
        sc.close();
      }
    }
    System.out.printf(Locale.ROOT, "toy build from scratch, %,d modules; medians of %d builds each after %d warm-up"
        + " builds, modes alternating; CPU = CPU time of all Java threads (carriers included; GC and JIT not);"
        + " load average"
        + " %.2f%n%n", p.modules().size(), reps, reps, os.getSystemLoadAverage());
    System.out.println("| mode | wall | CPU | CPU / wall | virtual threads spawned | waits |\n|---|---:|---:|---:|---:|---:|");
    for (int m = 0; m < 3; m++) {
      double[] ratio = new double[reps];
      for (int i = 0; i < reps; i++) {
        ratio[i] = cpu[m][i] / wall[m][i];
      }
      System.out.printf(Locale.ROOT, "| %s | %.1f ms | %.1f ms | %.2f | %s | %s |%n", modes[m], median(wall[m]),
          median(cpu[m]), median(ratio), m == 2 ? "–" : String.format(Locale.ROOT, "%,d", spawned[m]),
          m == 2 ? "–" : String.format(Locale.ROOT, "%,d", waits[m]));
    }
  }

  // ----------------------------------------------------------------------------------------- core to core

  private static void coreToCore() throws InterruptedException {
    int trips = 2_000_000;
    double[] ns = new double[5];
    for (int rep = 0; rep < ns.length; rep++) {
      AtomicLong line = new AtomicLong();
      Thread other = Thread.ofPlatform().start(() -> {
        for (long i = 1; i < 2L * trips; i += 2) {
          while (line.get() != i) {
            Thread.onSpinWait();
          }
          line.set(i + 1);
        }
      });
      long t0 = System.nanoTime();
      for (long i = 0; i < 2L * trips; i += 2) {
        while (line.get() != i) {
          Thread.onSpinWait();
        }
        line.set(i + 1);
      }
      other.join();
      ns[rep] = (System.nanoTime() - t0) / (double) trips;
    }
    System.out.printf(Locale.ROOT, "a line handed between two platform threads, %,d round trips, five runs: median"
        + " %.0f ns per round trip, so about %.0f ns per move from one core to the other (runs: %s); load average"
        + " %.2f%n", trips, median(ns), median(ns) / 2, Arrays.toString(Arrays.stream(ns)
        .mapToLong(Math::round).toArray()), java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
  }

  // ---------------------------------------------------------------------------------------------- fan-out

  private record Span(String carrier, long start, long end) {}

  private static void fanOut(int carriers, int keys, String leaf) throws Exception {
    boolean alu = leaf.equals("alu");
    List<Integer> keyList = new ArrayList<>();
    for (int i = 0; i < keys; i++) {
      keyList.add(i);
    }
    System.out.printf(Locale.ROOT, "fan-out of %d %s leaves on parallel(%d); times in µs from the platform thread's"
        + " read; load average %.2f%n%n", keys, leaf, carriers,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.println("| scheduler | run | root body starts | first leaf per carrier | leaves per carrier |"
        + " last leaf ends | read returns | sum of leaf times | leaves' busy span per carrier |\n"
        + "|---|---:|---:|---|---|---:|---:|---:|---|");
    Scheduler reused = Scheduler.parallel(carriers);
    try {
      for (int run = 0; run < 60; run++) {
        boolean fresh = run % 2 == 0;
        Scheduler scheduler = fresh ? Scheduler.parallel(carriers) : reused;
        ConcurrentHashMap<Integer, Span> spans = new ConcurrentHashMap<>();
        long[] rootStart = new long[1];
        Query<Integer, Long> leafQuery = Query.of("leaf", (ctx, k) -> {
          long s = System.nanoTime();
          long v = alu ? Cpu.work(k, FanOut.ALU_ROUNDS) : k;
          long e = System.nanoTime();
          spans.put(k, new Span(carrier(), s, e)); // after the leaf: its own cost is not in the span
          return v;
        });
        Query<Integer, Long> root = Query.of("fan", (ctx, unused) -> {
          rootStart[0] = System.nanoTime();
          long sum = 0;
          for (long v : ctx.getAll(leafQuery, keyList)) {
            sum += v;
          }
          return sum;
        });
        try (QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("fan").build()) {
          long t0 = System.nanoTime();
          engine.get(root, 0);
          long t1 = System.nanoTime();
          if (run >= 40) { // JIT-warm runs only
            print(fresh, run, t0, t1, rootStart[0], spans);
          }
        } finally {
          if (fresh) {
            scheduler.close();
          }
        }
      }
    } finally {
      reused.close();
    }
  }

  /** The carrier's name from a mounted virtual thread's {@code toString} ({@code VirtualThread[#n]/runnable@name}). */
  private static String carrier() {
    String s = Thread.currentThread().toString();
    int at = s.lastIndexOf('@');
    return at < 0 ? s : s.substring(at + 1).replaceAll(".*-carrier-", "c");
  }

  private static void print(boolean fresh, int run, long t0, long t1, long rootStart, Map<Integer, Span> spans) {
    Map<String, long[]> perCarrier = new TreeMap<>(); // first start, count, busy start, busy end
    long lastEnd = 0;
    long sum = 0;
    for (Span s : spans.values()) {
      long[] c = perCarrier.computeIfAbsent(s.carrier(), k -> new long[] {Long.MAX_VALUE, 0, Long.MAX_VALUE, 0});
      c[0] = Math.min(c[0], s.start());
      c[1]++;
      c[3] = Math.max(c[3], s.end());
      lastEnd = Math.max(lastEnd, s.end());
      sum += s.end() - s.start();
    }
    StringBuilder first = new StringBuilder();
    StringBuilder counts = new StringBuilder();
    StringBuilder busy = new StringBuilder();
    for (Map.Entry<String, long[]> e : perCarrier.entrySet()) {
      first.append(e.getKey()).append(' ').append(us(e.getValue()[0] - t0)).append("; ");
      counts.append(e.getKey()).append(' ').append(e.getValue()[1]).append("; ");
      busy.append(e.getKey()).append(' ').append(us(e.getValue()[0] - t0)).append('–')
          .append(us(e.getValue()[3] - t0)).append("; ");
    }
    System.out.printf(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |%n", fresh ? "fresh" : "reused",
        run, us(rootStart - t0), first, counts, us(lastEnd - t0), us(t1 - t0), us(sum), busy);
  }

  private static String us(long nanos) {
    return String.format(Locale.ROOT, "%.0f", nanos / 1e3);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
