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
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * <p>Each file gets its own {@link JavacTask}. Measured on java.base (3,400 files), batching files into one
 * task saves only the task set-up, roughly a tenth of the parse time, and would tie the memo of one file to
 * its batch; so the task is per file. Standard file managers are reused through a small pool (a task takes
 * one and returns it when done) rather than shared, because a file manager is not safe for concurrent tasks.
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
  private static final Pattern DOC_TAG =
      Pattern.compile("\\{@(?:link|linkplain|value)\\s([^}]*)}|@(?:see|throws|exception)\\s([^\\n]*)");
  private static final Pattern WORD = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

  private JavaSyntax() {}

  /** Whether the running JDK has a compiler (a JRE-only runtime does not). */
  static boolean available() {
    return JAVAC != null;
  }

  /** Parses {@code text} (the contents of {@code path}) and extracts what the analysis needs. */
  static ParsedFile parse(String path, String text) {
    if (JAVAC == null) {
      throw new IllegalStateException("this Java runtime has no compiler (javax.tools.ToolProvider"
          + ".getSystemJavaCompiler() is null); run the demo on a JDK");
    }
    StandardJavaFileManager manager = MANAGERS.poll();
    if (manager == null) {
      manager = JAVAC.getStandardFileManager(null, Locale.ROOT, null);
    }
    try {
      return parse(manager, path, text);
    } finally {
      MANAGERS.offer(manager);
    }
  }

  private static ParsedFile parse(StandardJavaFileManager manager, String path, String text) {
    List<String> errors = new ArrayList<>();
    DiagnosticListener<JavaFileObject> listener = d -> {
      if (d.getKind() == Diagnostic.Kind.ERROR && errors.size() < ParsedFile.MAX_ERRORS) {
        long line = d.getLineNumber();
        errors.add((line > 0 ? line : 1) + ": " + d.getMessage(Locale.ROOT).lines().findFirst().orElse(""));
      }
    };
    JavacTask task = (JavacTask) JAVAC.getTask(null, manager, listener, OPTIONS, null,
        List.of(new StringSource(path, text)));
    CompilationUnitTree unit;
    try {
      Iterable<? extends CompilationUnitTree> units = task.parse();
      unit = units.iterator().next();
    } catch (IOException | RuntimeException e) {
      errors.add("1: the parser failed: " + e);
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
    Matcher doc = DOC_TAG.matcher(text);
    while (doc.find()) {
      Matcher word = WORD.matcher(text).region(doc.start(1) >= 0 ? doc.start(1) : doc.start(2),
          doc.start(1) >= 0 ? doc.end(1) : doc.end(2));
      while (word.find()) {
        used.add(word.group());
      }
    }

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
      ImportDecl decl = new ImportDecl(name, imp.isStatic(), wildcard, line, true);
      boolean isUsed = wildcard || used.contains(decl.simpleName());
      imports.add(isUsed ? decl : new ImportDecl(name, imp.isStatic(), false, line, false));
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
