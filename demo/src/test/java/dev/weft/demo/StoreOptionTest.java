package dev.weft.demo;

import static dev.weft.demo.MainTest.copyFixture;
import static dev.weft.demo.MainTest.fixture;
import static dev.weft.demo.MainTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.demo.MainTest.Result;
import dev.weft.store.CacheServer;
import dev.weft.store.CacheServers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --store DIR} and {@code --remote URL}: a second run in a new JVM reuses the first run's memos and
 * parses nothing, with the same results; an edit between runs re-parses only the edited file; a second
 * machine (an empty local store) reuses what the first published to a real nginx; a missing server or an
 * unwritable store costs speed, never results.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreOptionTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  private static final Pattern REUSED = Pattern.compile("(?m)^  reused from the store +([\\d,]+) ");
  private static final Pattern DECODED = Pattern.compile("(?m)^  reused from the store .*, values decoded ([\\d,]+),");
  private static final Pattern BODIES = Pattern.compile("(?m)^  bodies run +[\\d,]+  \\((.*)\\)$");

  @TempDir Path dir;

  /** The analysis in a new JVM with the test class path, as a user would run it a second time. */
  static Result runInNewJvm(Path workDir, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-opens", "java.base/java.lang=ALL-UNNAMED",
        "--add-exports", "jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(workDir, "out", ".txt");
      Path err = Files.createTempFile(workDir, "err", ".txt");
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError("the demo did not finish in 90 s:\n" + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Memos the run reused from its store. */
  static int reused(Result r) {
    Matcher m = REUSED.matcher(r.out());
    assertThat(m.find()).as("a 'reused from the store' line in\n%s", r.out()).isTrue();
    return Integer.parseInt(m.group(1).replace(",", ""));
  }

  /** The bodies run, by query: {@code parse 5, declarations 5, ...}. */
  static String bodies(Result r) {
    Matcher m = BODIES.matcher(r.out());
    assertThat(m.find()).as("a 'bodies run' line in\n%s", r.out()).isTrue();
    return m.group(1);
  }

  /**
   * What a run found, without what depends on how it got there: timing lines, the execution counters and the
   * memo store section.
   */
  static List<String> results(Result r) {
    List<String> out = new ArrayList<>();
    for (String line : r.untimed()) {
      if (line.equals("memo store")) {
        break;
      }
      if (!line.startsWith("  queries executed")) {
        out.add(line);
      }
    }
    while (!out.isEmpty() && out.getLast().isEmpty()) {
      out.removeLast();
    }
    return out;
  }

  @Test
  void analyze_secondRunInANewJvm_reusesTheStoreAndParsesNothing() {
    String store = dir.resolve("store").toString();
    Result first = run(fixture(), "--store", store, "--deterministic", "0");
    assertThat(first.code()).as(first.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(reused(first)).isZero();
    assertThat(bodies(first)).startsWith("parse 5, declarations 5,");
    assertThat(first.out()).containsPattern("(?m)^  traces stored +[1-9]")
        .containsPattern("(?m)^  local store +.*store: .* in \\d+ files, ")
        .containsPattern("(?m)^timing  store open ").containsPattern("(?m)^timing  checkpoint ");

    Result second = runInNewJvm(dir, fixture(), "--store", store, "--deterministic", "0");
    assertThat(second.code()).as(second.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(reused(second)).isPositive();
    assertThat(bodies(second)).startsWith("parse 0, declarations 0, packageIndex 0, imports 0, checkFile 0,");
    assertThat(results(second)).isEqualTo(results(first)).contains("  " + Fixture.DIAGNOSTICS[5]);
    // The files' parse, declarations and imports are reused for their fingerprints only, never decoded.
    Matcher decoded = DECODED.matcher(second.out());
    assertThat(decoded.find()).as(second.out()).isTrue();
    assertThat(Integer.parseInt(decoded.group(1).replace(",", ""))).isPositive()
        .isLessThanOrEqualTo(reused(second) - 3 * 5);
  }

  @Test
  void analyze_fileEditedBetweenRuns_reparsesThatFileOnlyWithFreshResults() throws IOException {
    Path tree = dir.resolve("tree");
    copyFixture(tree, "a", "b", "c", "d", "e");
    String store = dir.resolve("store").toString();
    assertThat(run(tree.toString(), "--store", store).code()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    Path a = tree.resolve("a/A.java");
    Files.writeString(a, Files.readString(a).replace("import java.util.Map;", "import java.util.Queue;"));

    Result edited = run(tree.toString(), "--store", store);
    Result fresh = run(tree.toString());

    assertThat(bodies(edited)).startsWith("parse 1, ");
    assertThat(reused(edited)).isPositive();
    assertThat(results(edited)).isEqualTo(results(fresh))
        .contains("  a/A.java:5:1: warning[unused-import]: import java.util.Queue is never used");
  }

  @Test
  void analyze_secondMachineWithAnEmptyLocalStore_reusesWhatTheFirstPublished() {
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    String remote = server.base().resolve("second-machine/").toString();
    Result first = run(fixture(), "--store", dir.resolve("first").toString(), "--remote", remote);
    assertThat(first.code()).as(first.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(first.out()).containsPattern("(?m)^  remote cache +RemoteCache\\[" + Pattern.quote(remote)
        + "\\]: \\d+ lookups, 0 hits, \\d+ misses, 0 errors .*, [1-9]\\d* traces uploaded, 0 dropped; bundles 0"
        + " loaded .*, 0 hits, 1 uploaded$")
        .containsPattern("(?m)^timing  remote \\d+ requests, ");

    String second = dir.resolve("second").toString();
    Result other = runInNewJvm(dir, fixture(), "--store", second, "--remote", remote);
    assertThat(other.code()).as(other.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(bodies(other)).startsWith("parse 0, ");
    assertThat(other.out()).containsPattern("(?m)^  remote cache .*: \\d+ lookups, [1-9]\\d* hits, .* 0 errors .*;"
        + " bundles 1 loaded .*, [1-9]\\d* hits, 0 uploaded$"); // what it reused came in one bundle
    assertThat(results(other)).isEqualTo(results(first));

    // What the second machine fetched is in its local store now: no server needed.
    Result local = run(fixture(), "--store", second);
    assertThat(bodies(local)).startsWith("parse 0, ");
    assertThat(reused(local)).isEqualTo(reused(other));
  }

  @Test
  void analyze_remoteServerDown_completesWithTheSameResultsAndCountsTheErrors() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Result r = run(fixture(), "--remote", "http://127.0.0.1:" + port + "/cache/", "--deterministic", "0");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(r.out()).containsPattern("(?m)^  remote cache .*: \\d+ lookups, 0 hits, \\d+ misses, [1-9]\\d* errors");
    assertThat(bodies(r)).startsWith("parse 5, ");
    assertThat(results(r)).isEqualTo(results(run(fixture(), "--deterministic", "0")));
  }

  @Test
  void analyze_storeCannotBeWritten_resultsStandAndTheFailureIsReported() throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-directory"), "x");

    Result r = run(fixture(), "--store", file.toString(), "--deterministic", "0");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(r.err()).contains("weft-demo: the memo store was not written: the checkpoint after the analysis");
    assertThat(r.out()).contains("  store not written: ");
    assertThat(results(r)).isEqualTo(results(run(fixture(), "--deterministic", "0")));
  }

  @Test
  void analyze_repeatWithAStore_warmUpRoundsLeaveTheStoreAlone() {
    Result r = run(fixture(), "--store", dir.resolve("store").toString(), "--repeat", "2");

    assertThat(r.code()).as(r.err()).isEqualTo(AnalyzeCommand.FILE_ERRORS);
    assertThat(reused(r)).isZero();
    assertThat(bodies(r)).startsWith("parse 5, ");
  }

  @Test
  void analyze_storeWithBaselineOrCompareOrANonHttpRemote_exitsTwo() {
    String store = dir.resolve("store").toString();
    assertThat(run(fixture(), "--store", store, "--baseline").code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(run(fixture(), "--remote", "http://127.0.0.1:1/", "--compare").code())
        .isEqualTo(AnalyzeCommand.USAGE);
    Result ftp = run(fixture(), "--remote", "ftp://cache/weft/");
    assertThat(ftp.code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(ftp.err()).contains("--remote takes an http or https URL");
  }
}
