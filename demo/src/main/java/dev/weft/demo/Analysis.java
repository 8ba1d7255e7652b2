package dev.weft.demo;

import dev.weft.query.Codec;
import dev.weft.query.CycleFallback;
import dev.weft.query.Diagnostic;
import dev.weft.query.Diagnostic.Location;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryContext;
import dev.weft.query.QueryFunction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * The analysis as Weft queries. Every stage is a {@link QueryFunction} that reads the stages before it
 * through a {@link QueryContext}, so the same bodies run on a {@link dev.weft.query.QueryEngine} and on the
 * plain sequential {@link SequentialContext} used by {@code --baseline}.
 *
 * <pre>
 * files(tree), source(file)                      inputs
 * parse(file)            -> ParsedFile             javac parse of one file; the tree is dropped
 * declarations(file)     -> package and top-level types (cut off when a change leaves them alone)
 * packageIndex(tree)     -> types and files of every package      getAll(declarations, files)
 * imports(file)          -> each import resolved against packageIndex
 * checkFile(file)        -> reports the file's diagnostics
 * packageDeps(pkg)       -> packages pkg imports from             getAll(imports, files of pkg)
 * packageGraph(tree)     -> every package's dependencies          getAll(packageDeps, packages)
 * cycles(tree)           -> strongly connected packages (Tarjan) and a shortest cycle through each
 * closure(pkg)          -> packages reachable from pkg, by a plain walk of packageDeps
 * transitiveDeps(pkg)    -> recursive over packageDeps; real code is cyclic, see below
 * report(tree)           -> the summary                           getAll over files and packages
 * </pre>
 *
 * <p><b>Cycles.</b> {@code transitiveDeps(p)} reads {@code transitiveDeps(d)} for each dependency {@code d},
 * so a dependency cycle among packages is a query cycle. Weft detects it (on one thread or across threads)
 * and completes every query on the cycle with the cycle fallback: the packages of the cycle, marked
 * {@linkplain Reach#exact() inexact}. A query that reads an inexact value takes its own set from
 * {@code closure} instead, so every value off the cycle is exact; the report completes the fallback values
 * the same way and checks the recursive results against {@code closure}. Which queries end up on a detected
 * cycle depends on the order the recursion meets them, so the count of fallbacks is reported with the
 * engine's counters, not with the results.
 *
 * <p>Every query carries a codec and a version ({@link AnalysisCodecs}), inputs too, so that a
 * {@link dev.weft.query.MemoStore} keeps the analysis between processes ({@code --store}) and shares it
 * between machines ({@code --remote}).
 *
 * <p>Diagnostics are reported only by {@code checkFile}, which {@code report} reads with {@code getAll} in
 * file order, so Weft's sequential order is: by file, then by line and column. Each carries its place
 * ({@link Diagnostic#location()}: file, line, column), its kind as its code ({@code unused-import}), and for a
 * duplicate import a note at the first import of the same name.
 */
final class Analysis {
  /** The key of the whole-tree queries. */
  static final String TREE = "tree";

  /** A query's body and fallback, kept so that {@link SequentialContext} can run the same code. */
  record Def<K, V>(QueryFunction<K, V> body, CycleFallback<K, V> fallback) {}

  /** Package and top-level types of one file. */
  record Declarations(String pkg, List<String> types) {}

  /**
   * The packages declared in the tree.
   *
   * @param types the top-level types of each package, sorted
   * @param files the files of each package, sorted
   */
  record PackageIndex(Map<String, List<String>> types, Map<String, List<String>> files) {
    List<String> packages() {
      return List.copyOf(types.keySet());
    }
  }

  enum Resolution { IN_TREE, EXTERNAL, UNRESOLVED }

  /**
   * An import resolved against the tree.
   *
   * @param target the package the import refers to, when in the tree (also for an unresolved type in a
   *     package of the tree); {@code null} when external
   */
  record ResolvedImport(ImportDecl decl, Resolution resolution, String target) {}

  /** Per-file counts for the summary; the file's diagnostics go through {@code ctx.report}. */
  record FileCheck(boolean unreadable, int syntaxErrors, int types, int nestedTypes, int imports, int inTree,
      int external, int unresolved, int wildcards, int unused) {}

  /** Each package's dependencies within the tree, sorted. */
  record PackageGraph(Map<String, List<String>> deps) {
    int edges() {
      return deps.values().stream().mapToInt(List::size).sum();
    }
  }

  /**
   * Strongly connected components with more than one package, largest first (ties by first member), and a
   * shortest cycle through the first member of each.
   */
  record Cycles(List<List<String>> components, List<List<String>> examples) {}

  /**
   * The packages reachable from one package through one or more dependency edges, sorted.
   *
   * @param exact {@code false} for a cycle fallback, which holds only the packages of the detected cycle
   */
  record Reach(List<String> packages, boolean exact) {}

  final Input<String, List<String>> files = Query.<String, List<String>>builder("files")
      .codec(AnalysisCodecs.KEY, AnalysisCodecs.STRINGS).buildInput();
  final Input<String, SourceText> source = Query.<String, SourceText>builder("source")
      .codec(AnalysisCodecs.KEY, AnalysisCodecs.SOURCE_TEXT).buildInput();
  final Query<String, ParsedFile> parse;
  final Query<String, Declarations> declarations;
  final Query<String, PackageIndex> packageIndex;
  final Query<String, List<ResolvedImport>> imports;
  final Query<String, FileCheck> checkFile;
  final Query<String, List<String>> packageDeps;
  final Query<String, PackageGraph> packageGraph;
  final Query<String, Cycles> cycles;
  final Query<String, List<String>> closure;
  final Query<String, Reach> transitiveDeps;
  final Query<String, Report> report;

  private final Map<Query<?, ?>, Def<?, ?>> defs = new IdentityHashMap<>();
  private final Map<String, LongAdder> executions = new LinkedHashMap<>();
  private volatile Queue<String> executed;
  private final Runnable onParsed;

  /** @param onParsed called after each file is parsed (progress display); must be thread-safe */
  Analysis(Runnable onParsed) {
    this.onParsed = onParsed;
    parse = define("parse", AnalysisCodecs.PARSED_FILE, this::parse, null);
    declarations = define("declarations", AnalysisCodecs.DECLARATIONS, (ctx, file) -> {
      ParsedFile f = ctx.get(parse, file);
      return new Declarations(f.pkg(), f.types());
    }, null);
    packageIndex = define("packageIndex", AnalysisCodecs.PACKAGE_INDEX, this::packageIndex, null);
    imports = define("imports", AnalysisCodecs.RESOLVED_IMPORTS, this::imports, null);
    checkFile = define("checkFile", AnalysisCodecs.FILE_CHECK, this::checkFile, null);
    packageDeps = define("packageDeps", AnalysisCodecs.STRINGS, this::packageDeps, null);
    packageGraph = define("packageGraph", AnalysisCodecs.PACKAGE_GRAPH, (ctx, tree) -> {
      List<String> pkgs = ctx.get(packageIndex, tree).packages();
      List<List<String>> deps = ctx.getAll(packageDeps, pkgs);
      Map<String, List<String>> graph = new LinkedHashMap<>();
      for (int i = 0; i < pkgs.size(); i++) {
        graph.put(pkgs.get(i), deps.get(i));
      }
      return new PackageGraph(Collections.unmodifiableMap(graph));
    }, null);
    cycles = define("cycles", AnalysisCodecs.CYCLES,
        (ctx, tree) -> findCycles(ctx.get(packageGraph, tree).deps()), null);
    closure = define("closure", AnalysisCodecs.STRINGS, this::walk, null);
    transitiveDeps = define("transitiveDeps", AnalysisCodecs.REACH, this::transitiveDeps,
        (pkg, cycle) -> new Reach(cycle.stream().map(c -> (String) c.key()).sorted().toList(), false));
    report = define("report", AnalysisCodecs.REPORT, this::report, null);
  }

  /**
   * A derived query keyed by a string, with its value codec and {@link AnalysisCodecs#VERSION} so that a
   * store can keep it, and counted per name ({@link #executionsByQuery}).
   */
  private <V> Query<String, V> define(String name, Codec<V> values, QueryFunction<String, V> fn,
      CycleFallback<String, V> fallback) {
    LongAdder count = new LongAdder();
    executions.put(name, count);
    QueryFunction<String, V> body = (ctx, key) -> {
      count.increment();
      if (executed != null) {
        executed.add(name + "(" + key + ")");
      }
      return fn.compute(ctx, key);
    };
    Query.Builder<String, V> b = Query.<String, V>builder(name).codec(AnalysisCodecs.KEY, values)
        .version(AnalysisCodecs.VERSION);
    if (fallback != null) {
      b.cycleFallback(fallback);
    }
    Query<String, V> q = b.build(body);
    defs.put(q, new Def<>(body, fallback));
    return q;
  }

  /** The inputs and derived queries of the analysis, to register with an engine that has a store. */
  List<Query<?, ?>> queries() {
    List<Query<?, ?>> all = new ArrayList<>(List.of(files, source));
    all.addAll(defs.keySet().stream().sorted(Comparator.comparing(Query::name)).toList());
    return List.copyOf(all);
  }

  /** How many times each derived query's body ran so far, in the order the queries were defined. */
  Map<String, Long> executionsByQuery() {
    Map<String, Long> out = new LinkedHashMap<>();
    executions.forEach((name, n) -> out.put(name, n.sum()));
    return out;
  }

  /**
   * Starts logging every body execution as {@code name(key)} (for tests and for showing what an incremental
   * re-run recomputed); returns the log, which is replaced by the next call.
   */
  Queue<String> logExecutions() {
    Queue<String> log = new ConcurrentLinkedQueue<>();
    executed = log;
    return log;
  }

  /** The body and fallback of a derived query of this analysis, or {@code null} for an input. */
  @SuppressWarnings("unchecked")
  <K, V> Def<K, V> def(Query<K, V> query) {
    return (Def<K, V>) defs.get(query);
  }

  private ParsedFile parse(QueryContext ctx, String file) {
    SourceText text = ctx.get(source, file);
    ParsedFile parsed = text.readError() != null
        ? ParsedFile.unreadable(text.readError())
        : JavaSyntax.parse(file, text.text());
    onParsed.run();
    return parsed;
  }

  private PackageIndex packageIndex(QueryContext ctx, String tree) {
    List<String> all = ctx.get(files, tree);
    List<Declarations> decls = ctx.getAll(declarations, all);
    Map<String, TreeSet<String>> types = new TreeMap<>();
    Map<String, List<String>> byPackage = new TreeMap<>();
    for (int i = 0; i < all.size(); i++) {
      Declarations d = decls.get(i);
      if (d.pkg() == null) {
        continue;
      }
      types.computeIfAbsent(d.pkg(), p -> new TreeSet<>()).addAll(d.types());
      byPackage.computeIfAbsent(d.pkg(), p -> new ArrayList<>()).add(all.get(i));
    }
    Map<String, List<String>> frozenTypes = new LinkedHashMap<>();
    types.forEach((p, t) -> frozenTypes.put(p, List.copyOf(t)));
    Map<String, List<String>> frozenFiles = new LinkedHashMap<>();
    byPackage.forEach((p, f) -> frozenFiles.put(p, List.copyOf(f)));
    return new PackageIndex(Collections.unmodifiableMap(frozenTypes), Collections.unmodifiableMap(frozenFiles));
  }

  private List<ResolvedImport> imports(QueryContext ctx, String file) {
    ParsedFile f = ctx.get(parse, file);
    if (f.imports().isEmpty()) {
      return List.of();
    }
    PackageIndex index = ctx.get(packageIndex, TREE);
    List<ResolvedImport> out = new ArrayList<>(f.imports().size());
    for (ImportDecl d : f.imports()) {
      out.add(resolve(index, d));
    }
    return List.copyOf(out);
  }

  /**
   * Resolves an import against the packages of the tree. {@code a.b.T} resolves to package {@code a.b} when
   * the tree declares it and it has a top-level type {@code T}, and is unresolved when the package exists
   * without that type. Otherwise a longer name such as {@code a.b.T.Nested} resolves through its longest
   * prefix that is a package of the tree followed by one of that package's types. Anything else is external.
   * A static import names a member of a type, so its type is the name minus the last segment.
   */
  static ResolvedImport resolve(PackageIndex index, ImportDecl d) {
    String typeName = d.isStatic() && !d.wildcard() ? qualifier(d.name()) : d.name();
    if (d.wildcard() && !d.isStatic() && index.types().containsKey(typeName)) {
      return new ResolvedImport(d, Resolution.IN_TREE, typeName);
    }
    if (typeName.isEmpty()) {
      return new ResolvedImport(d, Resolution.EXTERNAL, null);
    }
    String pkg = qualifier(typeName);
    List<String> types = index.types().get(pkg);
    if (types != null) {
      return Collections.binarySearch(types, simple(typeName)) >= 0
          ? new ResolvedImport(d, Resolution.IN_TREE, pkg)
          : new ResolvedImport(d, Resolution.UNRESOLVED, pkg);
    }
    // A nested type: the longest prefix that is a package, followed by a type of that package.
    String rest = pkg;
    while (!rest.isEmpty()) {
      String outer = qualifier(rest);
      List<String> outerTypes = index.types().get(outer);
      if (outerTypes != null && Collections.binarySearch(outerTypes, simple(rest)) >= 0) {
        return new ResolvedImport(d, Resolution.IN_TREE, outer);
      }
      rest = outer;
    }
    return new ResolvedImport(d, Resolution.EXTERNAL, null);
  }

  private static String qualifier(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(0, dot);
  }

  private static String simple(String name) {
    return name.substring(name.lastIndexOf('.') + 1);
  }

  /** Diagnostic kinds, each reported with its label as the diagnostic's code, in the order listed for one place. */
  enum Kind {
    READ_ERROR("read-error"), SYNTAX("syntax"), DUPLICATE_IMPORT("duplicate-import"),
    UNRESOLVED_IMPORT("unresolved-import"), UNUSED_IMPORT("unused-import"), WILDCARD_IMPORT("wildcard-import");

    final String label;

    Kind(String label) {
      this.label = label;
    }

    /** The kind of a diagnostic: its code, or {@code null} if it has none. */
    static String of(Diagnostic d) {
      return d.code().orElse(null);
    }
  }

  /** A diagnostic and where it sorts within its file: by line, column, then kind (a read error comes first). */
  private record Finding(int line, int column, Kind kind, Diagnostic diagnostic) {}

  private FileCheck checkFile(QueryContext ctx, String file) {
    ParsedFile f = ctx.get(parse, file);
    List<ResolvedImport> resolved = ctx.get(imports, file);
    List<Finding> findings = new ArrayList<>();
    if (f.readError() != null) {
      findings.add(new Finding(0, 0, Kind.READ_ERROR, Diagnostic.error("cannot read: " + f.readError())
          .at(Location.of(file)).withCode(Kind.READ_ERROR.label)));
    }
    for (ParsedFile.SyntaxError e : f.syntaxErrors()) {
      findings.add(finding(file, e.line(), e.column(), Kind.SYNTAX, Diagnostic.error(e.message())));
    }
    Map<String, ImportDecl> seen = new HashMap<>();
    int inTree = 0;
    int external = 0;
    int unresolved = 0;
    int wildcards = 0;
    int unused = 0;
    for (ResolvedImport r : resolved) {
      ImportDecl d = r.decl();
      ImportDecl first = seen.putIfAbsent(d.render(), d);
      switch (r.resolution()) {
        case IN_TREE -> inTree++;
        case EXTERNAL -> external++;
        case UNRESOLVED -> unresolved++;
      }
      if (first != null) {
        findings.add(finding(file, d.line(), d.column(), Kind.DUPLICATE_IMPORT,
            Diagnostic.warning("import " + d.render() + " repeats line " + first.line())
                .withNote(Diagnostic.info("first imported here")
                    .at(Location.of(file, first.line(), first.column())))));
        continue;
      }
      if (r.resolution() == Resolution.UNRESOLVED) {
        findings.add(finding(file, d.line(), d.column(), Kind.UNRESOLVED_IMPORT, Diagnostic.warning(
            "import " + d.render() + ": package " + r.target() + " of this tree declares no such type")));
      }
      if (d.wildcard()) {
        wildcards++;
        findings.add(finding(file, d.line(), d.column(), Kind.WILDCARD_IMPORT,
            Diagnostic.info("import " + d.render() + " imports on demand")));
      } else if (!d.used()) {
        unused++;
        findings.add(finding(file, d.line(), d.column(), Kind.UNUSED_IMPORT,
            Diagnostic.warning("import " + d.render() + " is never used")));
      }
    }
    findings.sort(Comparator.comparingInt(Finding::line).thenComparingInt(Finding::column)
        .thenComparing(Finding::kind));
    for (Finding x : findings) {
      ctx.report(x.diagnostic());
    }
    return new FileCheck(f.readError() != null, f.syntaxErrors().size(), f.types().size(), f.nestedTypes(),
        resolved.size(), inTree, external, unresolved, wildcards, unused);
  }

  /** {@code d} located at {@code file:line:column} with {@code kind}'s code. */
  private static Finding finding(String file, int line, int column, Kind kind, Diagnostic d) {
    return new Finding(line, column, kind, d.at(Location.of(file, line, column)).withCode(kind.label));
  }

  private List<String> packageDeps(QueryContext ctx, String pkg) {
    List<String> pkgFiles = ctx.get(packageIndex, TREE).files().getOrDefault(pkg, List.of());
    TreeSet<String> deps = new TreeSet<>();
    for (List<ResolvedImport> list : ctx.getAll(imports, pkgFiles)) {
      for (ResolvedImport r : list) {
        if (r.resolution() == Resolution.IN_TREE && !r.target().equals(pkg)) {
          deps.add(r.target());
        }
      }
    }
    return List.copyOf(deps);
  }

  private Reach transitiveDeps(QueryContext ctx, String pkg) {
    List<String> deps = ctx.get(packageDeps, pkg);
    TreeSet<String> reach = new TreeSet<>(deps);
    boolean exact = true;
    for (String d : deps) {
      Reach r = ctx.get(transitiveDeps, d);
      reach.addAll(r.packages());
      exact &= r.exact();
    }
    return exact ? new Reach(List.copyOf(reach), true) : new Reach(ctx.get(closure, pkg), true);
  }

  /** The packages reachable from {@code pkg}, by a breadth-first walk of {@code packageDeps}. */
  private List<String> walk(QueryContext ctx, String pkg) {
    TreeSet<String> seen = new TreeSet<>();
    ArrayDeque<String> queue = new ArrayDeque<>(List.of(pkg));
    while (!queue.isEmpty()) {
      for (String d : ctx.get(packageDeps, queue.poll())) {
        if (seen.add(d)) {
          queue.add(d);
        }
      }
    }
    return List.copyOf(seen);
  }

  /** Tarjan's algorithm over a graph small enough (packages) for recursion. */
  static Cycles findCycles(Map<String, List<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    ArrayDeque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<List<String>> components = new ArrayList<>();
    int[] counter = {0};
    for (String v : graph.keySet()) {
      if (!index.containsKey(v)) {
        strongConnect(v, graph, index, low, stack, onStack, components, counter);
      }
    }
    components.removeIf(c -> c.size() < 2);
    components.sort(Comparator.<List<String>>comparingInt(List::size).reversed()
        .thenComparing(c -> c.get(0)));
    List<List<String>> examples = new ArrayList<>();
    for (List<String> c : components) {
      examples.add(shortestCycle(graph, c.get(0), new HashSet<>(c)));
    }
    return new Cycles(List.copyOf(components), List.copyOf(examples));
  }

  private static void strongConnect(String v, Map<String, List<String>> graph, Map<String, Integer> index,
      Map<String, Integer> low, ArrayDeque<String> stack, Set<String> onStack, List<List<String>> out,
      int[] counter) {
    index.put(v, counter[0]);
    low.put(v, counter[0]);
    counter[0]++;
    stack.push(v);
    onStack.add(v);
    for (String w : graph.getOrDefault(v, List.of())) {
      if (!index.containsKey(w)) {
        strongConnect(w, graph, index, low, stack, onStack, out, counter);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      List<String> component = new ArrayList<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      Collections.sort(component);
      out.add(List.copyOf(component));
    }
  }

  /** A shortest cycle {@code start -> ... -> start} inside {@code members}, as its list of packages. */
  private static List<String> shortestCycle(Map<String, List<String>> graph, String start, Set<String> members) {
    Map<String, String> parent = new HashMap<>();
    ArrayDeque<String> queue = new ArrayDeque<>(List.of(start));
    while (!queue.isEmpty()) {
      String v = queue.poll();
      for (String w : graph.getOrDefault(v, List.of())) {
        if (w.equals(start)) {
          List<String> path = new ArrayList<>();
          for (String x = v; x != null; x = parent.get(x)) {
            path.add(x);
          }
          Collections.reverse(path);
          return List.copyOf(path);
        }
        if (members.contains(w) && !parent.containsKey(w)) {
          parent.put(w, v);
          queue.add(w);
        }
      }
    }
    return List.of(start);
  }

  private Report report(QueryContext ctx, String tree) {
    List<String> all = ctx.get(files, tree);
    PackageIndex index = ctx.get(packageIndex, tree);
    List<FileCheck> checks = ctx.getAll(checkFile, all);
    PackageGraph graph = ctx.get(packageGraph, tree);
    Cycles found = ctx.get(cycles, tree);
    List<String> pkgs = index.packages();
    List<Reach> reaches = ctx.getAll(transitiveDeps, pkgs);
    List<List<String>> closures = ctx.getAll(closure, pkgs);

    int fallbacks = 0;
    int disagreements = 0;
    Map<String, Integer> reachSize = new HashMap<>();
    for (int i = 0; i < pkgs.size(); i++) {
      Reach r = reaches.get(i);
      List<String> walked = closures.get(i);
      if (!r.exact()) {
        fallbacks++;
      } else if (!r.packages().equals(walked)) {
        disagreements++;
      }
      reachSize.put(pkgs.get(i), walked.size());
    }
    Map<String, Integer> fanIn = new HashMap<>();
    pkgs.forEach(p -> fanIn.put(p, 0));
    graph.deps().values().forEach(ds -> ds.forEach(d -> fanIn.merge(d, 1, Integer::sum)));

    Report.Builder b = new Report.Builder();
    for (FileCheck c : checks) {
      b.add(c);
    }
    b.files = all.size();
    b.packages = pkgs.size();
    b.edges = graph.edges();
    b.cycles = found.components();
    b.cycleExamples = found.examples();
    b.packagesOnCycles = found.components().stream().mapToInt(List::size).sum();
    b.topFanIn = top(fanIn);
    b.topReach = top(reachSize);
    b.fallbacks = fallbacks;
    b.disagreements = disagreements;
    return b.build();
  }

  private static List<Report.Count> top(Map<String, Integer> counts) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
        .limit(Report.TOP)
        .map(e -> new Report.Count(e.getKey(), e.getValue()))
        .toList();
  }
}
