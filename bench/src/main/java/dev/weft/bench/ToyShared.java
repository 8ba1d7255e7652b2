package dev.weft.bench;

import dev.weft.bench.ToyBuild.DefRef;
import dev.weft.bench.ToyBuild.Scope;
import dev.weft.bench.ToyBuild.Type;
import dev.weft.bench.ToyLang.Module;
import dev.weft.query.Diagnostic;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The {@link ToyBuild} bodies as plain Java that one or two platform threads run on one shared set of memos: the
 * machine's ceiling for one build on two cores, where {@link ToyPlain}'s pair measures two independent builds.
 * Each memo is a {@code ConcurrentHashMap} of {@link Cell}s; the thread that puts a cell computes it on its own
 * stack, a thread reading a cell in progress spins on it. The root's two fan-outs (every {@code check}, then every
 * {@code moduleValue}) are split as Weft's helpers split a {@code getAll}: the first worker takes the keys from the
 * front, the second from the back until it meets a key already taken.
 *
 * <p><b>States.</b> A cell is in progress ({@code value == null}) or done; a computation that unwinds without a
 * value (a cycle it is not a member of, a failure) removes its cell and marks it {@link #RETRY}, so a spinning
 * reader looks the key up again. <b>No deadlock:</b> a worker publishes the cell it waits for before spinning and
 * stops waiting when the cell's owner waits for one of its own cells; it then computes the value itself, unstored
 * (with two workers every wait-for cycle has length two, so one of the two always sees it). Cycles of the program
 * are found on each worker's own stack, as {@link ToyPlain} finds them. A cycle that spans both workers may give
 * its members other outcomes than a sequential build; the runner counts builds whose result differs.
 */
final class ToyShared {
  /** A cell's value when its computation unwound without one: look the key up again. */
  private static final Object RETRY = new Object();
  /** {@link Worker#await}'s answer when waiting could close a wait-for cycle: compute the value here. */
  private static final Object DUPLICATE = new Object();
  /** {@link Worker#take}'s answer when the worker is to compute the value itself. */
  private static final Object COMPUTE = new Object();

  private final Map<String, String> sources;
  private final List<String> modules;
  private final ConcurrentHashMap<String, Cell> parses;
  private final ConcurrentHashMap<String, Cell> exports;
  private final ConcurrentHashMap<String, Cell> scopes;
  private final ConcurrentHashMap<String, Cell> layers;
  private final ConcurrentHashMap<DefRef, Cell> values;
  private final ConcurrentHashMap<DefRef, Cell> types;
  private final ConcurrentHashMap<String, Cell> checks;
  private final ConcurrentHashMap<String, Cell> moduleValues;
  /** 0 until the root's first fan-out starts, 1 during it, 2 during the second, 3 when the root is done. */
  private volatile int phase;
  final Worker first = new Worker();
  final Worker second = new Worker();

  ToyShared(List<String> modules, Map<String, String> sources) {
    this.modules = modules;
    this.sources = sources;
    int n = modules.size();
    parses = new ConcurrentHashMap<>(2 * n);
    exports = new ConcurrentHashMap<>(2 * n);
    scopes = new ConcurrentHashMap<>(2 * n);
    layers = new ConcurrentHashMap<>(2 * n);
    values = new ConcurrentHashMap<>(8 * n);
    types = new ConcurrentHashMap<>(8 * n);
    checks = new ConcurrentHashMap<>(2 * n);
    moduleValues = new ConcurrentHashMap<>(2 * n);
  }

  /** The root, on the calling thread as the first worker; ends the build's phases however it ends. */
  ToyBuild.Result build() {
    try {
      return ToyBuild.build(first, ToyBuild.ROOT);
    } finally {
      phase = 3;
    }
  }

  /** The second worker's share, on another thread: the back of each root fan-out, until the root is done. */
  void help() {
    for (int p = 1; p <= 2; p++) {
      int wanted = p;
      while (phase < wanted) {
        Thread.onSpinWait();
      }
      if (phase > wanted) {
        continue;
      }
      ConcurrentHashMap<String, Cell> map = p == 1 ? checks : moduleValues;
      for (int i = modules.size() - 1; i >= 0 && phase == wanted; i--) {
        String m = modules.get(i);
        if (map.containsKey(m)) {
          break; // met the first worker
        }
        if (p == 1) {
          second.memo(checks, m, k -> ToyBuild.check(second, k));
        } else {
          second.memo(moduleValues, m, k -> ToyBuild.moduleValue(second, k));
        }
      }
    }
  }

  /** Bodies run by both workers, duplicates included. */
  long executions() {
    return first.executions + second.executions;
  }

  /** Computations a worker made itself instead of waiting (see the overview). */
  long duplicates() {
    return first.duplicates + second.duplicates;
  }

  /** Waits on a cell the other worker was computing. */
  long waits() {
    return first.waits + second.waits;
  }

  private static final class Cell {
    final Worker owner;
    volatile Object value;

    Cell(Worker owner) {
      this.owner = owner;
    }
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

  final class Worker implements ToyBuild.Ctx {
    /** The cell this worker spins on, or null; read by the other worker. */
    private volatile Cell waitingFor;
    /** What the last {@link #take} that answered {@link #COMPUTE} left to compute: its cell and its call. */
    private Cell claimed;
    private Call call;
    private final ArrayList<Call> stack = new ArrayList<>();
    private final HashSet<Call> active = new HashSet<>();
    final ArrayList<Diagnostic> diagnostics = new ArrayList<>();
    long executions;
    long duplicates;
    long waits;

    /** The value of {@code c}, {@link #RETRY}, or {@link #DUPLICATE}. */
    private Object await(Cell c) {
      Worker other = c.owner;
      if (other == this) {
        throw new IllegalStateException("a read re-entered a query that has no cycle fallback");
      }
      waits++;
      waitingFor = c;
      try {
        for (;;) {
          Object v = c.value;
          if (v != null) {
            return v;
          }
          Cell w = other.waitingFor;
          if (w != null && w.owner == this) {
            duplicates++;
            return DUPLICATE;
          }
          Thread.onSpinWait();
        }
      } finally {
        waitingFor = null;
      }
    }

    /**
     * The value of {@code key} in {@code map} if it is done or worth waiting for, else {@link #COMPUTE}: this
     * worker computes it, into {@link #claimed} (null: a value computed twice, not stored) as {@link #call}
     * (recursive queries, {@code kind != 0}; null otherwise). A recursive read that re-enters this worker's stack
     * throws the cycle's {@link Unwind}.
     */
    private <K> Object take(ConcurrentHashMap<K, Cell> map, K key, char kind) {
      for (;;) {
        Cell c = map.get(key);
        Object v = c == null ? null : c.value;
        if (v == RETRY) {
          continue; // removed before it was marked: look again
        }
        if (v != null) {
          return v;
        }
        call = null;
        if (kind != 0) {
          call = new Call(kind, key);
          if (active.contains(call)) { // re-entered on this worker's stack: a cycle
            int from = stack.indexOf(call);
            throw new Unwind(new HashSet<>(stack.subList(from, stack.size())), call);
          }
        }
        if (c == null) {
          Cell mine = new Cell(this);
          if (map.putIfAbsent(key, mine) == null) {
            claimed = mine;
            return COMPUTE;
          }
          continue; // put by the other worker meanwhile: look at its cell
        }
        v = await(c);
        if (v == DUPLICATE) {
          claimed = null;
          return COMPUTE;
        }
        if (v != RETRY) {
          return v;
        }
      }
    }

    /** A computation of {@code mine} (if not null) unwound without a value: readers look the key up again. */
    private static <K> void unclaim(ConcurrentHashMap<K, Cell> map, K key, Cell mine) {
      if (mine != null) {
        map.remove(key, mine);
        mine.value = RETRY;
      }
    }

    @SuppressWarnings("unchecked")
    private <K, V> V memo(ConcurrentHashMap<K, Cell> map, K key, Function<K, V> body) {
      Object found = take(map, key, (char) 0);
      if (found != COMPUTE) {
        return (V) found;
      }
      Cell mine = claimed;
      executions++;
      boolean done = false;
      try {
        V v = body.apply(key);
        if (mine != null) {
          mine.value = v;
        }
        done = true;
        return v;
      } finally {
        if (!done) {
          unclaim(map, key, mine);
        }
      }
    }

    @SuppressWarnings("unchecked")
    private <K, V> V recursive(char kind, ConcurrentHashMap<K, Cell> map, K key, Function<K, V> body, V fallback) {
      Object found = take(map, key, kind);
      if (found != COMPUTE) {
        return (V) found;
      }
      Cell mine = claimed;
      Call call = this.call;
      active.add(call);
      stack.add(call);
      executions++;
      boolean done = false;
      try {
        V v = body.apply(key);
        if (mine != null) {
          mine.value = v;
        }
        done = true;
        return v;
      } catch (Unwind u) {
        if (!u.members.contains(call)) {
          throw u;
        }
        if (mine != null) {
          mine.value = fallback;
        }
        done = true;
        if (u.entry.equals(call)) {
          return fallback;
        }
        throw u;
      } finally {
        stack.remove(stack.size() - 1);
        active.remove(call);
        if (!done) {
          unclaim(map, key, mine);
        }
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
      return each(exports, ms, k -> ToyBuild.exports(this, k));
    }

    /** {@link #memo} of every key of {@code ms}, in order. */
    private <V> List<V> each(ConcurrentHashMap<String, Cell> map, List<String> ms, Function<String, V> body) {
      List<V> out = new ArrayList<>(ms.size());
      for (String m : ms) {
        out.add(memo(map, m, body));
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
      if (phase == 0) {
        phase = 1;
      }
      return each(checks, ms, k -> ToyBuild.check(this, k));
    }

    @Override
    public List<Long> moduleValuesAll(List<String> ms) {
      if (phase == 1) {
        phase = 2;
      }
      return each(moduleValues, ms, k -> ToyBuild.moduleValue(this, k));
    }

    @Override
    public void report(Diagnostic diagnostic) {
      diagnostics.add(diagnostic);
    }
  }
}
