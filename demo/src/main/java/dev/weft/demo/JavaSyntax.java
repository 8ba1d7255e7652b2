package dev.weft.demo;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.ImportTree;
import com.sun.source.tree.LineMap;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.SourcePositions;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import com.sun.tools.javac.api.JavacTaskPool;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticListener;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * Parses one Java source with the JDK's own parser ({@code com.sun.source}, parse only: no symbol entry, no
 * attribution) and extracts a {@link ParsedFile}.
 *
 * <p>Each file gets its own {@link JavacTask}, so a file's memo depends on that file alone. Setting up a task
 * builds a whole compiler context (symbol table, name table, class writer buffers), which on java.base was a
 * quarter of the parse time and most of its garbage. So when {@code jdk.compiler} exports
 * {@code com.sun.tools.javac.api} to the demo (the demo's jar manifest and launch do), tasks come from javac's
 * own pool of reusable contexts ({@code JavacTaskPool}, the one jshell uses): each task still sees one file
 * and its own diagnostics, but the context is cleared and reused. Without the export every task builds a
 * fresh context; the results are the same, only slower, and {@link #describe} says which is in use.
 * Standard file managers are reused through a small pool (a task takes one and returns it when done) rather
 * than shared, because a file manager is not safe for concurrent tasks.
 * Options are minimal on purpose: {@code --release} alone makes each task load the platform's symbol
 * description and made parsing about five times slower in the same measurement.
 *
 * <p>An import counts as used when its simple name occurs as an identifier anywhere in the file outside the
 * import declarations, or as a word inside a javadoc {@code {@link ...}}, {@code {@linkplain ...}} or
 * {@code {@value ...}} tag or on the line of a {@code @see}, {@code @throws} or {@code @exception} tag (imports
 * kept for documentation are a common and legitimate use). Words of a link's label count too: a rare missed
 * unused import is preferred to a false report.
 */
final class JavaSyntax {
  private static final JavaCompiler JAVAC = ToolProvider.getSystemJavaCompiler();
  private static final ConcurrentLinkedQueue<StandardJavaFileManager> MANAGERS = new ConcurrentLinkedQueue<>();
  private static final List<String> OPTIONS = List.of("-proc:none");
  private static final String[] INLINE_TAGS = {"link", "linkplain", "value"};
  private static final String[] LINE_TAGS = {"see", "throws", "exception"};

  /** Whether tasks come from javac's pool of reusable contexts (see the class comment). */
  static final boolean POOLED = exported();

  private JavaSyntax() {}

  private static boolean exported() {
    Optional<Module> compiler = ModuleLayer.boot().findModule("jdk.compiler");
    return compiler.isPresent() && compiler.get().isExported("com.sun.tools.javac.api", JavaSyntax.class.getModule());
  }

  /** One line for the report: which parser, and how its contexts are managed. */
  static String describe() {
    return POOLED
        ? "javac (com.sun.source, parse only), reusable compiler contexts"
        : "javac (com.sun.source, parse only), a new compiler context per file (slower: add --add-exports "
            + "jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED to reuse contexts)";
  }

  /** Whether the running JDK has a compiler (a JRE-only runtime does not). */
  static boolean available() {
    return JAVAC != null;
  }

  /** Parses {@code text} (the contents of {@code path}) and extracts what the analysis needs. */
  static ParsedFile parse(String path, String text) {
    return parse(path, text, POOLED);
  }

  /** As {@link #parse(String, String)}, choosing how the task is made; {@code pooled} needs {@link #POOLED}. */
  static ParsedFile parse(String path, String text, boolean pooled) {
    if (JAVAC == null) {
      throw new IllegalStateException("this Java runtime has no compiler (javax.tools.ToolProvider"
          + ".getSystemJavaCompiler() is null); run the demo on a JDK");
    }
    StandardJavaFileManager manager = MANAGERS.poll();
    if (manager == null) {
      manager = JAVAC.getStandardFileManager(null, Locale.ROOT, null);
    }
    try {
      return parse(manager, path, text, pooled);
    } finally {
      MANAGERS.offer(manager);
    }
  }

  private static ParsedFile parse(StandardJavaFileManager manager, String path, String text, boolean pooled) {
    List<ParsedFile.SyntaxError> errors = new ArrayList<>();
    DiagnosticListener<JavaFileObject> listener = d -> {
      if (d.getKind() == Diagnostic.Kind.ERROR && errors.size() < ParsedFile.MAX_ERRORS) {
        long line = d.getLineNumber();
        long column = d.getColumnNumber();
        errors.add(new ParsedFile.SyntaxError(line > 0 ? (int) line : 1, column > 0 ? (int) column : 0,
            d.getMessage(Locale.ROOT).lines().findFirst().orElse("")));
      }
    };
    List<StringSource> sources = List.of(new StringSource(path, text));
    if (pooled) {
      // The context is cleared after the worker returns: extract everything inside it.
      return Pooled.TASKS.getTask(null, manager, listener, OPTIONS, null, sources,
          task -> extract(task, path, text, errors));
    }
    return extract((JavacTask) JAVAC.getTask(null, manager, listener, OPTIONS, null, sources), path, text, errors);
  }

  /** Holds javac's context pool; loaded only when the package is exported to the demo. */
  private static final class Pooled {
    static final JavacTaskPool TASKS = new JavacTaskPool(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  private static ParsedFile extract(JavacTask task, String path, String text, List<ParsedFile.SyntaxError> errors) {
    CompilationUnitTree unit;
    try {
      Iterable<? extends CompilationUnitTree> units = task.parse();
      unit = units.iterator().next();
    } catch (IOException | RuntimeException e) {
      errors.add(new ParsedFile.SyntaxError(1, 0, "the parser failed: " + e));
      return new ParsedFile(null, List.of(), 0, List.of(), errors, null);
    }
    boolean moduleInfo = path.endsWith("module-info.java");
    String pkg = moduleInfo ? null : unit.getPackageName() == null ? "" : unit.getPackageName().toString();
    LineMap lines = unit.getLineMap();
    SourcePositions positions = Trees.instance(task).getSourcePositions();

    // Names used outside the imports: identifiers in the code and references in javadoc tags.
    Set<String> used = new HashSet<>();
    TreeScanner<Void, Void> identifiers = new TreeScanner<>() {
      @Override
      public Void visitIdentifier(IdentifierTree node, Void unused) {
        used.add(node.getName().toString());
        return null;
      }

      @Override
      public Void visitImport(ImportTree node, Void unused) {
        return null;
      }
    };
    identifiers.scan(unit, null);
    docWords(text, used);

    List<ImportDecl> imports = new ArrayList<>();
    for (ImportTree imp : unit.getImports()) {
      Tree id = imp.getQualifiedIdentifier();
      String name = id.toString();
      boolean wildcard = id instanceof MemberSelectTree select && select.getIdentifier().contentEquals("*");
      if (wildcard) {
        name = name.substring(0, name.length() - 2);
      }
      long pos = positions.getStartPosition(unit, imp);
      int line = pos < 0 ? 1 : (int) lines.getLineNumber(pos);
      int column = pos < 0 ? 1 : (int) lines.getColumnNumber(pos);
      ImportDecl decl = new ImportDecl(name, imp.isStatic(), wildcard, line, column, true);
      boolean isUsed = wildcard || used.contains(decl.simpleName());
      imports.add(isUsed ? decl : new ImportDecl(name, imp.isStatic(), false, line, column, false));
    }

    List<String> types = new ArrayList<>();
    int[] nested = {0};
    for (Tree decl : unit.getTypeDecls()) {
      if (decl instanceof ClassTree type) {
        types.add(type.getSimpleName().toString());
        new TreeScanner<Void, Void>() {
          @Override
          public Void visitClass(ClassTree node, Void unused) {
            if (node != type) {
              nested[0]++;
            }
            return super.visitClass(node, unused);
          }
        }.scan(type, null);
      }
    }
    return new ParsedFile(pkg, types, nested[0], imports, errors, null);
  }

  /**
   * Adds the words of the javadoc references in {@code text}: the argument of each <code>{@link ...}</code>,
   * <code>{@linkplain ...}</code> or <code>{@value ...}</code> (up to the closing brace) and the rest of the line
   * after {@code @see}, {@code @throws} or {@code @exception}; a tag is followed by whitespace. Matches are
   * found left to right without overlapping. A hand-written scan: as a regular expression this was a tenth of
   * the demo's parse time, most of it trying both alternatives at every character of every file.
   */
  static void docWords(String text, Set<String> used) {
    int from = 0;
    int at;
    while ((at = text.indexOf('@', from)) >= 0) {
      int start = -1;
      int end = -1;
      if (at > from && text.charAt(at - 1) == '{') {
        int arg = afterTag(text, at + 1, INLINE_TAGS);
        int close = arg < 0 ? -1 : text.indexOf('}', arg);
        if (close >= 0) {
          start = arg;
          end = close;
          from = close + 1;
        }
      }
      if (start < 0) {
        int arg = afterTag(text, at + 1, LINE_TAGS);
        if (arg >= 0) {
          int newline = text.indexOf('\n', arg);
          start = arg;
          end = newline < 0 ? text.length() : newline;
          from = end;
        } else {
          from = at + 1;
          continue;
        }
      }
      words(text, start, end, used);
    }
  }

  /** The index after the first of {@code tags} at {@code i} and the whitespace after it, or -1. */
  private static int afterTag(String text, int i, String[] tags) {
    for (String tag : tags) {
      int after = i + tag.length();
      if (after < text.length() && text.startsWith(tag, i) && isSpace(text.charAt(after))) {
        return after + 1;
      }
    }
    return -1;
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r';
  }

  /** Adds each identifier-like word ({@code [A-Za-z_$][A-Za-z0-9_$]*}) of {@code text[start, end)}. */
  private static void words(String text, int start, int end, Set<String> used) {
    int i = start;
    while (i < end) {
      char c = text.charAt(i);
      if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '$') {
        int j = i + 1;
        while (j < end && isWordPart(text.charAt(j))) {
          j++;
        }
        used.add(text.substring(i, j));
        i = j;
      } else {
        i++;
      }
    }
  }

  private static boolean isWordPart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
  }

  /** An in-memory source file; its URI carries the path so javac's messages name the real file. */
  private static final class StringSource extends SimpleJavaFileObject {
    private final String text;

    StringSource(String path, String text) {
      super(uri(path), Kind.SOURCE);
      this.text = text;
    }

    private static URI uri(String path) {
      try {
        return new URI("string", null, "/" + path, null);
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("cannot name " + path + " as a URI", e);
      }
    }

    @Override
    public CharSequence getCharContent(boolean ignoreEncodingErrors) {
      return text;
    }
  }
}
