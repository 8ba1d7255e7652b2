package dev.weft.query;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A detected dependency cycle: its calls in canonical rotation and the one {@link CycleException} that every
 * member without a fallback fails with. Canonical rotation starts at the smallest call by query name, then
 * key text, then key class name, so the cycle reads the same whichever member was entered first.
 */
final class Cycle {
  static final Comparator<QueryCall> ORDER = Comparator.<QueryCall, String>comparing(c -> c.query().name())
      .thenComparing(c -> String.valueOf(c.key()))
      .thenComparing(c -> c.key().getClass().getName());

  final List<QueryCall> calls;
  final CycleException exception;
  /**
   * The members' memos, in the order of {@link #calls}. Kept by each member's memo for the later revisions'
   * verification of the cycle as a unit ({@link Verify#cycle}).
   */
  final List<Memo> members;
  /**
   * The fixpoint group the marked frames hand their claims over to, or null for a cycle that completes with
   * fallbacks. Set by the detector before the marks are published.
   */
  FixpointGroup group;

  /** The signal a fixpoint group's driver gets when its group is merged into another ({@link Runner#unwind}). */
  static final Cycle MERGE = new Cycle(List.of(new QueryCall(Query.input("fixpoint merge"), "signal")));

  Cycle(List<QueryCall> calls) {
    this(calls, null);
  }

  Cycle(List<QueryCall> calls, List<Memo> members) {
    this.calls = calls;
    this.members = members;
    this.exception = new CycleException(calls);
  }

  /** The cycle of {@code frames}, each requiring the next and the last the first, in canonical rotation. */
  static Cycle of(List<Frame> frames) {
    int n = frames.size();
    List<QueryCall> raw = new ArrayList<>(n);
    for (Frame f : frames) {
      raw.add(f.memo.call());
    }
    int min = 0;
    for (int i = 1; i < n; i++) {
      if (ORDER.compare(raw.get(i), raw.get(min)) < 0) {
        min = i;
      }
    }
    List<QueryCall> rotated = new ArrayList<>(n);
    List<Memo> memos = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      rotated.add(raw.get((min + i) % n));
      memos.add(frames.get((min + i) % n).memo);
    }
    return new Cycle(List.copyOf(rotated), List.copyOf(memos));
  }
}
