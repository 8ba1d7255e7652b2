package dev.weft.srctest.modules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.deadlock.WaitForGraph;
import dev.weft.flow.Pipeline;
import dev.weft.junit.WeftTest;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weft on the module path, as a modular application uses it: a small module of its own ({@code weft.probe},
 * compiled here) requires {@code dev.weft.query} and {@code dev.weft.flow}, and runs in a child JVM with the
 * library jars of this build on {@code --module-path}. The other tests of the build run on the class path.
 *
 * <ul>
 *   <li>With {@code --add-opens java.base/java.lang=dev.weft.scheduler}, tasks run on Weft's own carriers,
 *       queries and pipelines work, and JFR records the events of the named modules.</li>
 *   <li>Without the flag, or with the class-path form {@code =ALL-UNNAMED} (which opens nothing to a named
 *       module), a parallel scheduler falls back with its one warning.</li>
 *   <li>Each module's descriptor exports its API packages only.</li>
 * </ul>
 */
@Timeout(120)
class ModulePathTest {
  private static final String MODULE_INFO = """
      module weft.probe {
        requires dev.weft.query;
        requires dev.weft.flow;
        requires jdk.jfr;
      }
      """;

  private static final String MAIN = """
      package probe;

      import dev.weft.flow.Pipeline;
      import dev.weft.query.Query;
      import dev.weft.query.QueryEngine;
      import dev.weft.scheduler.Scheduler;
      import java.nio.file.Files;
      import java.nio.file.Path;
      import java.util.List;
      import jdk.jfr.Recording;
      import jdk.jfr.consumer.RecordingFile;

      public final class Main {
        public static void main(String[] args) throws Exception {
          boolean jfr = args.length > 0 && args[0].equals("jfr");
          try (Scheduler s = Scheduler.parallel(2);
              QueryEngine engine = QueryEngine.builder().scheduler(s).build();
              Recording recording = new Recording()) {
            recording.enable("weft.QueryExecuted").withoutThreshold();
            if (jfr) {
              recording.start();
            }
            System.out.println("ownCarriers=" + s.stats().ownCarriers());
            System.out.println("thread=" + s.spawn("probe", () -> Thread.currentThread().toString()).join());
            Query<Integer, Integer> square = Query.of("square", (ctx, k) -> k * k);
            Query<Integer, Integer> sum = Query.of("sum", (ctx, n) -> {
              int total = 0;
              for (int x : ctx.getAll(square, List.of(1, 2, 3, 4))) {
                total += x;
              }
              return total;
            });
            System.out.println("query=" + engine.get(sum, 4));
            System.out.println("pipeline=" + Pipeline.from(List.of(1, 2, 3)).map(x -> x * 10).toList(s));
            if (jfr) {
              recording.stop();
              Path file = Files.createTempFile("probe", ".jfr");
              recording.dump(file);
              System.out.println("jfrEvents=" + RecordingFile.readAllEvents(file).stream()
                  .filter(e -> e.getEventType().getName().equals("weft.QueryExecuted")).count());
              Files.delete(file);
            }
          }
        }
      }
      """;

  private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

  /** The library modules of this build (jars after {@code package}, class directories before). */
  private static List<Path> libraries;
  private static Path probe;

  @BeforeAll
  static void compileProbe(@TempDir Path dir) throws Exception {
    libraries = List.of(location(WaitForGraph.class), location(Scheduler.class), location(QueryEngine.class),
        location(Pipeline.class), location(dev.weft.store.LocalStore.class));
    Path src = dir.resolve("src");
    Files.createDirectories(src.resolve("probe"));
    Files.writeString(src.resolve("module-info.java"), MODULE_INFO);
    Files.writeString(src.resolve("probe/Main.java"), MAIN);
    probe = dir.resolve("probe");
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    int status = javac.run(null, messages, messages, "--release", "25", "--module-path", modulePath(),
        "-d", probe.toString(), src.resolve("module-info.java").toString(), src.resolve("probe/Main.java").toString());
    assertThat(status).as("javac: %s", messages).isZero();
  }

  private static Path location(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static String modulePath() {
    return libraries.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
  }

  @Test
  void libraryModules_exportTheirApiPackagesOnly() throws URISyntaxException {
    Map<String, Set<String>> exports = new TreeMap<>();
    List<Path> all = new ArrayList<>(libraries);
    all.add(location(WeftTest.class));
    for (ModuleReference ref : ModuleFinder.of(all.toArray(Path[]::new)).findAll()) {
      ModuleDescriptor d = ref.descriptor();
      assertThat(d.isAutomatic()).as("%s has a module descriptor", d.name()).isFalse();
      exports.put(d.name(), d.exports().stream()
          .map(e -> e.source() + (e.isQualified() ? " to " + e.targets() : ""))
          .collect(Collectors.toSet()));
    }
    assertThat(exports).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "dev.weft.deadlock", Set.of("dev.weft.deadlock"),
        // the internal package is exported to the query module only (its idle hooks), never to user code
        "dev.weft.scheduler", Set.of("dev.weft.scheduler", "dev.weft.scheduler.internal to [dev.weft.query]"),
        "dev.weft.query", Set.of("dev.weft.query"),
        "dev.weft.flow", Set.of("dev.weft.flow", "dev.weft.flow.metrics"),
        "dev.weft.store", Set.of("dev.weft.store"),
        "dev.weft.junit", Set.of("dev.weft.junit"))));
  }

  @Test
  void modulePath_withAddOpensNamingTheModule_runsOnWeftsCarriers() throws Exception {
    Result r = run(List.of("--add-opens", "java.base/java.lang=dev.weft.scheduler"), "jfr");
    assertThat(r.values()).containsEntry("ownCarriers", "true")
        .containsEntry("query", "30")
        .containsEntry("pipeline", "[10, 20, 30]");
    // a virtual thread's name ends with its carrier: Weft's carriers are named <scheduler>-carrier-<n>
    assertThat(r.values().get("thread")).startsWith("VirtualThread[").contains("-carrier-");
    assertThat(Integer.parseInt(r.values().get("jfrEvents"))).isPositive();
    assertThat(r.output()).doesNotContain("Falling back");
  }

  @Test
  void modulePath_withoutAddOpens_fallsBackWithOneWarning() throws Exception {
    Result r = run(List.of());
    assertThat(r.values()).containsEntry("ownCarriers", "false").containsEntry("query", "30");
    assertThat(r.output()).containsOnlyOnce("Falling back to the JDK's default virtual-thread scheduler")
        .contains("--add-opens java.base/java.lang=");
  }

  @Test
  void modulePath_withClassPathFormOfTheFlag_fallsBack() throws Exception {
    Result r = run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"));
    assertThat(r.values()).containsEntry("ownCarriers", "false");
    assertThat(r.output()).contains("Falling back");
  }

  private record Result(String output, Map<String, String> values) {}

  private static Result run(List<String> flags, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(JAVA));
    command.addAll(flags);
    command.addAll(List.of("--module-path", modulePath() + java.io.File.pathSeparator + probe,
        "--module", "weft.probe/probe.Main"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("exit code; output:%n%s", output).isZero();
    System.out.println(String.join(" ", flags) + ":\n" + output);
    Map<String, String> values = new TreeMap<>();
    for (String line : output.split("\\R")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[a-zA-Z]+")) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    return new Result(output, values);
  }
}
