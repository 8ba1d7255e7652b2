package dev.weft.demo;

import dev.weft.query.Diagnostic;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The summary, in a fixed layout. Every line that depends on time starts with {@value #TIMING}; all other
 * output is a function of the input, the mode and (in deterministic mode) the seed.
 */
final class Printer {
  /** The prefix of every line that contains a measured time. */
  static final String TIMING = "timing";
  private static final int CYCLE_MEMBERS_SHOWN = 8;

  private final PrintWriter out;

  Printer(PrintWriter out) {
    this.out = out;
  }

  private void line(String format, Object... args) {
    out.println(String.format(Locale.ROOT, format, args));
  }

  void header(SourceTree tree, String what, String mode) {
    line("Weft demo: analyze %s in %s", what, tree.root());
    line("mode: %s", mode);
    line("parser: %s", JavaSyntax.describe());
  }

  void summary(Report r, AnalysisRun.Counters c, boolean engine) {
    line("");
    line("summary");
    line("  %-22s %,9d  (%,d unreadable, %,d with syntax errors)", "files", r.files(), r.unreadable(),
        r.filesWithSyntaxErrors());
    line("  %-22s %,9d", "packages", r.packages());
    line("  %-22s %,9d  top-level, %,d nested", "types", r.types(), r.nestedTypes());
    line("  %-22s %,9d  (%,d within the tree, %,d external, %,d unresolved, %,d wildcard, %,d unused)",
        "imports", r.imports(), r.importsInTree(), r.importsExternal(), r.importsUnresolved(), r.wildcards(),
        r.unused());
    line("  %-22s %,9d  (package -> package, from imports)", "dependency edges", r.edges());
    line("  %-22s %,9d  in %,d strongly connected component%s", "packages on cycles", r.packagesOnCycles(),
        r.cycles().size(), r.cycles().size() == 1 ? "" : "s");
    if (engine) {
      line("  %-22s %,9d  (reused from memo %,d, waited for another task %,d, cycles detected %,d)",
          "queries executed", c.executions(), c.hits(), c.waits(), c.cycles());
    } else {
      line("  %-22s %,9d  (reused from memo %,d, cycles met %,d)", "query bodies run", c.executions(), c.hits(),
          c.cycles());
    }
  }

  void cycles(Report r, int limit) {
    line("");
    if (r.cycles().isEmpty()) {
      line("dependency cycles: none (the package graph is acyclic)");
      return;
    }
    line("biggest dependency cycles (strongly connected packages)");
    for (int i = 0; i < Math.min(limit, r.cycles().size()); i++) {
      List<String> c = r.cycles().get(i);
      List<String> shown = c.subList(0, Math.min(CYCLE_MEMBERS_SHOWN, c.size()));
      line("  %d. %,d packages: %s%s", i + 1, c.size(), String.join(", ", shown),
          c.size() > shown.size() ? String.format(Locale.ROOT, ", ... (+%,d more)", c.size() - shown.size()) : "");
      List<String> e = new ArrayList<>(r.cycleExamples().get(i));
      e.add(e.get(0));
      line("     e.g. %s", String.join(" -> ", e));
    }
    if (r.cycles().size() > limit) {
      line("  ... and %,d smaller", r.cycles().size() - limit);
    }
  }

  void tops(Report r) {
    line("");
    line("top packages by fan-in (packages of the tree that import them)");
    for (Report.Count c : r.topFanIn()) {
      line("  %-50s %,6d", c.pkg(), c.count());
    }
    line("");
    line("top packages by transitive dependencies (packages reachable through imports)");
    for (Report.Count c : r.topReach()) {
      line("  %-50s %,6d", c.pkg(), c.count());
    }
  }

  void cycleHandling(Report r, AnalysisRun.Counters c, boolean engine) {
    line("");
    line("cycle handling");
    if (engine) {
      line("  transitiveDeps(pkg) reads transitiveDeps of each dependency, so a package cycle is a query cycle.");
      line("  Weft detected %,d such cycle%s and completed %,d transitiveDeps quer%s on them with the query's",
          c.cycles(), c.cycles() == 1 ? "" : "s", r.fallbacks(), r.fallbacks() == 1 ? "y" : "ies");
      line("  cycle fallback (the cycle's packages, marked inexact) instead of failing or hanging; their");
      line("  dependents, and the report, completed those sets with a plain walk of the package graph.");
    } else {
      line("  The baseline met %,d query cycle%s on its stack and completed %,d transitiveDeps value%s with the",
          c.cycles(), c.cycles() == 1 ? "" : "s", r.fallbacks(), r.fallbacks() == 1 ? "" : "s");
      line("  same cycle fallback, then completed those sets with a plain walk of the package graph.");
    }
    int exact = r.packages() - r.fallbacks();
    line("  check: %,d of %,d exact transitiveDeps results agree with a plain walk of the graph%s", exact
        - r.disagreements(), exact, r.disagreements() == 0 ? "" : "  <-- MISMATCH");
  }

  void diagnostics(List<Diagnostic> diagnostics, int limit) {
    line("");
    Map<String, long[]> byKind = new TreeMap<>();
    Map<String, String> severity = new TreeMap<>();
    for (Diagnostic d : diagnostics) {
      String kind = String.valueOf(Analysis.Kind.of(d));
      byKind.computeIfAbsent(kind, k -> new long[1])[0]++;
      severity.putIfAbsent(kind, d.severity().name().toLowerCase(Locale.ROOT));
    }
    line("diagnostics by kind (%,d in all)", diagnostics.size());
    if (byKind.isEmpty()) {
      line("  none");
    }
    byKind.forEach((k, n) -> line("  %-22s %-8s %,8d", k, severity.get(k), n[0]));
    if (limit > 0 && !diagnostics.isEmpty()) {
      line("");
      line("diagnostics (%s, in Weft's deterministic order: by file, then line and column)",
          diagnostics.size() > limit ? String.format(Locale.ROOT, "first %,d of %,d", limit, diagnostics.size())
              : "all " + diagnostics.size());
      for (Diagnostic d : diagnostics.subList(0, Math.min(limit, diagnostics.size()))) {
        for (String l : lines(d)) {
          line("  %s", l);
        }
      }
    }
  }

  /**
   * A diagnostic's first line as a compiler prints it: place, severity, code in brackets, message, as in
   * {@code a/A.java:5:1: warning[unused-import]: import java.util.Map is never used}. A diagnostic without a
   * place starts with its severity.
   */
  static String render(Diagnostic d) {
    return d.location().map(l -> l + ": ").orElse("") + d.severity().name().toLowerCase(Locale.ROOT)
        + d.code().map(c -> "[" + c + "]").orElse("") + ": " + d.message();
  }

  /** {@link #render}, then each note indented on a line of its own as {@code place: note: message}. */
  static List<String> lines(Diagnostic d) {
    List<String> out = new ArrayList<>(1 + d.notes().size());
    out.add(render(d));
    for (Diagnostic n : d.notes()) {
      out.add("  " + n.location().map(l -> l + ": ").orElse("") + "note: " + n.message());
    }
    return out;
  }

  void timing(String format, Object... args) {
    line(TIMING + "  " + format, args);
  }

  void text(String format, Object... args) {
    line(format, args);
  }

  void flush() {
    out.flush();
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }
}
