package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end, through picocli, with captured output. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MainTest {
  @TempDir
  Path dir;

  record Result(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }

    /** The output without the lines that carry measured times. */
    List<String> untimed() {
      return out.lines().filter(l -> !l.startsWith(Printer.TIMING)).toList();
    }

    /** The lines from the first starting with {@code from} up to (excluding) the first starting with {@code to}. */
    List<String> section(String from, String to) {
      List<String> all = lines();
      int start = -1;
      for (int i = 0; i < all.size(); i++) {
        if (start < 0 && all.get(i).startsWith(from)) {
          start = i;
        } else if (start >= 0 && all.get(i).startsWith(to)) {
          return all.subList(start, i);
        }
      }
      throw new AssertionError("no section " + from + " .. " + to + " in\n" + out);
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.execute(args, new PrintWriter(out), new PrintWriter(err), false);
    return new Result(code, out.toString(), err.toString());
  }

  static String fixture() {
    return Fixture.root().toString();
  }

  @Test
  void execute_pathWithoutSubcommand_analysesAndExitsOneForTheFileThatDoesNotParse() {
    Result r = run(fixture(), "--deterministic", "0");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(r.out()).contains("mode: Weft, deterministic(seed 0)");
    assertThat(r.lines()).contains(
        "  files                          5  (0 unreadable, 1 with syntax errors)",
        "  dependency edges               5  (package -> package, from imports)",
        "  1. 3 packages: a, b, c",
        "     e.g. a -> b -> c -> a");
    assertThat(r.section("diagnostics (", Printer.TIMING).subList(1, 8))
        .containsExactly(Arrays.stream(Fixture.PRINTED).map(d -> "  " + d).toArray(String[]::new));
    assertThat(r.out()).contains("check: 2 of 2 exact transitiveDeps results agree");
    assertThat(r.err()).contains("parsed 5 of 5 files (100%)");
  }

  @Test
  void execute_sameSeedTwice_identicalOutputExceptTimingLines() {
    Result a = run("analyze", fixture(), "--deterministic", "42", "--edit", "d/D.java");
    Result b = run("analyze", fixture(), "--deterministic", "42", "--edit", "d/D.java");

    assertThat(a.untimed()).isEqualTo(b.untimed());
    assertThat(a.out()).isNotEqualTo(a.untimed().toString());
    assertThat(a.lines()).anyMatch(l -> l.startsWith("timing  analysis"));
  }

  @Test
  void execute_repeat_sameOutputWithATimingLinePerRound() {
    Result once = run(fixture(), "--deterministic", "9");
    Result thrice = run(fixture(), "--deterministic", "9", "--repeat", "3");

    assertThat(thrice.untimed()).isEqualTo(once.untimed());
    assertThat(thrice.lines()).filteredOn(l -> l.startsWith("timing  round")).hasSize(3);
  }

  /** Warm-up rounds make the edit too, on their own engines: the reported edit is unchanged. */
  @Test
  void execute_repeatWithEdit_warmUpRoundsEditTooAndTheReportIsTheSame() {
    Result once = run(fixture(), "--deterministic", "9", "--edit", "d/D.java");
    Result thrice = run(fixture(), "--deterministic", "9", "--edit", "d/D.java", "--repeat", "3");

    assertThat(thrice.untimed()).isEqualTo(once.untimed());
    assertThat(thrice.lines()).filteredOn(l -> l.startsWith("timing  round") && l.contains("edit re-run"))
        .hasSize(2).allSatisfy(l -> assertThat(l).endsWith("(warm-up)"));
    assertThat(thrice.lines()).filteredOn(l -> l.startsWith("timing  edit re-run")).hasSize(1);

    Result baseline = run(fixture(), "--baseline", "--edit", "d/D.java", "--repeat", "3");
    assertThat(baseline.lines()).noneMatch(l -> l.contains("(warm-up)"));
  }

  @Test
  void execute_parallelAndDeterministic_identicalDiagnostics() {
    Result parallel = run(fixture(), "--threads", "2");
    Result seeded = run(fixture(), "--deterministic", "7");

    assertThat(parallel.section("diagnostics by kind", Printer.TIMING))
        .isEqualTo(seeded.section("diagnostics by kind", Printer.TIMING))
        .hasSize(16);
  }

  @Test
  void execute_baseline_sameResultsAsTheEngine() {
    Result engine = run(fixture(), "--threads", "1");
    Result baseline = run(fixture(), "--baseline");

    assertThat(baseline.code()).isEqualTo(engine.code());
    assertThat(baseline.out()).contains("mode: baseline");
    assertThat(results(baseline)).isEqualTo(results(engine));
    assertThat(baseline.section("diagnostics by kind", Printer.TIMING))
        .isEqualTo(engine.section("diagnostics by kind", Printer.TIMING));
  }

  /** The summary and tables without the lines about how the work was executed. */
  private static List<String> results(Result r) {
    return r.section("summary", "cycle handling").stream()
        .filter(l -> !l.contains("queries executed") && !l.contains("query bodies run"))
        .toList();
  }

  @Test
  void execute_treeWithoutErrors_exitsZero() throws IOException {
    copyFixture(dir, "a", "b", "c", "d");

    Result r = run(dir.toString(), "--threads", "2");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.OK);
    assertThat(r.out()).contains("(0 unreadable, 0 with syntax errors)");
  }

  @Test
  void execute_unreadableFile_reportedAndRestAnalysed() throws IOException {
    copyFixture(dir, "a", "b", "c");
    Files.write(dir.resolve("c/Bad.java"), new byte[] {(byte) 0xFF, (byte) 0xFE, 'x'});

    Result r = run(dir.toString(), "--deterministic", "1");

    assertThat(r.code()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(r.out()).contains("c/Bad.java: error[read-error]: cannot read: not valid UTF-8")
        .contains("  1. 3 packages: a, b, c");
  }

  @Test
  void execute_zipWithModules_analysesTheChosenModulesOnly() throws IOException {
    Path zip = dir.resolve("src.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (String[] e : new String[][] {
          {"m1/p/A.java", "package p; import q.B; public class A { B b; }"},
          {"m2/q/B.java", "package q; import p.A; public class B { A a; }"},
          {"m3/r/C.java", "package r; import java.util.*; class C {}"}}) {
        out.putNextEntry(new ZipEntry(e[0]));
        out.write(e[1].getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }

    Result two = run(zip.toString(), "--modules", "m1,m2", "--deterministic", "0");
    Result all = run(zip.toString(), "--all", "--deterministic", "0");
    Result unknown = run(zip.toString(), "--modules", "m9");

    assertThat(two.code()).isZero();
    assertThat(two.out()).contains("analyze m1, m2 in", "  1. 2 packages: p, q").doesNotContain("[wildcard-import]");
    assertThat(all.out()).contains("analyze all files in",
        "m3/r/C.java:1:12: info[wildcard-import]: import java.util.* imports on demand");
    assertThat(unknown.code()).isEqualTo(AnalyzeCommand.BAD_INPUT);
    assertThat(unknown.err()).contains("no module m9");
  }

  @Test
  void execute_missingPath_exitsThreeWithMessage() {
    Result r = run(dir.resolve("missing").toString());

    assertThat(r.code()).isEqualTo(AnalyzeCommand.BAD_INPUT);
    assertThat(r.err()).contains("no such file or directory");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void execute_emptyDirectory_exitsThreeWithMessage() {
    Result r = run(dir.toString());

    assertThat(r.code()).isEqualTo(AnalyzeCommand.BAD_INPUT);
    assertThat(r.err()).contains("no .java files in");
  }

  @Test
  void execute_unknownEditFile_exitsThree() {
    Result r = run(fixture(), "--edit", "Nope.java");

    assertThat(r.code()).isEqualTo(AnalyzeCommand.BAD_INPUT);
    assertThat(r.err()).contains("--edit Nope.java: no such file");
  }

  @Test
  void execute_conflictingOrInvalidOptions_exitsTwo() {
    assertThat(run(fixture(), "--threads", "0").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--baseline", "--threads", "2").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--deterministic", "1", "--threads", "2").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--edit-change", "rename").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--repeat", "0").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--all", "--modules", "a").code()).isEqualTo(AnalyzeCommand.USAGE);
    Result unknown = run(fixture(), "--bogus");
    assertThat(unknown.code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(unknown.err()).contains("Unknown option: '--bogus'");
  }

  @Test
  void execute_compare_everyModeEveryRoundThenMediansAndRatios() {
    Result r = run(fixture(), "--compare", "--threads", "2", "--repeat", "4");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS); // the fixture has a syntax error
    assertThat(r.out()).contains("mode: compare parallel(1), parallel(2), baseline in turns, 4 rounds");
    List<String> rounds = r.lines().stream().filter(l -> l.startsWith("timing  round")).toList();
    assertThat(rounds).hasSize(4);
    assertThat(rounds.get(0)).startsWith("timing  round 1 of 4: parallel(1) ").contains(", parallel(2) ")
        .contains(", baseline ").endsWith("(warm-up)");
    assertThat(rounds.get(1)).endsWith("(warm-up)");
    assertThat(rounds.get(2)).doesNotContain("warm-up");
    assertThat(r.out()).contains("median (min - max) of rounds 3-4:");
    assertThat(r.lines()).anyMatch(l -> l.startsWith("timing  parallel(1) ") && l.endsWith(")"))
        .anyMatch(l -> l.startsWith("timing  parallel(2) "))
        .anyMatch(l -> l.startsWith("timing  baseline "))
        .anyMatch(l -> l.matches("timing  parallel\\(2\\) is \\d+\\.\\d\\dx as fast as parallel\\(1\\)"))
        .anyMatch(l -> l.matches("timing  parallel\\(1\\) takes \\d+\\.\\d\\dx the baseline's time.*"));
    assertThat(r.out()).doesNotContain("summary", "diagnostics by kind");
  }

  @Test
  void execute_compareOnOneCarrier_comparesWithTheBaselineOnly() {
    Result r = run(fixture(), "--compare", "--threads", "1", "--repeat", "2");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(r.out()).contains("mode: compare parallel(1), baseline in turns, 2 rounds")
        .doesNotContain("as fast as");
    assertThat(r.lines()).filteredOn(l -> l.startsWith("timing  round")).hasSize(2);
    assertThat(r.out()).contains("round 2 counts, earlier ones warm up", "median (min - max) of round 2:");
  }

  @Test
  void execute_compareWithModeOptionsOrOneRound_exitsTwo() {
    for (String[] extra : List.of(new String[] {"--baseline"}, new String[] {"--deterministic", "1"},
        new String[] {"--edit", "D.java"}, new String[] {"--repeat", "1"})) {
      List<String> args = new java.util.ArrayList<>(List.of(fixture(), "--compare"));
      args.addAll(List.of(extra));
      Result r = run(args.toArray(String[]::new));
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(AnalyzeCommand.USAGE);
      assertThat(r.err()).contains("--compare");
    }
  }

  @Test
  void execute_help_listsOptionsAndExitCodes() {
    Result r = run("analyze", "--help");

    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("--deterministic=SEED", "--edit=FILE", "--baseline", "Exit codes:");
  }

  @Test
  void execute_editComment_everythingDownstreamCutOff() {
    Result r = run(fixture(), "--deterministic", "3", "--edit", "D.java", "--edit-change", "comment");

    assertThat(r.out()).contains("edit: appended a comment to d/D.java", "results: unchanged",
        "diagnostics: 6 (0 new, 0 gone)");
    assertThat(r.lines()).filteredOn(l -> l.startsWith("  re-executed: ")).singleElement()
        .satisfies(l -> assertThat(l).contains("parse(d/D.java)").doesNotContain("checkFile"));
    assertThat(r.lines()).anyMatch(l -> l.startsWith("timing  edit re-run"));
  }

  @Test
  void execute_editImport_newDiagnosticAndChangedCounts() {
    Result r = run(fixture(), "--threads", "2", "--edit", "d/D.java");

    assertThat(r.out()).contains("edit: added \"import b.B;\" at line 5 of d/D.java",
        "+ d/D.java:5:1: warning[unused-import]: import b.B is never used",
        "results: imports 10 -> 11");
    assertThat(r.lines()).filteredOn(l -> l.startsWith("  incremental re-run")).singleElement()
        .satisfies(l -> assertThat(l).startsWith("  incremental re-run (revision 2 -> 3): "));
    assertThat(r.lines()).contains("  durability: the file list HIGH, 5 sources LOW; every memo read a source, so"
        + " none was current by durability alone");
  }

  @Test
  void execute_jfrAndTrace_writeFiles() {
    Path jfr = dir.resolve("run.jfr");
    Path trace = dir.resolve("trace.json");

    Result r = run(fixture(), "--threads", "1", "--jfr", jfr.toString(), "--trace", trace.toString());

    assertThat(r.out()).contains("JFR recording written to " + jfr, "trace written to " + trace);
    assertThat(jfr).isNotEmptyFile();
    assertThat(trace).content().startsWith("{").contains("\"name\":\"parse(d/D.java)\"");
  }

  @Test
  void trace_existingRecording_convertsNextToIt() {
    Path jfr = dir.resolve("again.jfr");
    run(fixture(), "--threads", "2", "--jfr", jfr.toString());

    Result r = run("trace", jfr.toString());

    assertThat(r.code()).isZero();
    Path json = dir.resolve("again.json");
    assertThat(r.out()).contains("trace written to " + json);
    assertThat(json).content().startsWith("{").contains("\"name\":\"parse(d/D.java)\"", "\"thread_name\"");
  }

  @Test
  void trace_missingRecording_exitsThree() {
    Result r = run("trace", dir.resolve("nope.jfr").toString());

    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("no recording at");
  }

  static void copyFixture(Path target, String... packages) throws IOException {
    for (String p : packages) {
      Path from = Fixture.root().resolve(p);
      try (Stream<Path> files = Files.list(from)) {
        for (Path f : files.toList()) {
          Files.createDirectories(target.resolve(p));
          Files.copy(f, target.resolve(p).resolve(f.getFileName().toString()));
        }
      }
    }
  }
}
