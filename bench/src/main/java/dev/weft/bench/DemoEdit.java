package dev.weft.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code demo-edit} workload: the demo's one-file {@code --edit} re-run on the JDK's {@code java.base}
 * sources, as a share of the cold analysis. Each sample is one child JVM running the demo
 * ({@code dev.weft.demo.Main}, on this JVM's class path) as {@code docs/demo.md} measures the edit row:
 * {@code --threads 2 --repeat 6 --edit java/lang/StringBuilder.java --diagnostics 0}, so the cold analysis is the
 * sixth, JIT-warm one on a fresh engine, and the edit re-runs on that engine, as warm as the analysis: each of
 * the five warm-up rounds makes the same edit on its own engine. The sample is the demo's own
 * {@code edit re-run ... = X% of the cold analysis}; the notes give the times and what the re-run did.
 */
final class DemoEdit {
  private DemoEdit() {}

  static final String FILE = "java/lang/StringBuilder.java";
  private static final Pattern EDIT = Pattern.compile(
      "timing\\s+edit re-run ([\\d,.]+) ms wall = ([\\d.]+)% of the cold analysis \\(([\\d,.]+) ms\\)");
  private static final Pattern COUNTS = Pattern.compile("incremental re-run \\(revision \\d+ -> \\d+\\): ([\\d,]+)"
      + " queries re-executed, ([\\d,]+) verified unchanged, ([\\d,]+) cut off");

  static List<Workload> workloads() {
    Workload.Builder b = Workload.builder("demo-edit", "the demo on java.base: a one-file --edit re-run (" + FILE
            + ", parallel(2)) as a share of the JIT-warm cold analysis; one child JVM per sample")
        .unit("% of cold", 1).once();
    b.scale(1e4);
    for (String kind : List.of("import", "comment")) {
      b.add(Alternative.weft("Weft parallel(2), " + kind + " edit", () -> launched(kind)));
    }
    b.target("issue 16: demo one-file --edit re-run ≤ 1% of the cold run (import edit)",
        Workload.Verdict.atMost("Weft parallel(2), import edit", 1, "%"));
    return List.of(b.build());
  }

  private static Measured launched(String kind) {
    List<String> notes = new ArrayList<>();
    return new Measured() {
      @Override
      public long run(long iterations) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Launcher.javaCommand(List.of("-Xms2g",
            "--add-exports", "jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED")));
        cmd.addAll(List.of("dev.weft.demo.Main", "--threads", "2", "--repeat", "6", "--edit", FILE,
            "--edit-change", kind, "--diagnostics", "0"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
          p.destroyForcibly();
          throw new IllegalStateException("the demo did not finish");
        }
        Matcher m = EDIT.matcher(out);
        if (!m.find()) {
          throw new IllegalStateException("no 'edit re-run' line in the demo's output (exit code " + p.exitValue()
              + "): " + out.lines().filter(l -> l.startsWith("timing") || l.contains("weft-demo")).toList());
        }
        Matcher c = COUNTS.matcher(out);
        notes.add(String.format(Locale.ROOT, "re-run %s ms of %s ms%s", m.group(1), m.group(3),
            c.find() ? " (" + c.group(1) + " re-executed, " + c.group(2) + " verified, " + c.group(3) + " cut off)"
                : ""));
        return Math.round(Double.parseDouble(m.group(2)) * 1e4);
      }

      @Override
      public String note() {
        return "per JVM: " + String.join("; ", notes);
      }
    };
  }
}
