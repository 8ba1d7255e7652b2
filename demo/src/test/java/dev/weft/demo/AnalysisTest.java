package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.Diagnostic;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AnalysisTest {

  /** Runs the fixture in one mode: "baseline", "parallel-N" or "seed-S". */
  static AnalysisRun.Outcome run(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = open(tree, mode)) {
      return run.analyse();
    }
  }

  static AnalysisRun open(SourceTree tree, String mode) {
    if (mode.equals("baseline")) {
      return new AnalysisRun.Baseline(tree, () -> {});
    }
    if (mode.startsWith("parallel-")) {
      return new AnalysisRun.OnEngine(tree, () -> {}, Integer.parseInt(mode.substring(9)), null);
    }
    return new AnalysisRun.OnEngine(tree, () -> {}, 1, Long.parseLong(mode.substring(5)));
  }

  static List<String> rendered(List<Diagnostic> diagnostics) {
    return diagnostics.stream().map(Printer::render).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"baseline", "parallel-1", "parallel-2", "seed-0", "seed-1", "seed-42"})
  void report_fixture_matchesHandComputedSummary(String mode) throws Exception {
    AnalysisRun.Outcome o = run(mode);

    assertThat(o.failure()).isEmpty();
    Report r = o.report();
    assertThat(r.files()).isEqualTo(5);
    assertThat(r.packages()).isEqualTo(5);
    assertThat(r.types()).isEqualTo(5);
    assertThat(r.nestedTypes()).isEqualTo(1);
    assertThat(r.imports()).isEqualTo(10);
    assertThat(r.importsInTree()).isEqualTo(6);
    assertThat(r.importsExternal()).isEqualTo(3);
    assertThat(r.importsUnresolved()).isEqualTo(1);
    assertThat(r.wildcards()).isEqualTo(1);
    assertThat(r.unused()).isEqualTo(2);
    assertThat(r.filesWithSyntaxErrors()).isEqualTo(1);
    assertThat(r.unreadable()).isZero();
    assertThat(r.edges()).isEqualTo(5);
    assertThat(r.cycles()).containsExactly(List.of("a", "b", "c"));
    assertThat(r.cycleExamples()).containsExactly(List.of("a", "b", "c"));
    assertThat(r.packagesOnCycles()).isEqualTo(3);
    assertThat(r.topFanIn()).containsExactly(new Report.Count("a", 3), new Report.Count("b", 1),
        new Report.Count("c", 1), new Report.Count("d", 0), new Report.Count("e", 0));
    assertThat(r.topReach()).extracting(Report.Count::count).containsOnly(3);
    assertThat(r.disagreements()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"baseline", "parallel-2", "seed-0", "seed-7"})
  void diagnostics_fixture_handComputedInFileThenLineOrder(String mode) throws Exception {
    assertThat(rendered(run(mode).diagnostics())).containsExactly(Fixture.DIAGNOSTICS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"baseline", "parallel-2", "seed-7"})
  void diagnostics_fixture_carryLocationCodeAndNotes(String mode) throws Exception {
    List<Diagnostic> ds = run(mode).diagnostics();
    assertThat(ds).extracting(d -> d.code().orElseThrow()).containsExactly("unused-import", "wildcard-import",
        "unresolved-import", "unused-import", "duplicate-import", "syntax");
    Diagnostic duplicate = ds.get(4);
    assertThat(duplicate.severity()).isEqualTo(Diagnostic.Severity.WARNING);
    assertThat(duplicate.message()).isEqualTo("import a.A repeats line 3");
    assertThat(duplicate.location()).contains(Diagnostic.Location.of("d/D.java", 4, 1));
    assertThat(duplicate.notes()).containsExactly(Diagnostic.info("first imported here")
        .at(Diagnostic.Location.of("d/D.java", 3, 1)));
    assertThat(ds.get(5).location()).contains(Diagnostic.Location.of("e/Broken.java", 8, 11));
    assertThat(ds).allMatch(d -> d.location().isPresent());
  }

  @Test
  void transitiveDeps_cycleMembers_completedByFallbackAndExactOffTheCycle() throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = open(tree, "seed-0")) {
      Analysis a = run.analysis;
      assertThat(run.analyse().failure()).isEmpty();

      // d is off the cycle: its value is exact even though it read fallback values.
      assertThat(run.read(a.transitiveDeps, "d")).isEqualTo(new Analysis.Reach(List.of("a", "b", "c"), true));
      for (String p : List.of("a", "b", "c")) {
        Analysis.Reach r = run.read(a.transitiveDeps, p);
        assertThat(r.exact()).isFalse();
        assertThat(r.packages()).containsExactly("a", "b", "c");
      }
      assertThat(run.read(a.packageGraph, Analysis.TREE).deps()).isEqualTo(Map.of(
          "a", List.of("b"), "b", List.of("c"), "c", List.of("a"), "d", List.of("a"), "e", List.of("a")));
    }
  }

  @Test
  void report_baselineAndEngines_identicalResults() throws Exception {
    Report baseline = run("baseline").report().results();
    assertThat(run("parallel-2").report().results()).isEqualTo(baseline);
    assertThat(run("seed-3").report().results()).isEqualTo(baseline);
  }

  @Test
  void resolve_nestedTypeImport_resolvesToOuterPackage() {
    Analysis.PackageIndex index = new Analysis.PackageIndex(
        Map.of("p", List.of("Outer"), "p.q", List.of("T")), Map.of());

    assertThat(Analysis.resolve(index, new ImportDecl("p.Outer.Inner", false, false, 1, 1, true)).target())
        .isEqualTo("p");
    assertThat(Analysis.resolve(index, new ImportDecl("p.q.T", false, false, 1, 1, true)).target()).isEqualTo("p.q");
    assertThat(Analysis.resolve(index, new ImportDecl("p.Outer.CONST", true, false, 1, 1, true)).resolution())
        .isEqualTo(Analysis.Resolution.IN_TREE);
    assertThat(Analysis.resolve(index, new ImportDecl("p.q", false, true, 1, 1, true)).target()).isEqualTo("p.q");
    assertThat(Analysis.resolve(index, new ImportDecl("p.Nope", false, false, 1, 1, true)).resolution())
        .isEqualTo(Analysis.Resolution.UNRESOLVED);
    assertThat(Analysis.resolve(index, new ImportDecl("p.r.X", false, false, 1, 1, true)).resolution())
        .isEqualTo(Analysis.Resolution.EXTERNAL);
    assertThat(Analysis.resolve(index, new ImportDecl("java.util.List", false, false, 1, 1, true)).resolution())
        .isEqualTo(Analysis.Resolution.EXTERNAL);
  }

  @Test
  void findCycles_twoComponents_largestFirstWithShortestExample() {
    Map<String, List<String>> g = new java.util.LinkedHashMap<>();
    g.put("a", List.of("b"));
    g.put("b", List.of("a"));
    g.put("c", List.of("d"));
    g.put("d", List.of("e", "c"));
    g.put("e", List.of("c"));
    g.put("f", List.of("a"));

    Analysis.Cycles c = Analysis.findCycles(g);

    assertThat(c.components()).containsExactly(List.of("c", "d", "e"), List.of("a", "b"));
    assertThat(c.examples()).containsExactly(List.of("c", "d"), List.of("a", "b"));
  }
}
