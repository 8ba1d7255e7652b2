package dev.weft.bench;

import dev.weft.bench.ToyLang.Bin;
import dev.weft.bench.ToyLang.Def;
import dev.weft.bench.ToyLang.Expr;
import dev.weft.bench.ToyLang.Len;
import dev.weft.bench.ToyLang.Module;
import dev.weft.bench.ToyLang.Num;
import dev.weft.bench.ToyLang.Ref;
import dev.weft.bench.ToyLang.Text;
import dev.weft.query.Diagnostic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A build of a {@link ToyLang} program, written once as query bodies over {@link Ctx} and run two ways: as Weft
 * queries ({@link ToyWeft}) and as plain sequential code with {@code HashMap} memos ({@link ToyPlain}).
 *
 * <p>Per module {@code m}: {@code parse(m)} (reads the {@code source(m)} input, reports syntax errors),
 * {@code exports(m)}, {@code resolve(m)} (the module list input and {@code exports} of every import through
 * {@code getAll}; reports unknown and duplicate imports), {@code layer(m)} (1 + the largest layer of its imports,
 * recursive; cycle fallback -1), and per definition {@code value(m.d)} and {@code type(m.d)} (recursive across
 * modules; cycle fallbacks: the integer 0 and {@link Type#CYCLE}), {@code check(m)} (every definition's type
 * through {@code getAll}; reports type errors, unknown or private references, cyclic definitions, unused
 * imports, import cycles) and {@code moduleValue(m)} (every definition's value through {@code getAll}). The
 * root, {@code build}, reads every {@code check} and every {@code moduleValue} through {@code getAll}.
 *
 * <p>Only {@code parse}, {@code resolve} and {@code check} report, and none of them can be on a cycle, so the
 * diagnostics of a build do not depend on where a cycle was entered.
 */
final class ToyBuild {
  private ToyBuild() {}

  /** A definition of a module: the key of {@code value} and {@code type}. */
  record DefRef(String module, String name) {
    @Override
    public String toString() {
      return module + "." + name;
    }
  }

  /**
   * A module's imports that exist, in order without duplicates, with the exports of each.
   *
   * @param exports {@code exports.get(i)} are the exports of {@code imports.get(i)}
   */
  record Scope(List<String> imports, List<List<String>> exports) {
    /** The exports of {@code module}, or null if the module does not import it. */
    List<String> exportsOf(String module) {
      int i = imports.indexOf(module);
      return i < 0 ? null : exports.get(i);
    }
  }

  /** Types. {@link #CYCLE} is the fallback of a type on a definition cycle; it reads as an integer. */
  enum Type { INT, STR, ERR, CYCLE }

  /** Values: {@code Long} for integers, {@code String} for strings, {@link #ERR} for an ill-typed one. */
  static final Object ERR = new Object() {
    @Override
    public String toString() {
      return "error";
    }
  };

  /** The result of a build: diagnostics counted by check, and a checksum of every definition's value. */
  record Result(long diagnostics, long checksum) {}

  /** What a body reads; each method is a query read on the Weft side and a memo lookup on the plain side. */
  interface Ctx {
    String source(String module);

    List<String> modules();

    Module parse(String module);

    List<List<String>> exportsAll(List<String> modules);

    Scope resolve(String module);

    int layer(String module);

    Object value(DefRef def);

    Type type(DefRef def);

    /** The values of {@code defs} in order; the plain sides read them one by one, Weft with one getAll. */
    default List<Object> valuesAll(List<DefRef> defs) {
      List<Object> out = new ArrayList<>(defs.size());
      for (DefRef d : defs) {
        out.add(value(d));
      }
      return out;
    }

    /** The types of {@code defs} in order, as {@link #valuesAll}. */
    default List<Type> typesAll(List<DefRef> defs) {
      List<Type> out = new ArrayList<>(defs.size());
      for (DefRef d : defs) {
        out.add(type(d));
      }
      return out;
    }

    List<Integer> checksAll(List<String> modules);

    List<Long> moduleValuesAll(List<String> modules);

    void report(Diagnostic diagnostic);
  }

  static final String ROOT = "all";
  private static final int MAX_STRING = 24;

  // ---------------------------------------------------------------------------------------------- bodies

  static Module parse(Ctx c, String m) {
    Module mod = ToyLang.parse(m, c.source(m));
    for (String e : mod.errors()) {
      c.report(Diagnostic.error(e));
    }
    return mod;
  }

  static List<String> exports(Ctx c, String m) {
    List<String> out = new ArrayList<>();
    for (Def d : c.parse(m).defs()) {
      if (d.name().charAt(0) != '_') {
        out.add(d.name());
      }
    }
    return List.copyOf(out);
  }

  static Scope resolve(Ctx c, String m) {
    Module mod = c.parse(m);
    List<String> all = c.modules();
    List<String> known = new ArrayList<>();
    for (String imp : mod.imports()) {
      if (known.contains(imp)) {
        c.report(Diagnostic.warning(m + ": duplicate import " + imp));
      } else if (Collections.binarySearch(all, imp) < 0) {
        c.report(Diagnostic.error(m + ": unknown module " + imp));
      } else {
        known.add(imp);
      }
    }
    List<String> imports = List.copyOf(known);
    return new Scope(imports, c.exportsAll(imports));
  }

  static int layer(Ctx c, String m) {
    int max = -1;
    for (String imp : c.resolve(m).imports()) {
      max = Math.max(max, c.layer(imp));
    }
    return max + 1;
  }

  static Object value(Ctx c, DefRef d) {
    Module mod = c.parse(d.module());
    Def def = mod.def(d.name());
    return def == null ? ERR : eval(c, mod, def.expr());
  }

  static Type type(Ctx c, DefRef d) {
    Module mod = c.parse(d.module());
    Def def = mod.def(d.name());
    return def == null ? Type.ERR : typeOf(c, mod, def.expr(), null);
  }

  static int check(Ctx c, String m) {
    Module mod = c.parse(m);
    Scope scope = c.resolve(m);
    List<String> out = new ArrayList<>();
    int reported = 0;
    if (c.layer(m) < 0) {
      c.report(Diagnostic.info(m + ": module is on an import cycle"));
      reported++;
    }
    List<DefRef> refs = new ArrayList<>(mod.defs().size());
    for (Def d : mod.defs()) {
      refs.add(new DefRef(m, d.name()));
    }
    List<Type> types = c.typesAll(refs);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < mod.defs().size(); i++) {
      Def d = mod.defs().get(i);
      out.clear();
      typeOf(c, mod, d.expr(), out);
      collectUsed(d.expr(), used);
      for (String e : out) {
        c.report(Diagnostic.error(m + ":" + d.line() + ": " + e));
        reported++;
      }
      if (types.get(i) == Type.CYCLE) {
        c.report(Diagnostic.warning(m + ":" + d.line() + ": definition " + d.name() + " is cyclic"));
        reported++;
      }
    }
    for (String imp : scope.imports()) {
      if (!used.contains(imp)) {
        c.report(Diagnostic.warning(m + ": unused import " + imp));
        reported++;
      }
    }
    return reported;
  }

  static long moduleValue(Ctx c, String m) {
    Module mod = c.parse(m);
    List<DefRef> refs = new ArrayList<>(mod.defs().size());
    for (Def d : mod.defs()) {
      refs.add(new DefRef(m, d.name()));
    }
    long h = m.hashCode();
    for (Object v : c.valuesAll(refs)) {
      h = h * 31 + (v instanceof Long l ? l : v instanceof String s ? s.hashCode() : 7);
    }
    return h;
  }

  static Result build(Ctx c, String unused) {
    List<String> all = c.modules();
    long diagnostics = 0;
    for (int n : c.checksAll(all)) {
      diagnostics += n;
    }
    long sum = 0;
    for (long v : c.moduleValuesAll(all)) {
      sum = sum * 1_000_003 + v;
    }
    return new Result(diagnostics, sum);
  }

  // ------------------------------------------------------------------------------------------ semantics

  private static Object eval(Ctx c, Module mod, Expr e) {
    return switch (e) {
      case Num n -> n.value();
      case Text t -> t.value();
      case Ref r -> {
        DefRef target = target(c, mod, r);
        yield target == null ? ERR : c.value(target);
      }
      case Bin b -> {
        Object l = eval(c, mod, b.left());
        Object r = eval(c, mod, b.right());
        if (l instanceof Long x && r instanceof Long y) {
          yield b.op() == '+' ? x + y : x * y;
        }
        if (b.op() == '+' && l instanceof String x && r instanceof String y) {
          String s = x + y;
          yield s.length() > MAX_STRING ? s.substring(0, MAX_STRING) : s;
        }
        yield ERR;
      }
      case Len l -> eval(c, mod, l.arg()) instanceof String s ? (long) s.length() : ERR;
    };
  }

  /** The definition a reference names, or null if it names nothing visible. */
  private static DefRef target(Ctx c, Module mod, Ref r) {
    if (r.module() == null) {
      return mod.def(r.name()) == null ? null : new DefRef(mod.name(), r.name());
    }
    List<String> exports = c.resolve(mod.name()).exportsOf(r.module());
    return exports != null && exports.contains(r.name()) ? new DefRef(r.module(), r.name()) : null;
  }

  /** The type of {@code e}; with {@code errors} non-null, also the errors made at this level, in order. */
  private static Type typeOf(Ctx c, Module mod, Expr e, List<String> errors) {
    return switch (e) {
      case Num n -> Type.INT;
      case Text t -> Type.STR;
      case Ref r -> {
        DefRef target = target(c, mod, r);
        if (target == null) {
          if (errors != null) {
            errors.add(r.module() == null ? "unknown name " + r.name()
                : c.resolve(mod.name()).exportsOf(r.module()) == null ? "module " + r.module() + " is not imported"
                : r.name().charAt(0) == '_' ? r.module() + "." + r.name() + " is private"
                : r.module() + " has no export " + r.name());
          }
          yield Type.ERR;
        }
        Type t = c.type(target);
        yield t == Type.CYCLE ? Type.INT : t;
      }
      case Bin b -> {
        Type l = typeOf(c, mod, b.left(), errors);
        Type r = typeOf(c, mod, b.right(), errors);
        if (l == Type.ERR || r == Type.ERR) {
          yield Type.ERR;
        }
        if (l == Type.INT && r == Type.INT) {
          yield Type.INT;
        }
        if (b.op() == '+' && l == Type.STR && r == Type.STR) {
          yield Type.STR;
        }
        if (errors != null) {
          errors.add("cannot apply " + b.op() + " to " + name(l) + " and " + name(r));
        }
        yield Type.ERR;
      }
      case Len l -> {
        Type t = typeOf(c, mod, l.arg(), errors);
        if (t == Type.STR) {
          yield Type.INT;
        }
        if (t != Type.ERR && errors != null) {
          errors.add("len of " + name(t));
        }
        yield Type.ERR;
      }
    };
  }

  private static String name(Type t) {
    return t == Type.STR ? "str" : "int";
  }

  private static void collectUsed(Expr e, Set<String> used) {
    switch (e) {
      case Ref r when r.module() != null -> used.add(r.module());
      case Bin b -> {
        collectUsed(b.left(), used);
        collectUsed(b.right(), used);
      }
      case Len l -> collectUsed(l.arg(), used);
      default -> {}
    }
  }
}
