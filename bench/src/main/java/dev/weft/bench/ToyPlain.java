package dev.weft.bench;

import dev.weft.bench.ToyBuild.DefRef;
import dev.weft.bench.ToyBuild.Scope;
import dev.weft.bench.ToyBuild.Type;
import dev.weft.bench.ToyLang.Module;
import dev.weft.query.Diagnostic;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@link ToyBuild} bodies as plain sequential Java: one {@code HashMap} memo per query, reads are map
 * lookups or direct calls on the caller's stack, diagnostics go to one list in the order the bodies report
 * them (for a sequential depth-first run, the order Weft's {@code evaluate} promises). A read that re-enters
 * a recursive query still in progress is a cycle: every frame from the re-entered one to the top takes its
 * fallback and memoizes it, the frames above the re-entered one unwind, and the re-entered one returns its
 * fallback, as the engine does. One build per instance, one thread.
 */
final class ToyPlain implements ToyBuild.Ctx {
  private final Map<String, String> sources;
  private final List<String> modules;
  private final HashMap<String, Module> parses = new HashMap<>();
  private final HashMap<String, List<String>> exports = new HashMap<>();
  private final HashMap<String, Scope> scopes = new HashMap<>();
  private final HashMap<String, Integer> layers = new HashMap<>();
  private final HashMap<DefRef, Object> values = new HashMap<>();
  private final HashMap<DefRef, Type> types = new HashMap<>();
  private final HashMap<String, Integer> checks = new HashMap<>();
  private final HashMap<String, Long> moduleValues = new HashMap<>();
  private final ArrayList<Diagnostic> diagnostics = new ArrayList<>();
  /** Recursive reads in progress, bottom first, and the same as a set. */
  private final ArrayList<Call> stack = new ArrayList<>();
  private final HashSet<Call> active = new HashSet<>();
  private long executions;

  private ToyPlain(List<String> modules, Map<String, String> sources) {
    this.modules = modules;
    this.sources = sources;
  }

  /** Builds a program from scratch. */
  static ToyPlain build(List<String> modules, Map<String, String> sources) {
    ToyPlain p = new ToyPlain(modules, sources);
    p.result = ToyBuild.build(p, ToyBuild.ROOT);
    p.executions++;
    return p;
  }

  private ToyBuild.Result result;

  ToyBuild.Result result() {
    return result;
  }

  List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  /** Bodies run, the root included. */
  long executions() {
    return executions;
  }

  private record Call(char kind, Object key) {}

  /** Unwinds the frames of a cycle down to the one it re-entered. */
  private static final class Unwind extends RuntimeException {
    final Set<Call> members;
    final Call entry;

    Unwind(Set<Call> members, Call entry) {
      super(null, null, false, false);
      this.members = members;
      this.entry = entry;
    }
  }

  private <K, V> V memo(HashMap<K, V> memo, K key, Function<K, V> body) {
    V v = memo.get(key);
    if (v == null) {
      executions++;
      v = body.apply(key);
      memo.put(key, v);
    }
    return v;
  }

  private <K, V> V recursive(char kind, HashMap<K, V> memo, K key, Function<K, V> body, V fallback) {
    V v = memo.get(key);
    if (v != null) {
      return v;
    }
    Call call = new Call(kind, key);
    if (!active.add(call)) {
      int from = stack.indexOf(call);
      throw new Unwind(new HashSet<>(stack.subList(from, stack.size())), call);
    }
    stack.add(call);
    executions++;
    try {
      v = body.apply(key);
      memo.put(key, v);
      return v;
    } catch (Unwind u) {
      if (!u.members.contains(call)) {
        throw u;
      }
      memo.put(key, fallback);
      if (u.entry.equals(call)) {
        return fallback;
      }
      throw u;
    } finally {
      stack.remove(stack.size() - 1);
      active.remove(call);
    }
  }

  @Override
  public String source(String module) {
    return sources.get(module);
  }

  @Override
  public List<String> modules() {
    return modules;
  }

  @Override
  public Module parse(String module) {
    return memo(parses, module, m -> ToyBuild.parse(this, m));
  }

  @Override
  public List<List<String>> exportsAll(List<String> ms) {
    List<List<String>> out = new ArrayList<>(ms.size());
    for (String m : ms) {
      out.add(memo(exports, m, k -> ToyBuild.exports(this, k)));
    }
    return out;
  }

  @Override
  public Scope resolve(String module) {
    return memo(scopes, module, m -> ToyBuild.resolve(this, m));
  }

  @Override
  public int layer(String module) {
    return recursive('l', layers, module, m -> ToyBuild.layer(this, m), -1);
  }

  @Override
  public Object value(DefRef def) {
    return recursive('v', values, def, d -> ToyBuild.value(this, d), 0L);
  }

  @Override
  public Type type(DefRef def) {
    return recursive('t', types, def, d -> ToyBuild.type(this, d), Type.CYCLE);
  }

  @Override
  public List<Integer> checksAll(List<String> ms) {
    List<Integer> out = new ArrayList<>(ms.size());
    for (String m : ms) {
      out.add(memo(checks, m, k -> ToyBuild.check(this, k)));
    }
    return out;
  }

  @Override
  public List<Long> moduleValuesAll(List<String> ms) {
    List<Long> out = new ArrayList<>(ms.size());
    for (String m : ms) {
      out.add(memo(moduleValues, m, k -> ToyBuild.moduleValue(this, k)));
    }
    return out;
  }

  @Override
  public void report(Diagnostic diagnostic) {
    diagnostics.add(diagnostic);
  }
}
