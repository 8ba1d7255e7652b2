package dev.weft.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code analyze --compare}: the same analysis on {@code parallel(1)}, {@code parallel(N)} and the sequential
 * baseline, measured side by side in one JVM. Separate JVMs per mode differ by more than the modes do on a
 * small machine (JIT and GC decisions settle differently from one JVM to the next), so every round runs each
 * mode once on a fresh engine or memo, starting from a different mode each round, and the first half of the
 * rounds only warms up the JIT. Every report must equal the first one (apart from the schedule-dependent
 * fallback count, see {@link Report#results()}).
 */
final class CompareRounds {
  static final int DEFAULT_ROUNDS = 12;

  private record Mode(String name, Supplier<AnalysisRun> open) {}

  private final SourceTree tree;
  private final int rounds;
  private final List<Mode> modes = new ArrayList<>();

  CompareRounds(SourceTree tree, int carriers, int rounds) {
    this.tree = tree;
    this.rounds = rounds;
    modes.add(new Mode("parallel(1)", () -> new AnalysisRun.OnEngine(tree, () -> {}, 1, null)));
    if (carriers > 1) {
      modes.add(new Mode("parallel(" + carriers + ")",
          () -> new AnalysisRun.OnEngine(tree, () -> {}, carriers, null)));
    }
    modes.add(new Mode("baseline", () -> new AnalysisRun.Baseline(tree, () -> {})));
  }

  /** The first round whose times count; earlier rounds warm up the JIT. */
  int firstCounted() {
    return rounds / 2 + 1;
  }

  /** "rounds 7-12", or "round 2" when only the last counts. */
  private String counted() {
    return firstCounted() == rounds ? "round " + rounds : "rounds " + firstCounted() + "-" + rounds;
  }

  int run(String what, Printer p, PrintWriter err) {
    p.header(tree, what, "compare " + String.join(", ", modes.stream().map(Mode::name).toList()) + " in turns, "
        + rounds + " rounds (each mode once per round on a fresh engine or memo, starting from a different"
        + " mode each round; " + counted() + (firstCounted() == rounds ? " counts" : " count")
        + ", earlier ones warm up the JIT)");
    p.flush();
    long[][] wall = new long[modes.size()][rounds];
    Report reference = null;
    String referenceMode = null;
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < modes.size(); k++) {
        int m = (r + k) % modes.size();
        Mode mode = modes.get(m);
        AnalysisRun.Outcome o;
        try (AnalysisRun run = mode.open().get()) {
          o = run.analyse();
        }
        if (o.failure().isPresent()) {
          err.println("weft-demo: the analysis failed on " + mode.name() + " in round " + (r + 1) + ": "
              + o.failure().get());
          o.failure().get().printStackTrace(err);
          return AnalyzeCommand.FAILED;
        }
        if (reference == null) {
          reference = o.report();
          referenceMode = mode.name();
        } else if (!reference.results().equals(o.report().results())) {
          err.println("weft-demo: " + mode.name() + " in round " + (r + 1) + " reported a different result than "
              + referenceMode + " in round 1");
          return AnalyzeCommand.FAILED;
        }
        wall[m][r] = o.wallNanos();
      }
      StringBuilder line = new StringBuilder();
      for (int m = 0; m < modes.size(); m++) {
        line.append(m == 0 ? "" : ", ").append(String.format("%s %,.0f ms", modes.get(m).name(),
            Printer.millis(wall[m][r])));
      }
      p.timing("round %d of %d: %s%s", r + 1, rounds, line, r + 1 < firstCounted() ? " (warm-up)" : "");
      p.flush();
    }
    p.text("");
    p.text("wall time of one analysis, median (min - max) of %s:", counted());
    double[] median = new double[modes.size()];
    for (int m = 0; m < modes.size(); m++) {
      long[] kept = Arrays.copyOfRange(wall[m], firstCounted() - 1, rounds);
      Arrays.sort(kept);
      median[m] = median(kept);
      p.timing("%-13s %,9.0f ms  (%,.0f - %,.0f)", modes.get(m).name(), median[m] / 1e6,
          Printer.millis(kept[0]), Printer.millis(kept[kept.length - 1]));
    }
    int base = modes.size() - 1;
    if (modes.size() == 3) {
      p.timing("%s is %.2fx as fast as parallel(1)", modes.get(1).name(), median[0] / median[1]);
    }
    p.timing("parallel(1) takes %.2fx the baseline's time (Weft's overhead on one carrier)", median[0] / median[base]);
    p.flush();
    return reference.unreadable() > 0 || reference.filesWithSyntaxErrors() > 0
        ? AnalyzeCommand.FILE_ERRORS : AnalyzeCommand.OK;
  }

  private static double median(long[] sorted) {
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
  }
}
