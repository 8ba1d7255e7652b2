package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Incremental re-runs: an edit recomputes only what depends on the edited file. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AnalysisRunTest {

  @ParameterizedTest
  @ValueSource(strings = {"parallel-2", "seed-0", "seed-5"})
  void edit_commentAppended_onlyTheFileIsReparsedAndNothingElseOfItsDependents(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = AnalysisTest.open(tree, mode)) {
      AnalysisRun.Outcome cold = run.analyse();
      Queue<String> log = run.analysis.logExecutions();

      run.edit("d/D.java", tree.sources().get("d/D.java").text() + "// note\n");
      AnalysisRun.Outcome warm = run.analyse();

      // parse(d/D.java) is re-executed to an equal value, so nothing that reads it runs again; the
      // transitiveDeps cycle a -> b -> c -> a read nothing that changed, so it is verified as a unit.
      assertThat(log).containsExactly("parse(d/D.java)");
      assertThat(warm.counters().cutoffs()).isGreaterThanOrEqualTo(1);
      assertThat(warm.report()).isEqualTo(cold.report());
      assertThat(warm.diagnostics()).isEqualTo(cold.diagnostics());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel-2", "seed-3"})
  void open_wholeTree_oneRevisionWithTheFileListHigh(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = AnalysisTest.open(tree, mode)) {
      assertThat(run.revision()).as("every input set in one transaction").isEqualTo(2);
      assertThat(run.durability()).isEqualTo("the file list HIGH, 5 sources LOW; every memo read a source, so"
          + " none was current by durability alone");
      run.analyse();
      run.edit("d/D.java", tree.sources().get("d/D.java").text() + "// note\n");
      assertThat(run.revision()).isEqualTo(3);
    }
    try (AnalysisRun baseline = AnalysisTest.open(tree, "baseline")) {
      assertThat(baseline.durability()).isNull();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel-2", "seed-0"})
  void edit_unusedImportAdded_recomputesTheFileAndItsPackageOnly(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = AnalysisTest.open(tree, mode)) {
      run.analyse();
      Queue<String> log = run.analysis.logExecutions();

      run.edit("d/D.java", AnalyzeCommand.insertImport(tree.sources().get("d/D.java").text(), "java.util.List")[0]);
      AnalysisRun.Outcome warm = run.analyse();

      assertThat(log).contains("parse(d/D.java)", "declarations(d/D.java)", "imports(d/D.java)",
          "checkFile(d/D.java)", "packageDeps(d)", "report(tree)");
      // No other file is parsed or checked again; the package index and graph are verified or cut off.
      assertThat(log).noneMatch(q -> q.contains("(a/") || q.contains("(b/") || q.contains("(c/")
          || q.contains("(e/") || q.startsWith("packageIndex") || q.startsWith("cycles"));
      assertThat(AnalysisTest.rendered(warm.diagnostics()))
          .contains("d/D.java:5:1: warning[unused-import]: import java.util.List is never used")
          .hasSize(Fixture.DIAGNOSTICS.length + 1);
      assertThat(warm.report().edges()).isEqualTo(5);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"parallel-2", "seed-0", "seed-11"})
  void edit_sameCountsDifferentDiagnostic_reportCutOffButDiagnosticsCurrent(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = AnalysisTest.open(tree, mode)) {
      run.analyse();
      String text = tree.sources().get("d/D.java").text();
      run.edit("d/D.java", AnalyzeCommand.insertImport(text, "java.util.List")[0]);
      run.analyse();

      // The checkFile value (counts) is the same for either unused import, so report(tree) is cut off; the
      // diagnostics must still be those of the current revision.
      Queue<String> log = run.analysis.logExecutions();
      run.edit("d/D.java", AnalyzeCommand.insertImport(text, "java.util.Set")[0]);
      AnalysisRun.Outcome o = run.analyse();

      assertThat(log).contains("checkFile(d/D.java)").doesNotContain("report(tree)");
      assertThat(AnalysisTest.rendered(o.diagnostics()))
          .contains("d/D.java:5:1: warning[unused-import]: import java.util.Set is never used")
          .noneMatch(d -> d.contains("java.util.List"));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"baseline"})
  void edit_baseline_recomputesFromScratchWithTheSameResults(String mode) throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun baseline = AnalysisTest.open(tree, mode); AnalysisRun engine = AnalysisTest.open(tree, "seed-1")) {
      baseline.analyse();
      engine.analyse();
      String edited = AnalyzeCommand.insertImport(tree.sources().get("a/A.java").text(), "d.D")[0];
      baseline.edit("a/A.java", edited);
      engine.edit("a/A.java", edited);

      AnalysisRun.Outcome b = baseline.analyse();
      AnalysisRun.Outcome e = engine.analyse();

      assertThat(b.report().results()).isEqualTo(e.report().results());
      assertThat(b.report().edges()).isEqualTo(6);
      assertThat(b.report().cycles()).containsExactly(List.of("a", "b", "c", "d"));
      assertThat(AnalysisTest.rendered(b.diagnostics())).isEqualTo(AnalysisTest.rendered(e.diagnostics()));
    }
  }
}
