package dev.weft.demo;

import dev.weft.query.CycleException;
import dev.weft.query.Diagnostic;
import dev.weft.query.Query;
import dev.weft.query.QueryCall;
import dev.weft.query.QueryContext;
import dev.weft.scheduler.Scheduler;
import java.io.Serial;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --baseline}: the analysis's query bodies run by plain sequential code with a {@link HashMap}
 * memo, for comparison with Weft on one carrier. No threads, no locks, no revisions: a read is a map lookup,
 * or a direct call of the body on the caller's stack.
 *
 * <p>It follows the engine's contract where the results depend on it: {@code getAll} reads its keys in key
 * order; diagnostics come out in the order the bodies report them, which for a sequential depth-first run is
 * by definition Weft's sequential order; a read that closes a cycle completes every query on the cycle with
 * its cycle fallback (the frames above the re-entered query unwind to it, each memoizing its fallback, and the
 * re-entered query returns its fallback to its caller). A body's exception propagates unchanged. Not
 * thread-safe: one analysis, one thread.
 */
final class SequentialContext implements QueryContext {
  private final Analysis analysis;
  private final Map<QueryCall, Object> inputs = new HashMap<>();
  private final Map<QueryCall, Object> memo = new HashMap<>();
  private final List<QueryCall> stack = new ArrayList<>();
  private final List<Diagnostic> diagnostics = new ArrayList<>();
  private long executions;
  private long hits;
  private long cycles;

  SequentialContext(Analysis analysis) {
    this.analysis = analysis;
  }

  /** Sets an input value (before the first read). */
  <K, V> void set(Query<K, V> input, K key, V value) {
    inputs.put(new QueryCall(input, key), value);
  }

  /** Every diagnostic reported so far, in report order. */
  List<Diagnostic> diagnostics() {
    return List.copyOf(diagnostics);
  }

  long executions() {
    return executions;
  }

  long hits() {
    return hits;
  }

  long cycles() {
    return cycles;
  }

  /** Unwinds the frames of a cycle down to the query it re-entered. */
  private static final class CycleUnwind extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;
    final transient List<QueryCall> cycle;

    CycleUnwind(List<QueryCall> cycle) {
      super(null, null, false, false);
      this.cycle = cycle;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <K, V> V get(Query<K, V> query, K key) {
    QueryCall call = new QueryCall(query, key);
    Object value = memo.get(call);
    if (value != null) {
      hits++;
      return (V) value;
    }
    Analysis.Def<K, V> def = analysis.def(query);
    if (def == null) {
      value = inputs.get(call);
      if (value == null) {
        throw new IllegalStateException("no value for input " + call);
      }
      return (V) value;
    }
    int depth = stack.indexOf(call);
    if (depth >= 0) {
      cycles++;
      throw new CycleUnwind(List.copyOf(stack.subList(depth, stack.size())));
    }
    stack.add(call);
    executions++;
    try {
      V v = def.body().compute(this, key);
      memo.put(call, v);
      return v;
    } catch (CycleUnwind u) {
      if (!u.cycle.contains(call)) {
        throw u;
      }
      if (def.fallback() == null) {
        throw new CycleException(u.cycle);
      }
      V v = def.fallback().recover(key, u.cycle);
      memo.put(call, v);
      if (u.cycle.get(0).equals(call)) {
        return v;
      }
      throw u;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(call + " failed", e);
    } finally {
      stack.remove(stack.size() - 1);
    }
  }

  @Override
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys) {
    List<V> out = new ArrayList<>(keys.size());
    for (K k : keys) {
      out.add(get(query, k));
    }
    return out;
  }

  @Override
  public void report(Diagnostic diagnostic) {
    diagnostics.add(diagnostic);
  }

  @Override
  public void checkCancelled() {}

  /** The baseline has no scheduler; the analysis's bodies never ask for one. */
  @Override
  public Scheduler scheduler() {
    throw new UnsupportedOperationException("the sequential baseline runs without a scheduler");
  }
}
