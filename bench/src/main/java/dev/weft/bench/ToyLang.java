package dev.weft.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The toy language of the {@code toy-build-*} workloads: its syntax tree, a parser, and a deterministic
 * generator of multi-module programs.
 *
 * <p>A module is a few lines:
 * <pre>
 * module m0042
 * # generated module 42
 * import m0007
 * import m0031
 * def v0 = 12 + m0007.v0 * len(m0031.s2)
 * def s1 = "ab" + m0031.s2
 * def _v2 = v0 * 3
 * </pre>
 * A definition is an expression of integer and string literals, references to the module's own definitions
 * ({@code v0}) and to exported definitions of imported modules ({@code m0007.v0}), {@code +} (integers add,
 * strings concatenate), {@code *} (integers) and {@code len(string)}. Names starting with {@code _} are
 * private; every other definition is exported. Lines starting with {@code #} are comments. There are no
 * statements: a build parses every module, resolves its imports, evaluates and type-checks every definition
 * across modules and reports diagnostics.
 *
 * <p>The generator ({@link #generate}) is a pure function of its seed and size. Module {@code i} imports up to
 * three modules among the 40 before it, and every import is used, so the import graph is a deep DAG; on top
 * of that it plants, at fixed positions, import rings of three modules whose first definitions read each other
 * (an import cycle and a definition cycle across modules), pairs of definitions that read each other within a
 * module, type errors, unknown and private references, unknown and unused imports and syntax errors. It also
 * prepares the three one-file edits of the edit workloads.
 */
final class ToyLang {
  private ToyLang() {}

  // ---------------------------------------------------------------------------------------- syntax tree

  /** An expression. Records, so two parses of equal text are equal (the parse query's cutoff). */
  sealed interface Expr permits Num, Text, Ref, Bin, Len {}

  record Num(long value) implements Expr {}

  record Text(String value) implements Expr {}

  /** {@code module == null}: a definition of the same module. */
  record Ref(String module, String name) implements Expr {}

  record Bin(char op, Expr left, Expr right) implements Expr {}

  record Len(Expr arg) implements Expr {}

  record Def(String name, int line, Expr expr) {}

  /**
   * A parsed module. Comments are not part of it, so a comment-only edit parses to an equal value.
   *
   * @param errors syntax errors, already formatted as diagnostics
   */
  record Module(String name, List<String> imports, List<Def> defs, List<String> errors) {
    Def def(String defName) {
      for (Def d : defs) {
        if (d.name().equals(defName)) {
          return d;
        }
      }
      return null;
    }
  }

  // ---------------------------------------------------------------------------------------------- parser

  static Module parse(String name, String text) {
    List<String> imports = new ArrayList<>();
    List<Def> defs = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    int line = 0;
    int at = 0;
    int n = text.length();
    while (at < n) {
      int end = text.indexOf('\n', at);
      if (end < 0) {
        end = n;
      }
      line++;
      String l = text.substring(at, end).strip();
      at = end + 1;
      if (l.isEmpty() || l.charAt(0) == '#') {
        continue;
      }
      if (l.startsWith("module ")) {
        String declared = l.substring(7).strip();
        if (!declared.equals(name)) {
          errors.add(name + ":" + line + ": module declares the name " + declared);
        }
      } else if (l.startsWith("import ")) {
        imports.add(l.substring(7).strip());
      } else if (l.startsWith("def ")) {
        int eq = l.indexOf('=');
        String defName = eq < 0 ? "" : l.substring(4, eq).strip();
        if (!isIdent(defName)) {
          errors.add(name + ":" + line + ": syntax error: expected 'def NAME = EXPR'");
          continue;
        }
        Parser p = new Parser(l, eq + 1);
        Expr e = p.sum();
        if (e == null || !p.atEnd()) {
          errors.add(name + ":" + line + ": syntax error in " + defName + " at column " + (p.pos + 1));
          continue;
        }
        defs.add(new Def(defName, line, e));
      } else {
        errors.add(name + ":" + line + ": syntax error: unexpected '" + l + "'");
      }
    }
    return new Module(name, List.copyOf(imports), List.copyOf(defs), List.copyOf(errors));
  }

  private static boolean isIdent(String s) {
    if (s.isEmpty() || !(Character.isLetter(s.charAt(0)) || s.charAt(0) == '_')) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.isLetterOrDigit(c) || c == '_')) {
        return false;
      }
    }
    return true;
  }

  /** Recursive descent: {@code sum := prod ('+' prod)*}, {@code prod := atom ('*' atom)*}. Null on error. */
  private static final class Parser {
    final String s;
    int pos;

    Parser(String s, int pos) {
      this.s = s;
      this.pos = pos;
    }

    void skip() {
      while (pos < s.length() && s.charAt(pos) == ' ') {
        pos++;
      }
    }

    boolean atEnd() {
      skip();
      return pos == s.length();
    }

    boolean eat(char c) {
      skip();
      if (pos < s.length() && s.charAt(pos) == c) {
        pos++;
        return true;
      }
      return false;
    }

    Expr sum() {
      Expr e = prod();
      while (e != null && eat('+')) {
        Expr r = prod();
        e = r == null ? null : new Bin('+', e, r);
      }
      return e;
    }

    Expr prod() {
      Expr e = atom();
      while (e != null && eat('*')) {
        Expr r = atom();
        e = r == null ? null : new Bin('*', e, r);
      }
      return e;
    }

    Expr atom() {
      skip();
      if (pos >= s.length()) {
        return null;
      }
      char c = s.charAt(pos);
      if (c >= '0' && c <= '9') {
        long v = 0;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
          v = v * 10 + (s.charAt(pos++) - '0');
        }
        return new Num(v);
      }
      if (c == '"') {
        int close = s.indexOf('"', pos + 1);
        if (close < 0) {
          return null;
        }
        String t = s.substring(pos + 1, close);
        pos = close + 1;
        return new Text(t);
      }
      if (c == '(') {
        pos++;
        Expr e = sum();
        return e != null && eat(')') ? e : null;
      }
      String id = ident();
      if (id == null) {
        return null;
      }
      if (id.equals("len") && eat('(')) {
        Expr e = sum();
        return e != null && eat(')') ? new Len(e) : null;
      }
      if (pos < s.length() && s.charAt(pos) == '.') {
        pos++;
        String member = ident();
        return member == null ? null : new Ref(id, member);
      }
      return new Ref(null, id);
    }

    String ident() {
      int start = pos;
      while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
        pos++;
      }
      return pos == start ? null : s.substring(start, pos);
    }
  }

  // ------------------------------------------------------------------------------------------- generator

  /** The kinds of one-file edit the edit workloads toggle. */
  enum EditKind {
    /** Rewrites the text of a comment line: the module parses to an equal value. */
    COMMENT,
    /** Changes the literal of one private, unreferenced definition: one definition's value changes. */
    LITERAL,
    /** Adds an import of a module the file already depends on indirectly (unused: one new warning). */
    IMPORT;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** A one-file edit: the module's text before and after. */
  record Edit(EditKind kind, String module, String before, String after) {}

  /**
   * A generated program.
   *
   * @param modules module names in order (sorted)
   * @param sources module name to text
   * @param edits one edit of each {@link EditKind}
   */
  record Program(long seed, boolean cycles, List<String> modules, Map<String, String> sources,
      Map<EditKind, Edit> edits) {
    /** The sources with {@code edit} applied. */
    Map<String, String> with(Edit edit) {
      Map<String, String> m = new LinkedHashMap<>(sources);
      m.put(edit.module(), edit.after());
      return m;
    }
  }

  static final int DEFAULT_MODULES = 2_000;
  static final long DEFAULT_SEED = 42;
  private static final int WINDOW = 40;
  private static final int RING_EVERY = 500;
  private static final int LOCAL_CYCLE_EVERY = 250;

  private static Program cached;

  /**
   * The program of the system properties {@code weft.bench.toy.modules}, {@code weft.bench.toy.seed} and
   * {@code weft.bench.toy.cycles} ({@code false}: no import rings and no definition cycles, for profiling what
   * the cycles cost).
   */
  static synchronized Program program() {
    int size = Integer.getInteger("weft.bench.toy.modules", DEFAULT_MODULES);
    long seed = Long.getLong("weft.bench.toy.seed", DEFAULT_SEED);
    boolean cycles = !"false".equals(System.getProperty("weft.bench.toy.cycles"));
    if (cached == null || cached.modules().size() != size || cached.seed() != seed || cached.cycles() != cycles) {
      cached = generate(seed, size, cycles);
    }
    return cached;
  }

  /** Module {@code i}'s generated facts, for the modules after it to reference. */
  private record Info(List<String> imports, List<String> intExports, List<String> strExports) {}

  static Program generate(long seed, int size, boolean cycles) {
    if (size < 10) {
      throw new IllegalArgumentException("a toy program needs at least 10 modules, got " + size);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    int width = Math.max(4, String.valueOf(size - 1).length());
    String[] names = new String[size];
    for (int i = 0; i < size; i++) {
      names[i] = "m" + "0".repeat(width - String.valueOf(i).length()) + i;
    }
    Info[] info = new Info[size];
    Map<String, String> sources = new LinkedHashMap<>();
    int ringEvery = cycles ? RING_EVERY : Integer.MAX_VALUE;
    int literalTarget = editTarget(size / 2 + 1, size, ringEvery);
    for (int i = 0; i < size; i++) {
      StringBuilder b = new StringBuilder();
      b.append("module ").append(names[i]).append('\n');
      b.append("# generated module ").append(i).append('\n');
      List<String> imports = new ArrayList<>();
      List<String> intExports = new ArrayList<>();
      List<String> strExports = new ArrayList<>();
      List<String> defLines = new ArrayList<>();
      int ring = ringPosition(i, size, ringEvery);
      if (ring >= 0) {
        // r imports r+2, r+1 imports r, r+2 imports r+1; each v0 reads its import's v0.
        String other = names[ring == 0 ? i + 2 : i - 1];
        imports.add(other);
        defLines.add("def v0 = " + (1 + rnd.nextInt(99)) + " + " + other + ".v0");
        intExports.add("v0");
        defLines.add("def v1 = v0 * " + (2 + rnd.nextInt(7)));
        intExports.add("v1");
      } else {
        int count = i == 0 ? 0 : rnd.nextInt(Math.min(i, 3) + 1);
        while (imports.size() < count) {
          int j = i - 1 - rnd.nextInt(Math.min(i, WINDOW));
          if (!imports.contains(names[j])) {
            imports.add(names[j]);
          }
        }
        boolean unusedImport = i % 211 == 3 && !imports.isEmpty();
        // v0 reads every import (so none is unused), through an int export or the length of a string one.
        StringBuilder v0 = new StringBuilder().append(rnd.nextInt(100));
        for (int k = 0; k < imports.size(); k++) {
          if (unusedImport && k == imports.size() - 1) {
            break;
          }
          Info dep = info[indexOf(names, imports.get(k))];
          v0.append(rnd.nextInt(3) == 0 ? " * " : " + ");
          if (!dep.strExports().isEmpty() && rnd.nextInt(4) == 0) {
            v0.append("len(").append(imports.get(k)).append('.').append(pick(rnd, dep.strExports())).append(')');
          } else {
            v0.append(imports.get(k)).append('.').append(pick(rnd, dep.intExports()));
          }
        }
        defLines.add("def v0 = " + v0);
        intExports.add("v0");
        List<String> localInts = new ArrayList<>(List.of("v0"));
        List<String> localStrs = new ArrayList<>();
        int defs = 1 + rnd.nextInt(4);
        for (int j = 1; j < defs; j++) {
          boolean str = rnd.nextInt(4) == 0;
          boolean priv = rnd.nextInt(10) == 0;
          String defName = (priv ? "_" : "") + (str ? "s" : "v") + j;
          String expr = str ? strExpr(rnd, imports, info, names, localStrs) : intExpr(rnd, imports, info, names,
              localInts, localStrs);
          defLines.add("def " + defName + " = " + expr);
          (str ? localStrs : localInts).add(defName);
          if (!priv) {
            (str ? strExports : intExports).add(defName);
          }
        }
        if (cycles && i % LOCAL_CYCLE_EVERY == LOCAL_CYCLE_EVERY / 2) {
          defLines.add("def c1 = c2 + 1");
          defLines.add("def c2 = c1 * 2");
        }
        if (i % 97 == 13) {
          defLines.add("def bad = \"x\" + v0");
        }
        if (i % 131 == 7 && !imports.isEmpty()) {
          defLines.add("def u = " + imports.get(0) + ".nothere + 1");
        }
        if (i % 173 == 11 && !imports.isEmpty()) {
          defLines.add("def p = " + imports.get(0) + "._hidden + v0");
        }
        if (i % 401 == 17) {
          imports.add("x" + i);
        }
        if (i % 503 == 29) {
          defLines.add("def broken = v0 +");
        }
        if (i == literalTarget) {
          defLines.add("def _k = 7");
        }
      }
      for (String imp : imports) {
        b.append("import ").append(imp).append('\n');
      }
      b.append('\n');
      for (String d : defLines) {
        b.append(d).append('\n');
      }
      b.append("# end of ").append(names[i]).append('\n');
      sources.put(names[i], b.toString());
      info[i] = new Info(List.copyOf(imports), List.copyOf(intExports), List.copyOf(strExports));
    }
    List<String> modules = List.of(names);
    return new Program(seed, cycles, modules, Collections.unmodifiableMap(sources),
        edits(names, info, sources, size, literalTarget, ringEvery));
  }

  private static Map<EditKind, Edit> edits(String[] names, Info[] info, Map<String, String> sources, int size,
      int literalTarget, int ringEvery) {
    Map<EditKind, Edit> edits = new LinkedHashMap<>();
    String c = names[editTarget(size / 2, size, ringEvery)];
    String text = sources.get(c);
    edits.put(EditKind.COMMENT, new Edit(EditKind.COMMENT, c, text,
        text.replace("# generated module ", "# edited, generated module ")));
    String l = names[literalTarget];
    text = sources.get(l);
    edits.put(EditKind.LITERAL, new Edit(EditKind.LITERAL, l, text, text.replace("def _k = 7", "def _k = 8")));
    // An import of a module that one of the file's imports imports: the import layer stays the same.
    for (int i = size / 2 + 2; i < size; i++) {
      if (ringPosition(i, size, ringEvery) >= 0) {
        continue;
      }
      for (String imp : info[i].imports()) {
        int j = indexOf(names, imp);
        if (j < 0) {
          continue;
        }
        for (String grand : info[j].imports()) {
          if (!info[i].imports().contains(grand) && indexOf(names, grand) >= 0) {
            text = sources.get(names[i]);
            int at = text.indexOf("\n\n");
            String after = text.substring(0, at) + "\nimport " + grand + text.substring(at);
            edits.put(EditKind.IMPORT, new Edit(EditKind.IMPORT, names[i], text, after));
            return edits;
          }
        }
      }
    }
    throw new IllegalStateException("no module qualifies for the import edit");
  }

  /** The first module from {@code from} that is not in a ring. */
  private static int editTarget(int from, int size, int ringEvery) {
    int i = from;
    while (ringPosition(i, size, ringEvery) >= 0) {
      i++;
    }
    return i;
  }

  /** 0, 1 or 2 for the members of an import ring (starting at every - every/2, 250 + 500k by default), else -1. */
  private static int ringPosition(int i, int size, int every) {
    if (every == Integer.MAX_VALUE) {
      return -1;
    }
    int r = i % every - every / 2;
    int start = i - r;
    return r >= 0 && r < 3 && start + 2 < size ? r : -1;
  }

  private static String intExpr(SplittableRandom rnd, List<String> imports, Info[] info, String[] names,
      List<String> ints, List<String> strs) {
    int atoms = 1 + rnd.nextInt(3);
    StringBuilder b = new StringBuilder();
    for (int a = 0; a < atoms; a++) {
      if (a > 0) {
        b.append(rnd.nextInt(10) < 7 ? " + " : " * ");
      }
      int kind = rnd.nextInt(4);
      if (kind == 0 || (kind == 2 && imports.isEmpty())) {
        b.append(rnd.nextInt(100));
      } else if (kind == 1) {
        b.append(pick(rnd, ints));
      } else if (kind == 2) {
        String imp = pick(rnd, imports);
        b.append(imp).append('.').append(pick(rnd, info[indexOf(names, imp)].intExports()));
      } else {
        b.append("len(").append(strAtom(rnd, imports, info, names, strs)).append(')');
      }
    }
    return b.toString();
  }

  private static String strExpr(SplittableRandom rnd, List<String> imports, Info[] info, String[] names,
      List<String> strs) {
    String s = strAtom(rnd, imports, info, names, strs);
    return rnd.nextBoolean() ? s : s + " + " + strAtom(rnd, imports, info, names, strs);
  }

  private static String strAtom(SplittableRandom rnd, List<String> imports, Info[] info, String[] names,
      List<String> strs) {
    int kind = rnd.nextInt(3);
    if (kind == 1 && !strs.isEmpty()) {
      return pick(rnd, strs);
    }
    if (kind == 2 && !imports.isEmpty()) {
      String imp = pick(rnd, imports);
      List<String> ex = info[indexOf(names, imp)].strExports();
      if (!ex.isEmpty()) {
        return imp + "." + pick(rnd, ex);
      }
    }
    return "\"" + (char) ('a' + rnd.nextInt(26)) + (char) ('a' + rnd.nextInt(26)) + "\"";
  }

  private static String pick(SplittableRandom rnd, List<String> from) {
    return from.get(rnd.nextInt(from.size()));
  }

  private static int indexOf(String[] names, String name) {
    return java.util.Arrays.binarySearch(names, name);
  }
}
