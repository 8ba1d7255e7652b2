package dev.weft.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * The comparison runner: every selected workload runs Weft and its alternatives in this one JVM, interleaved,
 * and the medians come out as a Markdown table with ratios and a verdict per design target.
 *
 * <p>Procedure for one workload:
 * <ol>
 *   <li>open every alternative (an alternative whose Weft side is missing reports "n/a");</li>
 *   <li>warm up round-robin until each alternative has run for the warmup time, sizing its iteration count so
 *       one sample lasts about the sample time;</li>
 *   <li>take the configured number of rounds; each round runs every alternative once, starting from a
 *       different one each round, so slow drifts of the machine (other processes, thermal state) spread over
 *       all alternatives instead of biasing one;</li>
 *   <li>report the median of each alternative's samples, its min–max, and its ratio to the first row.</li>
 * </ol>
 *
 * <p>Every call into an alternative runs on a driver thread with a timeout, so a hanging contender is reported
 * as timed out and the run goes on.
 *
 * <p>Each sample also reads the process's allocated heap bytes and minor page faults ({@link Probes}); with
 * {@code --alloc} the table shows them per unit, and the cross-workload {@link Summaries} always do where they
 * matter.
 *
 * <p>Usage: {@code Compare [--quick | --full] [--rounds N] [--warmup-ms N] [--sample-ms N] [--out FILE] [--list]
 * [--only TEXT] [--alloc] [--tsv FILE] [--pretouch-both] [--first-runs N] [--toy-modules N] [--toy-seed N]
 * [--toy-no-cycles]
 * [workload-or-glob ...]}. {@code --pretouch-both} and {@code --first-runs} launch child JVMs
 * ({@link Launcher}). Run instructions are in {@code docs/benchmarks.md}.
 */
public final class Compare {

  /**
   * @param firstRun measure one iteration of each alternative with no warmup (a child JVM of
   *     {@code --first-runs})
   */
  private record Settings(boolean quick, int rounds, long warmupNanos, long sampleNanos, long callTimeoutNanos,
      boolean alloc, boolean firstRun) {}

  private static final class Row {
    final Alternative alternative;
    Measured measured;
    long iterations = 1;
    long warmedNanos;
    final List<Double> samples = new ArrayList<>();
    /** Per recorded sample, per unit: allocated bytes and minor page faults (NaN when unavailable). */
    final List<Double> allocs = new ArrayList<>();
    final List<Double> cpus = new ArrayList<>();
    final List<Double> faults = new ArrayList<>();
    String note;
    String status; // null while measurable

    Row(Alternative alternative) {
      this.alternative = alternative;
    }

    double median() {
      return Compare.median(samples);
    }

    double min() {
      return samples.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    double max() {
      return samples.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
  }

  private record Result(Workload workload, List<Row> rows) {}

  static double median(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).filter(v -> !Double.isNaN(v)).sorted().toArray();
    int n = s.length;
    return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** Rounds of a workload measured once per round (memory), which needs several full collections each. */
  private static final int ONCE_ROUNDS = 3;

  private final Settings settings;
  private final PrintStream progress = System.err;
  private ExecutorService driver = newDriver();

  private Compare(Settings settings) {
    this.settings = settings;
  }

  public static void main(String[] args) throws Exception {
    boolean quick = false;
    Integer rounds = null;
    Long warmupMs = null;
    Long sampleMs = null;
    Path out = null;
    boolean list = false;
    String only = null;
    boolean exact = false;
    boolean alloc = false;
    boolean firstRun = false;
    Path tsv = null;
    List<String> selectors = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--quick" -> quick = true;
        case "--full" -> quick = false;
        case "--rounds" -> rounds = Integer.parseInt(value(args, ++i, a));
        case "--warmup-ms" -> warmupMs = Long.parseLong(value(args, ++i, a));
        case "--sample-ms" -> sampleMs = Long.parseLong(value(args, ++i, a));
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--list" -> list = true;
        case "--only" -> only = value(args, ++i, a);
        case "--exact" -> exact = true;
        case "--alloc" -> alloc = true;
        case "--tsv" -> tsv = Path.of(value(args, ++i, a));
        case "--first-run" -> firstRun = true;
        case "--toy-modules" -> System.setProperty("weft.bench.toy.modules", value(args, ++i, a));
        case "--toy-seed" -> System.setProperty("weft.bench.toy.seed", value(args, ++i, a));
        case "--toy-no-cycles" -> System.setProperty("weft.bench.toy.cycles", "false");
        case "--pretouch-both", "--first-runs" -> {
          Launcher.main(args);
          return;
        }
        case "-h", "--help" -> {
          usage(System.out);
          return;
        }
        default -> {
          if (a.startsWith("-")) {
            System.err.println("unknown option " + a);
            usage(System.err);
            System.exit(2);
          }
          selectors.add(a);
        }
      }
    }
    List<Workload> all = Workloads.all();
    if (list) {
      for (Workload w : all) {
        System.out.printf("%-24s %s%n", w.name(), w.description());
      }
      return;
    }
    List<Workload> selected = select(all, selectors);
    if (only != null) {
      String needle = only.toLowerCase(Locale.ROOT);
      boolean whole = exact;
      String name = only;
      selected = selected.stream().map(w -> new Workload(w.name(), w.description(), w.unit(),
              w.unitsPerIteration(), w.scale(), w.calibrate(),
              w.alternatives().stream().filter(x -> whole ? x.name().equals(name)
                  : x.name().toLowerCase(Locale.ROOT).contains(needle)).toList(),
              w.targets(), w.perQuery(), w.minWarmupMillis()))
          .filter(w -> !w.alternatives().isEmpty()).toList();
    }
    Settings settings = new Settings(
        quick,
        rounds != null ? rounds : quick ? 5 : 15,
        TimeUnit.MILLISECONDS.toNanos(warmupMs != null ? warmupMs : quick ? 1_000 : 3_000),
        TimeUnit.MILLISECONDS.toNanos(sampleMs != null ? sampleMs : quick ? 40 : 120),
        TimeUnit.SECONDS.toNanos(quick ? 30 : 90), alloc, firstRun);
    Compare compare = new Compare(settings);
    String report = compare.run(selected, String.join(" ", args));
    System.out.println(report);
    if (out != null) {
      Files.writeString(out, report, StandardCharsets.UTF_8);
    }
    if (tsv != null) {
      Files.writeString(tsv, compare.tsv(), StandardCharsets.UTF_8);
    }
    // Abandoned drivers of timed-out alternatives must not keep the JVM alive.
    System.exit(0);
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      System.err.println(option + " needs a value");
      System.exit(2);
    }
    return args[i];
  }

  private static void usage(PrintStream s) {
    s.println("""
        usage: Compare [--quick | --full] [--rounds N] [--warmup-ms N] [--sample-ms N] [--out FILE] [--list]
                       [--only TEXT] [WORKLOAD...]
          --quick      1 s warmup and 5 rounds per alternative (about 2 minutes for everything)
          --full       (default) 3 s warmup, 15 rounds (under 10 minutes for everything on 2 cores)
          --only TEXT  keep only the alternatives whose name contains TEXT (e.g. 'Weft', for profiling);
                       with --exact, whose name is TEXT
          --out FILE   also write the Markdown report to FILE
          --alloc      add columns: CPU time of all Java threads, heap bytes allocated and minor page faults
                       per unit (whole process; CPU time is the figure to trust on a loaded machine)
          --tsv FILE   also write every row's figures as tab-separated values
          --pretouch-both
                       run the selection in two child JVMs, with and without -XX:+AlwaysPreTouch, and
                       print both reports and the per-size tables of both side by side
          --first-runs N
                       for each selected workload and alternative, N child JVMs each measuring only the first
                       iteration in a fresh JVM, with and without -XX:+AlwaysPreTouch (the command-line case)
          --toy-modules N, --toy-seed N
                       size and seed of the generated toy-build program (default 2000, 42)
          --toy-no-cycles
                       generate it without import rings and definition cycles (to profile what they cost)
          WORKLOAD     a workload name or a glob such as 'vt-*' (see --list); default: all""");
  }

  static List<Workload> select(List<Workload> all, List<String> selectors) {
    if (selectors.isEmpty()) {
      return all;
    }
    List<Workload> selected = new ArrayList<>();
    for (String s : selectors) {
      Pattern p = Pattern.compile(Arrays.stream(s.split("\\*", -1)).map(Pattern::quote)
          .reduce((x, y) -> x + ".*" + y).orElse(""));
      List<Workload> matched = all.stream().filter(w -> p.matcher(w.name()).matches()).toList();
      if (matched.isEmpty()) {
        System.err.println("no workload matches '" + s + "'; known: "
            + all.stream().map(Workload::name).toList());
        System.exit(2);
      }
      matched.stream().filter(w -> !selected.contains(w)).forEach(selected::add);
    }
    return selected;
  }

  private final List<Result> done = new ArrayList<>();

  private String run(List<Workload> workloads, String args) throws Exception {
    Instant start = Instant.now();
    double loadBefore = loadAverage();
    String busy = busiestProcesses();
    List<Result> results = new ArrayList<>();
    for (Workload w : workloads) {
      long t0 = System.nanoTime();
      progress.printf("[%s] %s ...%n", w.name(), w.description());
      results.add(measure(w));
      done.add(results.get(results.size() - 1));
      progress.printf("[%s] done in %.1f s%n", w.name(), (System.nanoTime() - t0) / 1e9);
    }
    double loadAfter = loadAverage();
    return render(results, args, start, loadBefore, loadAfter, busy);
  }

  private Result measure(Workload w) {
    List<Row> rows = w.alternatives().stream().map(Row::new).toList();
    for (Row row : rows) {
      try {
        row.measured = call(() -> row.alternative.opener().open());
      } catch (Alternative.NotImplemented e) {
        row.status = "n/a (not implemented: " + e.getMessage() + ")";
      } catch (Throwable e) {
        row.status = failure("setup fails", e);
      }
    }
    try {
      if (settings.firstRun()) {
        for (Row row : rows) {
          if (row.status == null) {
            sample(w, row, true);
          }
        }
        return new Result(w, rows);
      }
      warmUp(w, rows);
      int rounds = w.calibrate() ? settings.rounds() : Math.min(settings.rounds(), ONCE_ROUNDS);
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < rows.size(); k++) {
          Row row = rows.get((r + k) % rows.size());
          if (row.status == null) {
            sample(w, row, true);
          }
        }
      }
    } finally {
      for (Row row : rows) {
        if (row.measured != null && !"timed out".equals(row.status)) {
          try {
            row.note = row.measured.note();
            call(() -> {
              row.measured.close();
              return null;
            });
          } catch (Throwable e) {
            progress.println("  " + row.alternative.name() + ": close failed: " + e);
          }
        }
      }
    }
    return new Result(w, rows);
  }

  private void warmUp(Workload w, List<Row> rows) {
    if (!w.calibrate()) {
      return; // measured once per round, nothing to size
    }
    long warmup = Math.max(settings.warmupNanos(), TimeUnit.MILLISECONDS.toNanos(w.minWarmupMillis()));
    boolean more = true;
    while (more) {
      more = false;
      for (Row row : rows) {
        if (row.status != null || row.warmedNanos >= warmup) {
          continue;
        }
        long t0 = System.nanoTime();
        Long amount = sample(w, row, false);
        row.warmedNanos += System.nanoTime() - t0;
        if (amount == null) {
          continue;
        }
        long target = settings.sampleNanos();
        if (amount < target / 2) {
          double factor = amount <= 0 ? 100 : Math.min(100, (double) target / amount);
          row.iterations = Math.max(row.iterations + 1, (long) (row.iterations * factor));
        } else if (amount > 2 * target && row.iterations > 1) {
          row.iterations = Math.max(1, row.iterations / 2);
        }
        more |= row.warmedNanos < warmup;
      }
    }
  }

  /** Runs one sample; returns the raw amount, or null if the alternative failed (its status is then set). */
  private Long sample(Workload w, Row row, boolean record) {
    long iterations = row.iterations;
    try {
      long faults0 = Probes.minorFaults();
      long alloc0 = Probes.allocatedBytes();
      long cpu0 = Probes.threadsCpuNanos();
      long amount = call(() -> row.measured.run(iterations), w.calibrate() ? settings.callTimeoutNanos()
          : ONCE_TIMEOUT_NANOS);
      long alloc = Probes.allocatedBytes() - alloc0;
      long cpu = Probes.threadsCpuNanos() - cpu0;
      long faults = Probes.minorFaults() - faults0;
      if (record) {
        double units = row.measured.unitsPerIteration();
        units = Double.isNaN(units) ? w.unitsPerIteration() : units;
        row.samples.add(amount / (iterations * units) / w.scale());
        row.allocs.add(alloc0 < 0 ? Double.NaN : alloc / (iterations * units));
        row.cpus.add(cpu0 < 0 ? Double.NaN : cpu / (iterations * units) / w.scale());
        row.faults.add(faults0 < 0 ? Double.NaN : faults / (iterations * units));
      }
      return amount;
    } catch (TimeoutException e) {
      row.status = "timed out";
    } catch (Alternative.NotImplemented e) {
      row.status = "n/a (not implemented: " + e.getMessage() + ")";
    } catch (Throwable e) {
      row.status = failure("fails", e);
    }
    progress.println("  " + row.alternative.name() + ": " + row.status);
    return null;
  }

  private static String failure(String what, Throwable e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (t instanceof UnsupportedOperationException) {
      return t.getMessage() == null ? "n/a (not implemented)" : "n/a (not implemented: " + t.getMessage() + ")";
    }
    String m = t.getMessage();
    if (m != null) {
      m = m.lines().findFirst().orElse("");
      if (m.length() > 80) {
        m = m.substring(0, 77) + "...";
      }
    }
    return what + ": " + t.getClass().getSimpleName() + (m == null ? "" : " (" + m + ")");
  }

  private <T> T call(Callable<T> body) throws Exception {
    return call(body, settings.callTimeoutNanos());
  }

  /** Workloads measured once per round (memory, child JVMs) may take minutes per sample. */
  private static final long ONCE_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(10);

  private <T> T call(Callable<T> body, long timeoutNanos) throws Exception {
    Future<T> f = driver.submit(body);
    try {
      return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      driver.shutdownNow();
      driver = newDriver();
      throw e;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof Exception ex) {
        throw ex;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw e;
    }
  }

  private static ExecutorService newDriver() {
    return Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("bench-driver").daemon(true)
        .unstarted(r));
  }

  // ---------------------------------------------------------------- report

  private String render(List<Result> results, String args, Instant start, double loadBefore, double loadAfter,
      String busy) {
    StringBuilder b = new StringBuilder();
    b.append("## Comparison run (").append(settings.quick() ? "quick" : "full").append(" mode)\n\n");
    b.append("- started ").append(start.truncatedTo(ChronoUnit.SECONDS)).append(", took ")
        .append(Math.round((Instant.now().toEpochMilli() - start.toEpochMilli()) / 1000.0)).append(" s\n");
    b.append("- arguments: `").append(args.isBlank() ? "(none)" : args).append("`\n");
    b.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ')
        .append(Runtime.version()).append(" (").append(System.getProperty("java.vm.vendor")).append("), ")
        .append(Runtime.getRuntime().availableProcessors()).append(" processors, max heap ")
        .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB, ")
        .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append('\n');
    b.append(String.format(Locale.ROOT, "- load average (1 min): %.2f before, %.2f after%n", loadBefore,
        loadAfter));
    b.append(preTouched() ? "- heap pre-touched (-XX:+AlwaysPreTouch)\n"
        : "- heap not pre-touched: a page of it used for the first time costs a page fault inside the sample that"
            + " touches it (rows where that is most of what they allocate are named under Notes)\n");
    if (!busy.isBlank()) {
      b.append("- busiest processes at start (%CPU, command): ").append(busy).append('\n');
    }
    b.append(String.format(Locale.ROOT,
        "- %d rounds per workload after %d ms warmup per alternative (or the workload's own minimum where"
            + " larger: toy-build 5 s, cold-scale 3 s), samples of ~%d ms, interleaved (memory, demo: %d rounds,"
            + " no warmup)%n",
        settings.rounds(), settings.warmupNanos() / 1_000_000, settings.sampleNanos() / 1_000_000,
        Math.min(settings.rounds(), ONCE_ROUNDS)));
    boolean alloc = settings.alloc();
    b.append("\n| workload | alternative | median | min – max | vs first row |")
        .append(alloc ? " CPU (Java threads) | alloc/unit | faults/unit |\n" : "\n");
    b.append("|---|---|---:|---:|---:|").append(alloc ? "---:|---:|---:|\n" : "\n");
    for (Result r : results) {
      Workload w = r.workload();
      Double reference = null;
      boolean first = true;
      for (Row row : r.rows()) {
        String label = first ? "**" + w.name() + "**<br>" + w.description() : "";
        first = false;
        if (row.samples.isEmpty()) {
          b.append("| ").append(label).append(" | ").append(row.alternative.name()).append(" | ")
              .append(row.status == null ? "no samples" : row.status).append(" | | |")
              .append(alloc ? " | | |\n" : "\n");
          continue;
        }
        double median = row.median();
        if (reference == null) {
          reference = median;
        }
        String status = row.status == null ? "" : " (then " + row.status + ")";
        String perQuery = "";
        if (w.perQuery() != null) {
          double ns = median * w.scale() / w.perQuery().getAsDouble();
          perQuery = ns >= 1_000 ? " (" + fmt(ns / 1_000) + " µs/query)" : " (" + fmt(ns) + " ns/query)";
        }
        b.append("| ").append(label).append(" | ").append(row.alternative.name()).append(" | ")
            .append(fmt(median)).append(' ').append(w.unit()).append(perQuery).append(status).append(" | ")
            .append(fmt(row.min())).append(" – ").append(fmt(row.max())).append(" | ")
            .append(String.format(Locale.ROOT, "%.2fx", median / reference)).append(" |");
        if (alloc) {
          b.append(' ').append(fmt(median(row.cpus))).append(' ').append(w.unit()).append(" | ")
              .append(fmt(median(row.allocs))).append(" B | ").append(fmt(median(row.faults))).append(" |");
        }
        b.append('\n');
      }
    }
    List<String> notes = new ArrayList<>();
    for (Result r : results) {
      for (Row row : r.rows()) {
        if (row.note != null) {
          notes.add("- " + r.workload().name() + ", " + row.alternative.name() + ": " + row.note);
        }
        String fresh = freshPages(row);
        if (fresh != null) {
          notes.add("- " + r.workload().name() + ", " + row.alternative.name() + ": " + fresh);
        }
      }
    }
    if (!notes.isEmpty()) {
      b.append("\nNotes:\n\n").append(String.join("\n", notes)).append('\n');
    }
    Summaries.Results lookup = lookup(results);
    for (var summary : Summaries.all()) {
      b.append(summary.apply(lookup));
    }
    List<String[]> verdicts = new ArrayList<>();
    for (Result r : results) {
      Map<String, Double> medians = new LinkedHashMap<>();
      Map<String, Double> best = new LinkedHashMap<>();
      for (Row row : r.rows()) {
        if (!row.samples.isEmpty()) {
          medians.put(row.alternative.name(), row.median());
          // best case per row: Weft's fastest sample against the alternatives' fastest samples
          best.put(row.alternative.name(), row.min());
        }
      }
      for (Workload.Target t : r.workload().targets()) {
        Workload.Verdict v = t.judge().apply(new Workload.Medians(medians));
        Workload.Verdict atBest = t.judge().apply(new Workload.Medians(best));
        String status = v.status().equals(atBest.status()) ? v.status()
            : v.status() + " (best samples: " + atBest.status() + ")";
        if (r.rows().stream().anyMatch(row -> freshPages(row) != null
            && v.detail().contains(row.alternative.name()))) {
          status += " (a row it compares ran on fresh pages: see Notes)";
        }
        verdicts.add(new String[] {r.workload().name(), t.text(), status, v.detail()});
      }
    }
    if (!verdicts.isEmpty()) {
      b.append("\nVerdicts are judged on the medians; where judging the fastest sample of every row gives a different"
          + " verdict, it is shown in parentheses (on a loaded machine the best samples are closer to the"
          + " intrinsic cost).\n");
      b.append("\n| workload | target | verdict | measured (medians) |\n|---|---|---|---|\n");
      for (String[] v : verdicts) {
        b.append("| ").append(v[0]).append(" | ").append(v[1]).append(" | ").append(v[2]).append(" | ")
            .append(v[3]).append(" |\n");
      }
    }
    return b.toString();
  }

  /** Whether this JVM was started with {@code -XX:+AlwaysPreTouch}. */
  private static boolean preTouched() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
        .contains("-XX:+AlwaysPreTouch");
  }

  /**
   * A note for a row whose samples took a minor page fault per {@link #MIN_FRESH_BYTES} to
   * {@link #FRESH_BYTES} bytes allocated: about a fault per page it allocated, as on a heap not yet cycled
   * through (a short run of one allocating row alone), so the faults, not the workload, may be most of its
   * figure. The faults are the whole process's: a row with more faults than its allocation explains faults in
   * something else (new threads' stacks) and is left alone.
   */
  private static String freshPages(Row row) {
    double alloc = median(row.allocs);
    double fault = median(row.faults);
    if (!(alloc > 0) || !(fault > 0) || alloc / fault > FRESH_BYTES || alloc / fault < MIN_FRESH_BYTES) {
      return null;
    }
    return String.format(Locale.ROOT, "%s minor page faults per unit, one per %,.0f bytes allocated, about one per"
        + " page: its samples ran on pages used for the first time (a heap not yet cycled through; or new"
        + " threads' stacks), and their faults are part of its figure. Pre-touch the heap (-XX:+AlwaysPreTouch)"
        + " or warm up longer (--warmup-ms) to measure it without them.", fmt(fault), alloc / fault);
  }

  /** A row allocating at most this many bytes per fault ran on fresh pages (a page is 4 KiB here). */
  static final double FRESH_BYTES = 5_120;
  /** A row allocating fewer bytes per fault faults in more than what it allocates. */
  static final double MIN_FRESH_BYTES = 2_048;

  private static Summaries.Results lookup(List<Result> results) {
    Map<String, Map<String, Row>> rows = new LinkedHashMap<>();
    for (Result r : results) {
      Map<String, Row> byName = new LinkedHashMap<>();
      for (Row row : r.rows()) {
        if (!row.samples.isEmpty()) {
          byName.put(row.alternative.name(), row);
        }
      }
      rows.put(r.workload().name(), byName);
    }
    return new Summaries.Results() {
      private Double get(String w, String a, java.util.function.Function<Row, List<Double>> f) {
        Row row = rows.getOrDefault(w, Map.of()).get(a);
        if (row == null) {
          return null;
        }
        double m = Compare.median(f.apply(row));
        return Double.isNaN(m) ? null : m;
      }

      @Override
      public boolean has(String workload) {
        return rows.containsKey(workload);
      }

      @Override
      public Double median(String workload, String alternative) {
        return get(workload, alternative, row -> row.samples);
      }

      @Override
      public Double alloc(String workload, String alternative) {
        return get(workload, alternative, row -> row.allocs);
      }

      @Override
      public Double faults(String workload, String alternative) {
        return get(workload, alternative, row -> row.faults);
      }

      @Override
      public Double cpu(String workload, String alternative) {
        return get(workload, alternative, row -> row.cpus);
      }
    };
  }

  /**
   * Every measured row as tab-separated values: workload, alternative, median, min, max, allocated bytes per
   * unit, minor faults per unit (medians), number of samples, CPU per unit (median). Read back by
   * {@link Launcher}.
   */
  private String tsv() {
    StringBuilder b = new StringBuilder();
    for (Result r : done) {
      for (Row row : r.rows()) {
        if (!row.samples.isEmpty()) {
          b.append(r.workload().name()).append('\t').append(row.alternative.name()).append('\t')
              .append(row.median()).append('\t').append(row.min()).append('\t').append(row.max()).append('\t')
              .append(median(row.allocs)).append('\t').append(median(row.faults)).append('\t')
              .append(row.samples.size()).append('\t').append(median(row.cpus)).append('\n');
        }
      }
    }
    return b.toString();
  }

  /** Three significant digits, plain notation. */
  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "–";
    }
    double a = Math.abs(v);
    if (a > 0 && a < 0.1) {
      return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).toPlainString();
    }
    String pattern = a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f";
    return String.format(Locale.ROOT, pattern, v);
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  /** Best effort: the top few processes by CPU, to record what else was running. */
  private static String busiestProcesses() {
    try {
      Process p = new ProcessBuilder("ps", "-eo", "pcpu,comm", "--sort=-pcpu").redirectErrorStream(true).start();
      List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
          .skip(1).limit(5).map(String::strip).toList();
      p.waitFor(5, TimeUnit.SECONDS);
      return String.join("; ", lines);
    } catch (IOException | RuntimeException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
