package dev.weft.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs the comparison runner in child JVMs, for what one JVM cannot show: how a fresh heap changes the
 * figures. {@code --pretouch-both} runs the whole selection twice, warm and interleaved as usual, once with
 * {@code -XX:+AlwaysPreTouch} (every heap page touched before {@code main}) and once without (a page costs a
 * fault when first touched), and prints both reports and the per-size tables side by side.
 * {@code --first-runs N} measures the first iteration of each selected alternative alone in a fresh JVM, N JVMs
 * per figure, with and without pre-touch: the command-line case, where nothing is warm (neither the JIT nor
 * the heap). Children get this JVM's flags (heap size, {@code --add-opens}) minus any pre-touch and
 * recording flag, and write their figures to a temporary file that this JVM reads back.
 */
final class Launcher {
  private Launcher() {}

  private static final String PRETOUCH = "-XX:+AlwaysPreTouch";
  private static final Set<String> WITH_VALUE = Set.of("--rounds", "--warmup-ms", "--sample-ms", "--out", "--only",
      "--tsv", "--toy-modules", "--toy-seed", "--first-runs");

  /** Per workload and alternative: median, min, max, alloc/unit, faults/unit, samples, CPU/unit. */
  private record Figures(Map<String, Map<String, double[]>> rows) implements Summaries.Results {
    static Figures read(Path tsv) throws IOException {
      Map<String, Map<String, double[]>> rows = new LinkedHashMap<>();
      for (String line : Files.readAllLines(tsv, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t");
        double[] v = new double[f.length - 2];
        for (int i = 2; i < f.length; i++) {
          v[i - 2] = Double.parseDouble(f[i]);
        }
        rows.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], v);
      }
      return new Figures(rows);
    }

    private Double get(String w, String a, int i) {
      double[] v = rows.getOrDefault(w, Map.of()).get(a);
      return v == null || Double.isNaN(v[i]) ? null : v[i];
    }

    @Override
    public boolean has(String workload) {
      return rows.containsKey(workload);
    }

    @Override
    public Double median(String workload, String alternative) {
      return get(workload, alternative, 0);
    }

    @Override
    public Double alloc(String workload, String alternative) {
      return get(workload, alternative, 3);
    }

    @Override
    public Double faults(String workload, String alternative) {
      return get(workload, alternative, 4);
    }

    @Override
    public Double cpu(String workload, String alternative) {
      double[] v = rows.getOrDefault(workload, Map.of()).get(alternative);
      return v == null || v.length < 7 || Double.isNaN(v[6]) ? null : v[6];
    }
  }

  static void main(String[] args) throws Exception {
    boolean both = false;
    int firstRuns = 0;
    Path out = null;
    List<String> pass = new ArrayList<>(); // for the children
    List<String> toy = new ArrayList<>();
    List<String> selectors = new ArrayList<>();
    String only = null;
    boolean exact = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String v = WITH_VALUE.contains(a) && i + 1 < args.length ? args[++i] : null;
      switch (a) {
        case "--pretouch-both" -> both = true;
        case "--first-runs" -> firstRuns = Integer.parseInt(v);
        case "--out" -> out = Path.of(v);
        case "--tsv" -> {}
        default -> {
          pass.add(a);
          if (v != null) {
            pass.add(v);
          }
          if (a.startsWith("--toy-")) {
            toy.add(a);
            if (v != null) {
              toy.add(v);
            }
          } else if (a.equals("--only")) {
            only = v;
          } else if (a.equals("--exact")) {
            exact = true;
          } else if (!a.startsWith("-")) {
            selectors.add(a);
          }
        }
      }
    }
    Instant start = Instant.now();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    StringBuilder b = new StringBuilder();
    if (both) {
      List<String> labels = List.of("pre-touched", "no pre-touch");
      List<Summaries.Results> results = new ArrayList<>();
      List<String> reports = new ArrayList<>();
      for (String label : labels) {
        Path tsv = Files.createTempFile("weft-bench", ".tsv");
        List<String> childArgs = new ArrayList<>(pass);
        childArgs.add("--tsv");
        childArgs.add(tsv.toString());
        System.err.printf("[launcher] %s JVM: %s%n", label, String.join(" ", childArgs));
        reports.add(launch(label.equals("pre-touched"), childArgs, true));
        results.add(Figures.read(tsv));
        Files.deleteIfExists(tsv);
      }
      b.append("## Warm runs in two JVMs, with and without -XX:+AlwaysPreTouch\n\n");
      for (int i = 0; i < labels.size(); i++) {
        b.append("### ").append(i == 0 ? "With " + PRETOUCH : "Without pre-touch").append("\n\n")
            .append(reports.get(i).replaceFirst("^## ", "#### ")).append('\n');
      }
      b.append("### Side by side\n").append(ColdScale.table(labels, results)).append('\n');
    }
    if (firstRuns > 0) {
      b.append(firstRuns(firstRuns, selectors, only, exact, toy));
    }
    b.insert(0, String.format(Locale.ROOT, "- launched %s; %s; load average (1 min) %.2f before, %.2f after%n%n",
        start.truncatedTo(ChronoUnit.SECONDS), "arguments `" + String.join(" ", args) + "`", loadBefore,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
    System.out.println(b);
    if (out != null) {
      Files.writeString(out, b.toString(), StandardCharsets.UTF_8);
    }
    System.exit(0);
  }

  private static String firstRuns(int n, List<String> selectors, String only, boolean exact, List<String> toy)
      throws Exception {
    List<Workload> selected = Compare.select(Workloads.all(), selectors);
    List<String> labels = List.of("first run, pre-touched", "first run, no pre-touch");
    // per label: workload -> alternative -> samples of {time, alloc, faults}
    List<Map<String, Map<String, List<double[]>>>> samples = List.of(new LinkedHashMap<>(), new LinkedHashMap<>());
    for (int rep = 0; rep < n; rep++) {
      for (Workload w : selected) {
        for (Alternative alt : w.alternatives()) {
          if (only != null && !(exact ? alt.name().equals(only)
              : alt.name().toLowerCase(Locale.ROOT).contains(only.toLowerCase(Locale.ROOT)))) {
            continue;
          }
          for (int v = 0; v < 2; v++) {
            Path tsv = Files.createTempFile("weft-bench", ".tsv");
            List<String> childArgs = new ArrayList<>(List.of("--first-run", "--quick", "--only", alt.name(), "--exact",
                "--tsv", tsv.toString()));
            childArgs.addAll(toy);
            childArgs.add(w.name());
            System.err.printf("[launcher] first run %d/%d, %s: %s / %s%n", rep + 1, n, labels.get(v), w.name(),
                alt.name());
            launch(v == 0, childArgs, false);
            Figures f = Figures.read(tsv);
            Files.deleteIfExists(tsv);
            Double t = f.median(w.name(), alt.name());
            if (t != null) {
              Double a = f.alloc(w.name(), alt.name());
              Double fl = f.faults(w.name(), alt.name());
              samples.get(v).computeIfAbsent(w.name(), k -> new LinkedHashMap<>())
                  .computeIfAbsent(alt.name(), k -> new ArrayList<>())
                  .add(new double[] {t, a == null ? Double.NaN : a, fl == null ? Double.NaN : fl});
            }
          }
        }
      }
    }
    List<Summaries.Results> results = new ArrayList<>();
    for (Map<String, Map<String, List<double[]>>> byWorkload : samples) {
      Map<String, Map<String, double[]>> rows = new LinkedHashMap<>();
      byWorkload.forEach((w, byAlt) -> byAlt.forEach((a, list) -> {
        double[] m = new double[6];
        for (int i = 0; i < 3; i++) {
          int col = i;
          double med = Compare.median(list.stream().map(x -> x[col]).toList());
          m[i == 0 ? 0 : i + 2] = med;
        }
        m[1] = list.stream().mapToDouble(x -> x[0]).min().orElse(Double.NaN);
        m[2] = list.stream().mapToDouble(x -> x[0]).max().orElse(Double.NaN);
        m[5] = list.size();
        rows.computeIfAbsent(w, k -> new LinkedHashMap<>()).put(a, m);
      }));
      results.add(new Figures(rows));
    }
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "## First run in a fresh JVM (%d JVMs per"
        + " figure, medians; nothing warm: neither the JIT nor, without pre-touch, the heap)%n%n", n));
    b.append("| workload | alternative | ").append(labels.get(0)).append(" (min – max) | ").append(labels.get(1))
        .append(" (min – max) |\n|---|---|---:|---:|\n");
    for (Workload w : selected) {
      for (Alternative alt : w.alternatives()) {
        StringBuilder row = new StringBuilder("| " + w.name() + " | " + alt.name() + " |");
        boolean any = false;
        for (Summaries.Results r : results) {
          double[] v = ((Figures) r).rows().getOrDefault(w.name(), Map.of()).get(alt.name());
          any |= v != null;
          row.append(v == null ? " – |" : " " + Compare.fmt(v[0]) + " " + w.unit() + " (" + Compare.fmt(v[1]) + " – "
              + Compare.fmt(v[2]) + ") |");
        }
        if (any) {
          b.append(row).append('\n');
        }
      }
    }
    b.append(ColdScale.table(labels, results));
    return b.toString();
  }

  /** Runs the comparison runner in a child JVM; returns its standard output (its report) if asked to. */
  private static String launch(boolean pretouch, List<String> args, boolean keepOutput)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(javaCommand(pretouch ? List.of(PRETOUCH) : List.of()));
    cmd.add(Compare.class.getName());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
    if (!keepOutput) {
      pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = pb.start();
    String out = keepOutput ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8) : "";
    if (!p.waitFor(2, TimeUnit.HOURS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("child JVM failed: " + String.join(" ", cmd));
    }
    return out;
  }

  /**
   * {@code java}, this JVM's flags (minus pre-touch and recording flags, and minus heap sizes when
   * {@code extra} sets one) plus {@code extra}, and this JVM's class path: the start of a command that runs a
   * main class of this class path in a child JVM.
   */
  static List<String> javaCommand(List<String> extra) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    boolean opens = false;
    boolean heap = extra.stream().anyMatch(a -> a.startsWith("-Xm"));
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.contains("AlwaysPreTouch") || a.startsWith("-XX:StartFlightRecording") || a.startsWith("-agentlib")
          || a.startsWith("-javaagent") || (heap && a.startsWith("-Xm"))) {
        continue;
      }
      opens |= a.startsWith("--add-opens") && a.contains("java.base/java.lang=");
      cmd.add(a);
    }
    if (!opens) {
      cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    }
    cmd.addAll(extra);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    return cmd;
  }
}
