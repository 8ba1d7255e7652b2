package dev.weft.demo;

import dev.weft.flow.TraceExport;
import dev.weft.query.Diagnostic;
import dev.weft.scheduler.Jobserver;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code weft-demo analyze [PATH]}: see {@code docs/demo.md}. */
@Command(name = "analyze", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Analyses a Java source tree with Weft queries: parses every file with the JDK's parser, resolves"
            + " imports, builds the package dependency graph, finds its cycles and transitive dependencies, and"
            + " reports diagnostics (syntax errors; unused, duplicate, unresolved and wildcard imports) in a"
            + " deterministic order.",
        "",
        "PATH is a directory or a zip of Java sources; by default the running JDK's lib/src.zip (module"
            + " java.base)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:analysis complete; every file was read and parsed",
        "1:analysis complete; some files could not be read or do not parse (see the diagnostics)",
        "2:invalid command line",
        "3:nothing to analyse: missing path, no Java sources, unknown module or --edit file",
        "4:the analysis itself failed"})
final class AnalyzeCommand implements Callable<Integer> {
  static final int OK = 0;
  static final int FILE_ERRORS = 1;
  static final int USAGE = 2;
  static final int BAD_INPUT = 3;
  static final int FAILED = 4;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "PATH",
      description = "Directory or zip of Java sources (default: ${java.home}/lib/src.zip).")
  Path path;

  @Option(names = "--modules", split = ",", paramLabel = "MODULE",
      description = "Modules (top-level directories) of a JDK src.zip layout to analyse (default for src.zip: java.base).")
  List<String> modules;

  @Option(names = "--all", description = "Analyse every module / every file under PATH.")
  boolean all;

  @Option(names = "--threads", paramLabel = "N",
      description = "Carrier threads: Scheduler.parallel(N) (default: available processors).")
  Integer threads;

  @Option(names = "--deterministic", paramLabel = "SEED",
      description = "Run on Scheduler.deterministic(SEED): output identical from run to run except timing lines.")
  Long seed;

  @Option(names = "--jobserver",
      description = "Share the carriers' job slots with GNU make: take them from the jobserver in MAKEFLAGS"
          + " (run the demo from a '+' recipe of make -jN); without one, run as configured.")
  boolean jobserver;

  @Option(names = "--baseline",
      description = "Run the same query bodies as plain sequential code with a HashMap memo, for comparison.")
  boolean baseline;

  @Option(names = "--edit", paramLabel = "FILE",
      description = "After the cold run, change FILE (a path of the tree, or a unique suffix of one) and re-run.")
  String edit;

  @Option(names = "--edit-change", paramLabel = "KIND", defaultValue = "import",
      description = "The change --edit makes: 'import' (add an unused import) or 'comment' (append a comment). Default: ${DEFAULT-VALUE}.")
  String editChange;

  @Option(names = "--diagnostics", paramLabel = "N", defaultValue = "20",
      description = "How many diagnostics to print (default: ${DEFAULT-VALUE}); counts by kind are always printed.")
  int diagnosticLimit;

  @Option(names = "--repeat", paramLabel = "N",
      description = "Analyse N times, each on a fresh engine (or memo), and report the last: earlier rounds warm up"
          + " the JIT so the timings of the last show the steady state (default: 1; with --compare: "
          + CompareRounds.DEFAULT_ROUNDS + " rounds).")
  Integer repeat;

  @Option(names = "--compare",
      description = "Measure instead of report: run parallel(1), parallel(N) (--threads, default: available"
          + " processors) and the --baseline in turns in this JVM, --repeat rounds each, and print each one's"
          + " median wall time over the second half of the rounds and their ratios.")
  boolean compare;

  @Option(names = "--store", paramLabel = "DIR",
      description = "Keep the analysis's memos in a local store in DIR (created if missing): a later run in a new"
          + " process reuses every memo whose inputs did not change instead of computing it.")
  Path storeDir;

  @Option(names = "--remote", paramLabel = "URL",
      description = "Share memos through a cache server speaking Bazel's HTTP caching protocol (nginx with"
          + " WebDAV PUT, bazel-remote) at URL; behind the local store when --store is given too.")
  URI remote;

  @Option(names = "--jfr", paramLabel = "FILE", description = "Record the run with JDK Flight Recorder into FILE.")
  Path jfr;

  @Option(names = "--trace", paramLabel = "FILE",
      description = "Write a Chrome/Perfetto trace of the run (from a JFR recording of Weft's events) to FILE.")
  Path trace;

  /** Set by {@link Main} when stderr is a terminal: draw a progress bar instead of plain lines. */
  boolean interactive;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Printer p = new Printer(out);
    if (baseline && (threads != null || seed != null)) {
      err.println("weft-demo: --baseline runs sequentially without Weft; it takes no --threads or --deterministic");
      return USAGE;
    }
    if (all && modules != null) {
      err.println("weft-demo: --all analyses every module; it takes no --modules");
      return USAGE;
    }
    if (threads != null && seed != null) {
      err.println("weft-demo: --deterministic runs on one carrier; it takes no --threads");
      return USAGE;
    }
    if (jobserver && (baseline || seed != null || compare)) {
      err.println("weft-demo: --jobserver applies to a parallel run; it takes no --baseline, --deterministic or"
          + " --compare");
      return USAGE;
    }
    if (threads != null && threads < 1) {
      err.println("weft-demo: --threads must be at least 1, got " + threads);
      return USAGE;
    }
    if (compare && (baseline || seed != null || edit != null)) {
      err.println("weft-demo: --compare runs parallel(1), parallel(N) and the baseline itself; it takes no"
          + " --baseline, --deterministic or --edit");
      return USAGE;
    }
    if ((storeDir != null || remote != null) && (baseline || compare)) {
      err.println("weft-demo: --store and --remote keep the engine's memos; they take no --baseline or --compare");
      return USAGE;
    }
    if (remote != null && (remote.getScheme() == null || !remote.getScheme().matches("https?")
        || remote.getHost() == null)) {
      err.println("weft-demo: --remote takes an http or https URL such as http://cache:8080/weft/, got '"
          + remote + "'");
      return USAGE;
    }
    int rounds = repeat != null ? repeat : compare ? CompareRounds.DEFAULT_ROUNDS : 1;
    if (rounds < 1 || (compare && rounds < 2)) {
      err.println("weft-demo: --repeat must be at least " + (compare ? "2 with --compare" : "1") + ", got "
          + rounds);
      return USAGE;
    }
    if (diagnosticLimit < 0) {
      err.println("weft-demo: --diagnostics must be at least 0, got " + diagnosticLimit);
      return USAGE;
    }
    if (!editChange.equals("import") && !editChange.equals("comment")) {
      err.println("weft-demo: --edit-change is 'import' or 'comment', got '" + editChange + "'");
      return USAGE;
    }
    if (!JavaSyntax.available()) {
      err.println("weft-demo: this Java runtime has no compiler (javax.tools); run the demo on a JDK");
      return BAD_INPUT;
    }

    SourceTree tree;
    String what;
    long loadStart = System.nanoTime();
    try {
      Path root = path;
      Set<String> filter = null;
      if (root == null) {
        root = Path.of(System.getProperty("java.home"), "lib", "src.zip");
        if (!Files.exists(root)) {
          throw new BadInputException("this JDK has no lib/src.zip (" + root + "); install the JDK's sources"
              + " or give a PATH to analyse");
        }
      }
      if (!all) {
        if (modules != null) {
          filter = new LinkedHashSet<>(modules);
        } else if (path == null) {
          filter = Set.of("java.base");
        }
      }
      tree = SourceTree.load(root, filter);
      what = filter != null ? String.join(", ", filter.stream().sorted().toList())
          : path == null ? "all modules" : "all files";
    } catch (BadInputException e) {
      err.println("weft-demo: " + e.getMessage());
      return BAD_INPUT;
    }
    long loadNanos = System.nanoTime() - loadStart;

    String editFile = null;
    if (edit != null) {
      editFile = findFile(tree, edit, err);
      if (editFile == null) {
        return BAD_INPUT;
      }
    }

    Recording recording = null;
    if (jfr != null || trace != null) {
      try {
        recording = new Recording(Configuration.getConfiguration("default"));
        recording.setName("weft-demo");
        for (String event : WEFT_EVENTS) {
          recording.enable(event).withoutStackTrace();
        }
        recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ofMillis(1));
        recording.start();
      } catch (IOException | ParseException | RuntimeException e) {
        err.println("weft-demo: cannot start a JFR recording: " + e.getMessage());
        return FAILED;
      }
    }
    try {
      if (compare) {
        int carriers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return new CompareRounds(tree, carriers, rounds).run(what, p, err);
      }
      return analyse(tree, what, editFile, rounds, loadNanos, p, err);
    } finally {
      if (recording != null) {
        finishRecording(recording, out, err);
      }
      out.flush();
      err.flush();
    }
  }

  /** Weft's JFR event types (DESIGN.md section 6), off by default and enabled here by name. */
  private static final List<String> WEFT_EVENTS = List.of("weft.QueryExecuted", "weft.QueryBlocked",
      "weft.CycleDetected", "weft.Stall", "weft.StageStats", "weft.Stabilize", "weft.Checkpoint");

  private void finishRecording(Recording recording, PrintWriter out, PrintWriter err) {
    Path file = jfr;
    try {
      recording.stop();
      if (file == null) {
        file = Files.createTempFile("weft-demo", ".jfr");
      }
      recording.dump(file);
      if (jfr != null) {
        out.println("JFR recording written to " + jfr);
      }
      if (trace != null) {
        int events = TraceExport.convert(file, trace);
        out.println("trace written to " + trace + " (" + events + " events; open it in ui.perfetto.dev)"
            + (events == 0 ? ": empty, no weft.* events were recorded" : ""));
      }
    } catch (IOException | RuntimeException e) {
      err.println("weft-demo: cannot write the recording or trace: " + e.getMessage());
    } finally {
      recording.close();
      if (jfr == null && file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          err.println("weft-demo: cannot delete " + file + ": " + e.getMessage());
        }
      }
    }
  }

  private int analyse(SourceTree tree, String what, String editFile, int repeat, long loadNanos, Printer p,
      PrintWriter err) {
    if (storeDir == null && remote == null) {
      return analyse(tree, what, editFile, repeat, loadNanos, null, p, err);
    }
    StoreSetup stores;
    try {
      stores = StoreSetup.open(storeDir, remote);
    } catch (RuntimeException e) {
      err.println("weft-demo: cannot open the memo store: " + e.getMessage());
      return FAILED;
    }
    int code;
    try (stores) {
      code = analyse(tree, what, editFile, repeat, loadNanos, stores, p, err);
    }
    if (code == OK || code == FILE_ERRORS) {
      stores.print(p, tree);
    }
    stores.failures().forEach(f -> err.println("weft-demo: the memo store was not written: " + f));
    p.flush();
    return code;
  }

  /**
   * Analyses {@code repeat} times (the last reported) and optionally re-runs after an edit.
   *
   * @param stores the stores the reported run's engine uses, or null; warm-up rounds run without them
   */
  private int analyse(SourceTree tree, String what, String editFile, int repeat, long loadNanos,
      StoreSetup stores, Printer p, PrintWriter err) {
    int carriers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    Progress progress = interactive
        ? Progress.bar("parse", tree.files().size(), System.err)
        : Progress.lines(tree.files().size(), err);
    AnalysisRun.Outcome cold;
    try (AnalysisRun run = open(tree, progress, carriers, stores)) {
      p.header(tree, what, run.describe());
      p.flush();
      for (int i = 1; i < repeat; i++) {
        try (AnalysisRun warmUp = open(tree, Progress.none(), carriers, null)) {
          AnalysisRun.Outcome o = warmUp.analyse();
          if (o.failure().isPresent()) {
            err.println("weft-demo: the analysis failed: " + o.failure().get());
            return FAILED;
          }
          timing(p, "round " + i + " of " + repeat + " (fresh " + (baseline ? "memo" : "engine") + ")", o,
              baseline || seed != null ? 1 : carriers);
          if (editFile != null && !baseline && tree.sources().get(editFile).readError() == null) {
            // The same edit on the warm-up engine: the reported re-run is then as warm as the reported analysis
            // (a re-run's verification and cutoff paths run in no from-scratch round).
            warmUp.edit(editFile, edited(warmUp, tree, editFile)[0]);
            AnalysisRun.Outcome re = warmUp.analyse();
            if (re.failure().isPresent()) {
              err.println("weft-demo: the re-run failed: " + re.failure().get());
              return FAILED;
            }
            p.timing("round %d of %d, edit re-run %,.1f ms wall (warm-up)", i, repeat, Printer.millis(re.wallNanos()));
          }
          p.flush();
        }
      }
      try (progress) {
        cold = run.analyse();
      }
      if (cold.failure().isPresent()) {
        err.println("weft-demo: the analysis failed: " + cold.failure().get());
        cold.failure().get().printStackTrace(err);
        return FAILED;
      }
      if (stores != null) {
        AnalysisRun.OnEngine onEngine = (AnalysisRun.OnEngine) run;
        stores.counters = cold.counters();
        stores.bodiesRun = run.analysis.executionsByQuery();
        stores.analysisNanos = cold.wallNanos();
        try {
          stores.checkpoint = onEngine.checkpoint(stores.local);
        } catch (UncheckedIOException e) {
          stores.failed("the checkpoint after the analysis", e);
        }
        onEngine.onCloseFailure(e -> stores.failed("the last checkpoint, on closing the engine", e));
      }
      Report r = cold.report();
      p.summary(r, cold.counters(), !baseline);
      p.cycles(r, 5);
      p.tops(r);
      p.cycleHandling(r, cold.counters(), !baseline);
      p.diagnostics(cold.diagnostics(), diagnosticLimit);
      p.text("");
      p.timing("load %,.0f ms (reading the sources; not part of the analysis)", Printer.millis(loadNanos));
      timing(p, repeat > 1 ? "round " + repeat + " of " + repeat + ", analysis" : "analysis", cold, baseline ? 1 : seed != null ? 1 : carriers);
      if (editFile != null) {
        int code = editAndRerun(run, tree, editFile, cold, p, err);
        if (code != OK) {
          return code;
        }
      }
      p.flush();
      return r.unreadable() > 0 || r.filesWithSyntaxErrors() > 0 ? FILE_ERRORS : OK;
    } catch (RuntimeException e) {
      err.println("weft-demo: the analysis failed: " + e);
      e.printStackTrace(err);
      return FAILED;
    }
  }

  private AnalysisRun open(SourceTree tree, Runnable progress, int carriers, StoreSetup stores) {
    return baseline
        ? new AnalysisRun.Baseline(tree, progress)
        : new AnalysisRun.OnEngine(tree, progress, carriers, seed,
            jobserver ? Jobserver.fromEnvironment() : Jobserver.none(), stores == null ? null : stores.store);
  }

  private static void timing(Printer p, String label, AnalysisRun.Outcome o, int carriers) {
    double wall = Printer.millis(o.wallNanos());
    if (o.cpuNanos() < 0) {
      p.timing("%s %,.0f ms wall", label, wall);
      return;
    }
    double cpu = Printer.millis(o.cpuNanos());
    p.timing("%s %,.0f ms wall, %,.0f ms CPU (whole process, GC and JIT included), parallelism %.2f (CPU/wall)"
        + " on %d carrier%s", label, wall, cpu, wall == 0 ? 0 : cpu / wall, carriers, carriers == 1 ? "" : "s");
  }

  private int editAndRerun(AnalysisRun run, SourceTree tree, String file, AnalysisRun.Outcome cold, Printer p,
      PrintWriter err) {
    if (tree.sources().get(file).readError() != null) {
      err.println("weft-demo: cannot --edit " + file + ": it could not be read");
      return BAD_INPUT;
    }
    String[] edit = edited(run, tree, file);
    String after = edit[0];
    String change = edit[1];
    long revisionBefore = run.revision();
    Queue<String> log = run.analysis.logExecutions();
    run.edit(file, after);
    AnalysisRun.Outcome re = run.analyse();
    p.text("");
    p.text("edit: %s", change);
    if (re.failure().isPresent()) {
      err.println("weft-demo: the re-run failed: " + re.failure().get());
      return FAILED;
    }
    AnalysisRun.Counters c = re.counters();
    if (baseline) {
      p.text("  re-run from scratch (the baseline has no incremental mode): %,d query bodies run", c.executions());
    } else {
      p.text("  incremental re-run (revision %d -> %d): %,d queries re-executed, %,d verified unchanged,"
          + " %,d cut off (re-executed to an equal value), %,d memo hits", revisionBefore, run.revision(),
          c.executions(), c.verifications() - c.reExecutions(), c.cutoffs(), c.hits());
      p.text("  durability: %s", run.durability());
    }
    List<String> executed = log.stream().sorted().toList();
    if (!baseline) {
      p.text("  re-executed: %s%s", String.join(", ", executed.subList(0, Math.min(12, executed.size()))),
          executed.size() > 12 ? String.format(Locale.ROOT, ", ... (+%,d more)", executed.size() - 12)
              : "");
    }
    List<List<String>> gone = diff(cold.diagnostics(), re.diagnostics());
    List<List<String>> added = diff(re.diagnostics(), cold.diagnostics());
    p.text("  diagnostics: %,d (%d new, %d gone)", re.diagnostics().size(), added.size(), gone.size());
    for (List<String> d : added) {
      p.text("    + %s", d.get(0));
      d.subList(1, d.size()).forEach(note -> p.text("      %s", note));
    }
    for (List<String> d : gone) {
      p.text("    - %s", d.get(0));
      d.subList(1, d.size()).forEach(note -> p.text("      %s", note));
    }
    List<String> changed = changes(cold.report().results(), re.report().results());
    p.text("  results: %s", changed.isEmpty() ? "unchanged" : String.join(", ", changed));
    double ratio = cold.wallNanos() == 0 ? 0 : 100.0 * re.wallNanos() / cold.wallNanos();
    p.timing("edit re-run %,.1f ms wall = %.2f%% of the cold analysis (%,.0f ms)", Printer.millis(re.wallNanos()),
        ratio, Printer.millis(cold.wallNanos()));
    return OK;
  }

  /** The components of two reports that differ, as {@code name a -> b} (lists by size). */
  static List<String> changes(Report a, Report b) {
    List<String> out = new ArrayList<>();
    for (RecordComponent c : Report.class.getRecordComponents()) {
      try {
        Object x = c.getAccessor().invoke(a);
        Object y = c.getAccessor().invoke(b);
        if (!x.equals(y)) {
          out.add(x instanceof List<?> l && y instanceof List<?> m
              ? c.getName() + " changed (" + l.size() + " -> " + m.size() + " entries)"
              : c.getName() + " " + x + " -> " + y);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** The diagnostics of {@code a} not in {@code b} (as many times as they are missing), as printed lines. */
  private static List<List<String>> diff(List<Diagnostic> a, List<Diagnostic> b) {
    Map<List<String>, Integer> counts = new HashMap<>();
    b.forEach(d -> counts.merge(Printer.lines(d), 1, Integer::sum));
    List<List<String>> out = new ArrayList<>();
    for (Diagnostic d : a) {
      List<String> s = Printer.lines(d);
      if (counts.merge(s, -1, Integer::sum) < 0) {
        out.add(s);
      }
    }
    return out;
  }

  /** The text of {@code file} after the {@code --edit-change}, and what changed, in words. */
  private String[] edited(AnalysisRun run, SourceTree tree, String file) {
    String before = tree.sources().get(file).text();
    if (editChange.equals("comment")) {
      return new String[] {before + (before.endsWith("\n") ? "" : "\n") + "// changed by weft-demo --edit\n",
          "appended a comment to " + file};
    }
    String imported = importToAdd(run, file);
    String[] inserted = insertImport(before, imported);
    return new String[] {inserted[0], "added \"import " + imported + ";\" at line " + inserted[1] + " of " + file};
  }

  /**
   * A type to import without using it: preferably one more type from a package the file already imports
   * from (so the package graph does not change and Weft cuts the re-run off early), else any type of another
   * package of the tree.
   */
  private static String importToAdd(AnalysisRun run, String file) {
    Analysis a = run.analysis;
    Analysis.PackageIndex index = run.read(a.packageIndex, Analysis.TREE);
    String own = run.read(a.parse, file).pkg();
    Set<String> present = new HashSet<>();
    List<Analysis.ResolvedImport> resolved = run.read(a.imports, file);
    resolved.forEach(r -> present.add(r.decl().name()));
    for (Analysis.ResolvedImport r : resolved) {
      if (r.resolution() == Analysis.Resolution.IN_TREE && !r.target().equals(own)) {
        for (String type : index.types().getOrDefault(r.target(), List.of())) {
          if (!present.contains(r.target() + "." + type)) {
            return r.target() + "." + type;
          }
        }
      }
    }
    for (Map.Entry<String, List<String>> e : index.types().entrySet()) {
      for (String type : e.getValue()) {
        if (!e.getKey().equals(own) && !e.getKey().isEmpty() && !present.contains(e.getKey() + "." + type)) {
          return e.getKey() + "." + type;
        }
      }
    }
    return "java.util.concurrent.atomic.AtomicLong";
  }

  private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([\\w.]+)\\s*;");
  private static final Pattern IMPORT = Pattern.compile("(?m)^\\s*import\\s+[\\w.*\\s]+;[^\\n]*$");

  /** Inserts an import after the last import (or the package declaration); returns the text and the line. */
  static String[] insertImport(String text, String imported) {
    int at = 0;
    Matcher m = IMPORT.matcher(text);
    while (m.find()) {
      at = m.end();
    }
    if (at == 0) {
      Matcher pkg = PACKAGE.matcher(text);
      if (pkg.find()) {
        at = text.indexOf('\n', pkg.end());
        at = at < 0 ? text.length() : at;
      }
    }
    String insert = "import " + imported + ";";
    String result;
    if (at == 0) {
      result = insert + "\n" + text;
    } else {
      result = text.substring(0, at) + "\n" + insert + text.substring(at);
    }
    int line = (int) result.substring(0, result.indexOf(insert)).chars().filter(ch -> ch == '\n').count() + 1;
    return new String[] {result, String.valueOf(line)};
  }

  /** The tree's file named {@code name} exactly or by a unique suffix after a {@code /}. */
  private static String findFile(SourceTree tree, String name, PrintWriter err) {
    String n = name.replace('\\', '/');
    if (tree.sources().containsKey(n)) {
      return n;
    }
    List<String> matches = tree.files().stream().filter(f -> f.endsWith("/" + n)).toList();
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      err.println("weft-demo: --edit " + name + ": no such file in the analysed tree");
    } else {
      err.println("weft-demo: --edit " + name + " is ambiguous: " + String.join(", ",
          matches.subList(0, Math.min(5, matches.size()))) + (matches.size() > 5 ? ", ..." : ""));
    }
    return null;
  }
}
