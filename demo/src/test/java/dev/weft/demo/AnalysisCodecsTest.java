package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.Codec;
import dev.weft.query.Codecs;
import dev.weft.query.Query;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every value the analysis computes for the fixture round-trips through its codec to an equal value that
 * encodes to the same bytes, and a decoded map iterates in the order the analysis built it in.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AnalysisCodecsTest {

  private static <T> T roundTrip(Codec<T> codec, T value) throws IOException {
    byte[] bytes = Codecs.encode(codec, value);
    T back = Codecs.decode(codec, bytes);
    assertThat(back).isEqualTo(value);
    assertThat(Codecs.encode(codec, back)).as("re-encoded %s", value).isEqualTo(bytes);
    return back;
  }

  @Test
  void everyValueOfTheFixture_roundTripsToAnEqualValueInTheSameOrder() throws Exception {
    SourceTree tree = SourceTree.load(Fixture.root(), null);
    try (AnalysisRun run = AnalysisTest.open(tree, "parallel-2")) {
      run.analyse();
      Analysis a = run.analysis;
      for (String f : tree.files()) {
        roundTrip(AnalysisCodecs.SOURCE_TEXT, tree.sources().get(f));
        roundTrip(AnalysisCodecs.PARSED_FILE, run.read(a.parse, f));
        roundTrip(AnalysisCodecs.DECLARATIONS, run.read(a.declarations, f));
        roundTrip(AnalysisCodecs.RESOLVED_IMPORTS, run.read(a.imports, f));
        roundTrip(AnalysisCodecs.FILE_CHECK, run.read(a.checkFile, f));
      }
      Analysis.PackageIndex index = run.read(a.packageIndex, Analysis.TREE);
      Analysis.PackageIndex indexBack = roundTrip(AnalysisCodecs.PACKAGE_INDEX, index);
      assertThat(indexBack.packages()).containsExactlyElementsOf(index.packages()).isSorted();
      assertThat(indexBack.files().keySet()).containsExactlyElementsOf(index.files().keySet());
      for (String pkg : index.packages()) {
        roundTrip(AnalysisCodecs.STRINGS, run.read(a.packageDeps, pkg));
        roundTrip(AnalysisCodecs.STRINGS, run.read(a.closure, pkg));
        roundTrip(AnalysisCodecs.REACH, run.read(a.transitiveDeps, pkg));
      }
      Analysis.PackageGraph graph = run.read(a.packageGraph, Analysis.TREE);
      assertThat(roundTrip(AnalysisCodecs.PACKAGE_GRAPH, graph).deps().keySet())
          .containsExactlyElementsOf(graph.deps().keySet());
      roundTrip(AnalysisCodecs.CYCLES, run.read(a.cycles, Analysis.TREE));
      roundTrip(AnalysisCodecs.REPORT, run.read(a.report, Analysis.TREE));
    }
  }

  @Test
  void nullComponents_roundTrip() throws Exception {
    roundTrip(AnalysisCodecs.PARSED_FILE, ParsedFile.unreadable("not valid UTF-8"));
    roundTrip(AnalysisCodecs.SOURCE_TEXT, SourceText.unreadable("NoSuchFileException: x"));
    roundTrip(AnalysisCodecs.DECLARATIONS, new Analysis.Declarations(null, List.of()));
    roundTrip(AnalysisCodecs.PACKAGE_GRAPH, new Analysis.PackageGraph(Map.of()));
  }

  @Test
  void queries_everyInputAndDerivedQuery_onceEach() {
    Analysis a = new Analysis(() -> {});
    assertThat(a.queries().stream().map(Query::name)).containsExactlyInAnyOrder("files", "source", "parse",
        "declarations", "packageIndex", "imports", "checkFile", "packageDeps", "packageGraph", "cycles", "closure",
        "transitiveDeps", "report");
    assertThat(a.executionsByQuery().keySet()).containsExactly("parse", "declarations", "packageIndex",
        "imports", "checkFile", "packageDeps", "packageGraph", "cycles", "closure", "transitiveDeps", "report");
  }
}
