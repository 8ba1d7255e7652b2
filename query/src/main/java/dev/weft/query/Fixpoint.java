package dev.weft.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Cycles that converge: the iteration of a strongly connected group that contains a
 * {@link Query#withFixpoint fixpoint} query.
 *
 * <p><b>Implementation overview.</b>
 *
 * <p><b>Forming a group.</b> When the detector ({@link CycleDetector}) finds a cycle with a fixpoint member, it
 * creates a {@link FixpointGroup} whose <em>claim frame</em> {@code G} belongs to one runner of the cycle, the
 * <em>driver</em>, and marks the members' frames as usual. As they unwind, the member frames hand their claims
 * over to {@code G} instead of completing ({@link Memo#handOver}: the claim moves, and waiters are woken to
 * retry, so their wait-for edges follow the claim to the driver). The driver's lowest member frame then runs
 * {@link #drive}; every other runner's lowest member frame reads its memo again and so waits for the driver.
 *
 * <p><b>Iterating.</b> The driver claims every member through {@code G}, gives fixpoint members their
 * {@code initial} values and members with a fallback their fallback values (the seeds), and runs rounds: each
 * member, in the group's canonical order (query name, key text, key class), executes its body on an
 * <em>iteration frame</em> (no claim of its own) that reads partners' latest values: this round's if the partner
 * already ran, else the last round's, else its seed. A member with neither a value nor a seed that is read runs
 * at once, on demand; one read while it runs itself has no value to give, and the read fails with the group's
 * {@link CycleException} (a value like any other failure). A round in which no member's outcome changed (by the
 * member's cutoff) ends the iteration; every member then completes with its last outcome, its last execution's
 * dependency record and diagnostics, and the group's cycle. Everything runs on the driver's thread (a getAll
 * inside an iteration reads its keys one after the other), so a round is a sequential program and its result,
 * its diagnostics and the number of rounds depend only on the group and the bodies.
 *
 * <p><b>Growing.</b> A group is the strongly connected set the iteration discovers, not only the first cycle
 * found. A non-member computed during an iteration that reads a member depends on the group and is read by it,
 * so it belongs to it: the frames between the reading frame and the member's iteration frame are marked, unwind
 * handing their claims over to {@code G}, and the iteration restarts from the seeds with the larger group
 * ({@link Restart}). A frame of the driver below the iteration (the reads that led into the cycle) that the
 * iteration reads again is absorbed the same way, the iteration moving down to it. A runner that waits for a
 * member while holding a claim the iteration needs closes a wait cycle through {@code G}; the detector then
 * absorbs that runner's frames instead of failing, and two groups that need each other merge. Groups only grow,
 * so restarts end; counting rounds only after the last restart keeps the count independent of the order in which
 * the group was discovered.
 *
 * <p><b>Ending otherwise.</b> After {@code maxRounds} rounds every member fails with a {@link CycleException}
 * saying so. A cancellation, or anything else thrown out of the iteration, releases every claim of {@code G}
 * without storing anything (waiters retry), so no claim leaks and nothing waits forever.
 */
final class Fixpoint {
  private Fixpoint() {}

  /**
   * The signal that unwinds to a driver's loop to restart with a grown group ({@code target == null}), or
   * further down to the frame that becomes the iteration's new base.
   */
  static final class Restart extends CycleUnwind {
    private static final long serialVersionUID = 1L;
    final transient FixpointGroup group;
    final transient Frame target;

    Restart(FixpointGroup group, Frame target) {
      this.group = group;
      this.target = target;
    }
  }

  /** Whether a cycle through {@code frames} iterates: one of them is a fixpoint query. */
  static boolean iterates(List<Frame> frames) {
    for (Frame f : frames) {
      if (f.memo.table.query.initial != null) {
        return true;
      }
    }
    return false;
  }

  /**
   * Hands {@code f}'s claim over to group {@code g}; when the group has closed meanwhile, abandons it instead
   * (the frame's reader then reads the memo again, after the group's outcome), and returns false.
   */
  static boolean handOver(Frame f, FixpointGroup g) {
    if (g.take(f.memo, f)) {
      return true;
    }
    f.memo.release(f, null);
    return false;
  }

  /**
   * A marked frame has handed its claim over and its body has unwound: returns {@code m}'s outcome once the
   * group is done (driving it when this runner is the driver and nobody drives yet), or throws to continue
   * unwinding.
   */
  static Object unwound(Frame f, FixpointGroup g, boolean handed, boolean needValue, CycleUnwind u) {
    Runner r = f.runner;
    if (u instanceof Restart x && x.target != f && x.target != null) {
      throw x; // on the way down to the iteration's new base
    }
    Frame below = f.parent;
    if (below != null && below.cycle != null && below.cycle.group == g) {
      throw u instanceof Restart x ? x : new CycleUnwind();
    }
    r.unwind = null;
    if (r.group == g) {
      throw new Restart(g, null); // inside the iteration: back to the driver's loop
    }
    if (handed && g.driver == r && !g.driving) {
      return drive(f, g, needValue);
    }
    return Fetch.fetch(r, f.memo, needValue); // waits for the driver, or reads the group's outcome
  }

  /**
   * Runs the iteration of {@code g} on its driver, with {@code base} (already handed over, popped) as the
   * frame the iteration stands for; returns {@code base}'s memo's outcome.
   */
  static Object drive(Frame base, FixpointGroup g, boolean needValue) {
    Runner r = base.runner;
    FixpointGroup outer = r.group;
    g.driving = true;
    g.under = base.parent;
    r.group = g;
    boolean done = false;
    try {
      for (;;) {
        try {
          Object out = iterate(r, g, base.memo);
          done = true;
          return out;
        } catch (Restart x) {
          if (x.group != g || x.target != null) {
            throw x;
          }
          // a grown group: start again from the seeds
        }
      }
    } catch (CycleUnwind u) {
      FixpointGroup into = g.mergedInto;
      if (into != null && !(u instanceof Restart)) {
        done = true;
        List<Memo> all = new ArrayList<>();
        for (FixpointGroup.Member s : g.members) {
          all.add(s.memo);
        }
        all.addAll(g.closeAll());
        for (Memo m : all) {
          if (!into.take(m, g.claim)) {
            m.release(g.claim, null);
          }
        }
        r.unwind = null;
        r.group = outer;
        g.driving = false;
        return Fetch.fetch(r, base.memo, needValue); // waits for the group that absorbed this one
      }
      if (u instanceof Restart x && x.group == g) {
        done = true; // the claims stay with G: the iteration moves down to x.target
      }
      throw u;
    } finally {
      r.group = outer;
      g.driving = false;
      if (!done) {
        abandon(g);
      }
    }
  }

  /** Claims the joined memos, seeds every member and runs rounds until one changes nothing. */
  private static Object iterate(Runner r, FixpointGroup g, Memo mine) {
    QueryEngine e = r.engine;
    for (Memo m : g.takeJoined()) {
      if (!g.state.containsKey(m)) {
        FixpointGroup.Member s = new FixpointGroup.Member(m);
        g.state.put(m, s);
        g.members.add(s);
      }
    }
    for (FixpointGroup.Member s : g.members) {
      claim(r, g, s.memo);
    }
    g.members.sort((a, b) -> Cycle.ORDER.compare(a.memo.call(), b.memo.call()));
    List<QueryCall> calls = new ArrayList<>(g.members.size());
    List<Memo> memos = new ArrayList<>(g.members.size());
    for (FixpointGroup.Member s : g.members) {
      calls.add(s.memo.call());
      memos.add(s.memo);
    }
    g.cycle = new Cycle(List.copyOf(calls), memos);
    int maxRounds = Integer.MAX_VALUE;
    for (FixpointGroup.Member s : g.members) {
      seed(s, g);
      QueryDef<?, ?> q = s.memo.table.query;
      if (q.initial != null) {
        maxRounds = Math.min(maxRounds, q.maxRounds);
      }
    }
    for (g.round = 1;; g.round++) {
      if (g.mergedInto != null) {
        throw new CycleUnwind(); // merged while this runner was not yet driving: drive's catch hands over
      }
      boolean changed = false;
      for (FixpointGroup.Member s : g.members) {
        if (s.round != g.round) {
          changed |= execute(r, g, s);
          if (s.value instanceof Failure f) {
            return complete(r, g, mine, f); // an exception in a round fails the group
          }
        }
      }
      if (!changed) {
        return complete(r, g, mine, null);
      }
      if (g.round >= maxRounds) {
        CycleException failure = new CycleException(g.cycle.calls, "fixpoint of the cycle did not converge in "
            + maxRounds + " rounds");
        return complete(r, g, mine, new Failure(failure, null));
      }
      if (r.mustStop()) {
        throw r.stopped(null);
      }
    }
  }

  /** Waits until {@code m} is claimed by the group (a member frame may still be handing it over). */
  private static void claim(Runner r, FixpointGroup g, Memo m) {
    for (;;) {
      Frame o = m.owner;
      if (o == g.claim) {
        return;
      }
      if (o == null) {
        if (m.claim(g.claim)) {
          return;
        }
        continue;
      }
      Waits.await(r, m, o);
    }
  }

  private static void seed(FixpointGroup.Member s, FixpointGroup g) {
    s.round = -1;
    s.running = false;
    s.deps = null;
    s.reported = false;
    Memo m = s.memo;
    QueryDef<?, ?> q = m.table.query;
    s.valued = false;
    s.value = null;
    if (q.initial != null) {
      s.value = initial(q, m);
      s.valued = true;
    } else if (q.fallback != null) {
      s.value = Execute.cycleOutcome(m, g.cycle);
      s.valued = true;
    }
  }

  @SuppressWarnings("unchecked")
  private static Object initial(QueryDef<?, ?> q, Memo m) {
    try {
      Object v = ((Function<Object, Object>) q.initial).apply(m.key);
      return v != null ? v : new Failure(new NullPointerException("fixpoint initial value of " + m + " is null"),
          List.of(m.call()));
    } catch (Throwable t) {
      return Failure.of(t, m.call());
    }
  }

  /** Runs member {@code s}'s body once on an iteration frame; returns whether its outcome changed. */
  private static boolean execute(Runner r, FixpointGroup g, FixpointGroup.Member s) {
    Memo m = s.memo;
    Frame f = new Frame(r, m, r.top);
    f.iterating(g);
    r.push(f);
    s.running = true;
    Object v;
    EngineCounters counters = r.engine.counters;
    Events.QueryExecuted ev = EngineCounters.begin();
    long t0 = counters.startTime();
    Outcome how = Outcome.CANCELLED;
    try {
      counters.executed(r);
      Diagnostics.spoil(r.engine); // a member reports again each round; its record keeps the last round's
      v = Execute.invoke(f);
      if (f.cancelled || r.mustStop()) {
        throw r.stopped(m);
      }
      how = Outcome.COMPUTED;
    } finally {
      s.running = false;
      r.pop(f);
      counters.end(ev, t0, m, how);
    }
    s.round = g.round;
    boolean changed = !s.valued || !Execute.sameOutcome(m.table.query, s.value, v);
    s.value = v;
    s.valued = true;
    s.deps = f.depsArray();
    s.reported = f.reported;
    return changed;
  }

  /**
   * A read of member {@code m} of the group {@code g} that runner {@code r} iterates (or helps iterate): its
   * latest outcome, running it on demand if it has none. A read from a frame that is not the member's own
   * iteration frame makes the frames in between members.
   */
  static Object read(Runner r, Memo m, FixpointGroup g) {
    ArrayList<Frame> between = new ArrayList<>();
    for (Runner x = r; x != null; x = x.group == g ? x.parent : null) {
      Frame f = x.top;
      for (; f != null && f.iterating() != g; f = f.parent) {
        between.add(f);
      }
      if (f != null) {
        break;
      }
    }
    if (!between.isEmpty()) {
      absorb(r, g, between);
      throw new CycleUnwind();
    }
    FixpointGroup.Member s = g.state.get(m);
    if (s == null) {
      throw new Restart(g, null); // joined since the iteration started
    }
    if (s.valued) {
      return s.value;
    }
    if (!s.running) {
      execute(r, g, s);
      return s.value;
    }
    return new Failure(g.cycle.exception, null);
  }

  /**
   * A read by runner {@code r}, which iterates {@code g}, of a memo claimed by {@code o}, a frame on its own
   * stack that is not part of the iteration: {@code o} depends on the group and the group reads it, so it and
   * the frames above it down to the iteration join; the iteration restarts at {@code o}.
   */
  static CycleUnwind below(Runner r, FixpointGroup g, Frame o) {
    ArrayList<Frame> frames = new ArrayList<>();
    for (Frame f = r.top; f != null && f.iterating() != g; f = f.parent) {
      frames.add(f); // the reader's frames above the iteration frame depend on o too
    }
    for (Frame f = g.under; f != null && f != o; f = f.parent) {
      frames.add(f);
    }
    absorb(r, g, frames);
    return new Restart(g, o);
  }

  /** Marks {@code frames} to hand their claims over to {@code g} as they unwind. */
  static void absorb(Runner r, FixpointGroup g, List<Frame> frames) {
    if (frames.isEmpty()) {
      return;
    }
    ArrayList<Frame> ordered = new ArrayList<>(frames);
    Collections.reverse(ordered);
    Cycle c = Cycle.of(ordered);
    c.group = g;
    for (Frame f : frames) {
      f.cycle = c;
    }
  }

  /**
   * Completes every member with its last outcome, or, when the group failed, with {@code failure} (the failing
   * member's own, and one naming it for the others); returns {@code mine}'s outcome. Restarts instead when a
   * memo joined since the last restart.
   */
  private static Object complete(Runner r, FixpointGroup g, Memo mine, Failure failure) {
    if (!g.close()) {
      throw new Restart(g, null);
    }
    long rev = r.revision;
    Object out = null;
    EngineCounters counters = r.engine.counters;
    r.engine.reports.incrementAndGet(); // the members' reports are the last round's: a collection walks anew
    for (FixpointGroup.Member s : g.members) {
      Memo m = s.memo;
      Object outcome = failure == null ? s.value : s.value == failure ? failure : failure.extended(m.call());
      Object old = m.result;
      if (m.verifiedAt >= 0 && old != null && Execute.sameOutcome(m.table.query, old, outcome)) {
        counters.cutoffs.increment();
      } else {
        m.changedAt = rev;
      }
      m.deps = s.deps != null ? s.deps : Frame.NO_DEPS;
      Cone.recorded(r, m);
      m.cycle = g.cycle;
      Execute.summarize(m, m.deps, true, true);
      m.result = outcome;
      if (old == null) {
        r.became++;
      }
      m.publish(rev); // not admitted to an LRU: a converged value cannot be restored without the group
      if (m == mine) {
        out = outcome;
      }
    }
    for (FixpointGroup.Member s : g.members) {
      s.memo.release(g.claim, s.memo.result);
    }
    return out;
  }

  /** Releases every claim of the group without storing anything: waiters retry. */
  private static void abandon(FixpointGroup g) {
    List<Memo> late = g.closeAll();
    for (FixpointGroup.Member s : g.members) {
      s.memo.release(g.claim, null);
    }
    for (Memo m : late) {
      m.release(g.claim, null);
    }
  }
}
