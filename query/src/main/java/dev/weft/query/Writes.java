package dev.weft.query;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The staged writes of a {@code set}, {@code setAll}, {@code remove} or {@code update}, applied in one
 * revision by {@link #commit}.
 *
 * <p><b>Implementation overview.</b> Staging checks every argument (so a bad write fails the whole
 * transaction before anything is applied) and keeps the last write per input memo. {@link #commit} runs under
 * the gate's lock: it drops writes that change nothing (an equal value by the input's cutoff with the same
 * durability), computes what the others change for the O(1) revalidation of {@link Changes} (their input
 * bits; the highest durability involved, old or new, since a memo that read the old value has the old
 * durability), and hands the application to {@link RevisionGate#advance}, which publishes it as one revision.
 * An input whose durability is lowered without a value change still counts as changed at its old durability:
 * memos that read it must be verified to lower their own.
 */
final class Writes implements Updates {
  private static final Object REMOVED = new Object();

  private record Write(Memo memo, Object value, int durability) {}

  private final QueryEngine engine;
  /** The one staged write while there is one (the usual {@code set}); {@code many} holds them beyond that. */
  private Write only;
  private LinkedHashMap<Memo, Write> many;
  /** The first two writes' operations and memos, rendered by {@link #cause} only when a message needs it. */
  private final Object[] described = new Object[4];
  private boolean open = true;

  Writes(QueryEngine engine) {
    this.engine = engine;
  }

  @Override
  public <K, V> Updates set(Input<K, V> input, K key, V value) {
    return set(input, key, value, Durability.LOW);
  }

  @Override
  public <K, V> Updates set(Input<K, V> input, K key, V value, Durability durability) {
    Table t = table(input);
    Misuse.key(t, key);
    if (value == null) {
      throw new NullPointerException("null value for input " + t.query.name + "(" + key + ")");
    }
    Objects.requireNonNull(durability, "durability");
    stage(t, key, value, durability.ordinal(), "set");
    return this;
  }

  @Override
  public <K, V> Updates setAll(Input<K, V> input, Map<? extends K, ? extends V> values) {
    Objects.requireNonNull(values, "values");
    for (Map.Entry<? extends K, ? extends V> e : values.entrySet()) {
      set(input, e.getKey(), e.getValue());
    }
    return this;
  }

  @Override
  public <K, V> Updates remove(Input<K, V> input, K key) {
    Table t = table(input);
    Misuse.key(t, key);
    stage(t, key, REMOVED, -1, "remove");
    return this;
  }

  private Table table(Input<?, ?> input) {
    if (!open) {
      throw new IllegalStateException("the Updates of a finished update() was used");
    }
    return engine.table(input);
  }

  private void stage(Table t, Object key, Object value, int durability, String op) {
    Memo m = t.memo(key);
    Write w = new Write(m, value, durability);
    Write again;
    if (many == null && (only == null || only.memo == m)) {
      again = only;
      only = w;
    } else {
      if (many == null) {
        many = new LinkedHashMap<>();
        many.put(only.memo, only);
        only = null;
      }
      again = many.remove(m); // re-inserted last: application follows call order
      many.put(m, w);
    }
    if (again == null && described[2] == null) {
      int at = described[0] == null ? 0 : 2;
      described[at] = op;
      described[at + 1] = m;
    }
  }

  /** What the cancellation of running evaluations names as its cause. */
  String cause() {
    if (described[0] == null) {
      return "update()"; // an update that staged nothing
    }
    int n = size();
    String first = described[0] + "(" + described[1] + ")";
    if (n == 1) {
      return first;
    }
    if (n > 2) {
      return first + " and " + (n - 1) + " more writes";
    }
    return first + ", " + described[2] + "(" + described[3] + ")";
  }

  private int size() {
    return many != null ? many.size() : only != null ? 1 : 0;
  }

  /** The staged writes, in the order they are applied. */
  private Collection<Write> staged() {
    return many != null ? many.values() : only != null ? List.of(only) : List.of();
  }

  /** Applies the staged writes as one revision, under the gate's lock; refused after close. */
  void apply() {
    Misuse.writer(engine, this::cause);
    RevisionGate gate = engine.gate;
    gate.lock();
    try {
      if (gate.closed()) {
        throw new IllegalStateException("engine '" + engine.name() + "' is closed; cannot " + cause());
      }
      commit();
    } finally {
      gate.unlock();
    }
  }

  /** Ends staging; the caller holds the gate's lock and has checked the engine is open. */
  private void commit() {
    open = false;
    long bits = 0;
    int durability = -1;
    int n = size();
    Write[] effective = new Write[n];
    Memo[] written = new Memo[n];
    boolean[] valueChanged = new boolean[n];
    int k = 0;
    for (Write w : staged()) {
      Memo m = w.memo;
      Object old = m.result;
      boolean removal = w.value == REMOVED;
      boolean changed = removal ? old != null : old == null || !m.table.query.same(old, w.value);
      if (!changed && (removal || w.durability == m.durability)) {
        continue; // changes nothing
      }
      bits |= m.inputs;
      durability = Math.max(durability, Math.max(m.durability, removal ? 0 : w.durability));
      effective[k] = w;
      written[k] = m;
      valueChanged[k++] = changed;
    }
    if (k == 0) {
      return;
    }
    int effectiveCount = k;
    EngineCounters counters = engine.counters;
    engine.gate.advance(this::cause, bits, durability, next -> {
      Cone.advance(engine, written, effectiveCount, next);
      for (int i = 0; i < effectiveCount; i++) {
        Write w = effective[i];
        Memo m = w.memo;
        Object old = m.result;
        if (w.value == REMOVED) {
          m.result = null;
          m.changedAt = next;
          counters.live.decrement();
          continue;
        }
        if (old == null) {
          counters.live.increment();
        }
        if (valueChanged[i]) {
          m.changedAt = next;
        }
        m.result = w.value;
        m.durability = (byte) w.durability;
      }
    });
  }
}
