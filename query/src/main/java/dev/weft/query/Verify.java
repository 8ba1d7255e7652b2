package dev.weft.query;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Deciding whether a stale memo (completed in an older revision) can be reused in this one: the two depths
 * of Salsa's "maybe changed after".
 *
 * <p><b>Implementation overview.</b>
 * <ul>
 *   <li><b>Shallow</b> ({@link #quick}, ADR 0035): when every dependency the memo recorded is already current
 *       in this revision, not a cycle member, and unchanged since the memo was last verified, any claimant
 *       would decide "verified" too (a current dependency's changed-at is final, and the revision cannot move
 *       while an evaluation runs). So the memo is verified by one compare-and-set of its verified-at, with no
 *       claim, frame or wake-up; concurrent verifiers repeat the same writes and the CAS picks the one that
 *       counts it.</li>
 *   <li><b>Deep</b> ({@link #deep}): the claimant brings each dependency up to date in read order (fetching
 *       it without restoring an evicted value, verifying or re-executing it recursively; a getAll group
 *       through {@link FanOut}, stale keys in parallel), and stops at the first one that changed after the
 *       memo was last verified.</li>
 * </ul>
 */
final class Verify {
  private Verify() {}

  /**
   * For a read from outside query bodies: the value of {@code m} when it is current in revision {@code rev},
   * found in O(1) as {@link #shallow} finds it, else null. A memo current by its durability class alone is
   * left unstamped and the read is only a hit: a reader outside bodies is not held off by the revision gate,
   * so stamping would take a compare-and-set (a fenced instruction as costly as the rest of the read), and a
   * later read repeats the O(1) check instead, which stays valid while the class does not change (it has no
   * window, unlike the input filter). A read in a body still stamps, which is what its parents' quick
   * verification looks for. A memo current by its input filter is stamped and counted as a verification, as
   * in a body, since the filter's window needs the stamp. LRU tables always stamp: a restore rewrites an
   * evicted value while the memo is stale.
   *
   * <p>{@code t} is {@code m}'s table, which the caller has at hand; with the checks reading only the memo's
   * first fields ({@link MemoHot}) and the shared table and engine, the read touches no more of the memo than
   * a hit does.
   *
   * <p>An unstamped value is read under the stamp read first: a claimant cannot re-execute {@code m} in a
   * revision in which it is current by its class (nothing it read may change), so the value is the last
   * completion's.
   */
  static Object outside(Table t, Memo m, long rev) {
    long verified = m.verifiedAt; // acquire: the summaries and the result of m's last verification
    if (verified < 0 || verified == rev) {
      return verified == rev ? m.hitValue(rev) : null;
    }
    if (m.cycle != null || t.input || t.engine.counters.timings != null || Events.executedEnabled()) {
      return null;
    }
    Changes changes = t.engine.gate.changes();
    if (t.capacity < 0 && changes.classUnchangedSince(m.durability, verified)) {
      return m.hitValue(verified);
    }
    return byFilter(m, changes, verified, rev);
  }

  /** {@link #outside}'s stamping path, out of line so that the unstamped one stays small enough to inline. */
  private static Object byFilter(Memo m, Changes changes, long verified, long rev) {
    if (!changes.unchangedSince(m.durability, m.inputs, verified) && !Cone.clean(m, verified)) {
      return null;
    }
    if (m.verify(verified, rev)) {
      m.table.engine.counters.verifications.increment();
    }
    return m.hitValue(rev);
  }

  /**
   * Revalidates the stale memo {@code m} in O(1), when neither its durability class nor any input its filter
   * names changed since it was last verified ({@link Changes}); counts the verification on {@code r}. Returns
   * whether {@code m} is current in {@code rev}. Steps aside, like {@link #quick}, while verifications are
   * recorded as events or timed, so that each verified memo is reported by a claimant. Reads from outside
   * bodies use {@link #outside}.
   */
  static boolean shallow(Runner r, Memo m, long rev) {
    long verified = m.verifiedAt; // acquire: the summaries of m's last verification
    if (verified < 0 || verified == rev) {
      return verified == rev;
    }
    Table t = m.table;
    if (m.cycle != null || t.input || t.engine.counters.timings != null
        || Events.executedEnabled()
        || !(t.engine.gate.changes().unchangedSince(m.durability, m.inputs, verified) || Cone.clean(m, verified))) {
      return false;
    }
    if (m.verify(verified, rev)) {
      r.verified++;
    }
    return m.verifiedAt == rev;
  }

  /**
   * Verifies the stale memo {@code m} without claiming it, when every dependency it recorded is current and
   * unchanged; returns its outcome, or null when a claimant must decide: a dependency not yet current or
   * changed, a cycle member, an LRU table (recency and eviction go through the claim), an evicted value, or a
   * {@code weft.QueryExecuted} event or per-query timers to record. The caller has seen {@code m.owner == null},
   * so {@code m} is not on this runner's own stack.
   */
  static Object quick(Runner r, Memo m, long rev) {
    long verified = m.verifiedAt; // acquire: the data fields of m's last completion
    if (verified < 0 || verified == rev || m.cycle != null || m.table.capacity >= 0
        || r.engine.counters.timings != null || Events.executedEnabled()) {
      return null;
    }
    Object res = m.result;
    Object[] deps = m.deps;
    if (res == null || deps == null) {
      return null;
    }
    if (!Execute.summarize(m, deps, false, rev, verified)) { // own reports are in deps
      return null;
    }
    if (m.verify(verified, rev)) {
      r.verified++;
    }
    return res; // verified here or by a concurrent verifier: m is current either way
  }

  /**
   * Whether {@code d} is current in revision {@code rev}, not a cycle member, with no change after
   * {@code since}. A member is excluded because a memo reading it may be on its cycle: that memo's claimant
   * then completes it with the cycle's verdict, not by verifying.
   */
  static boolean unchangedSince(Memo d, long rev, long since) {
    return (d.table.input || d.verifiedAt == rev) && d.cycle == null && d.changedAt <= since;
  }

  /**
   * Verifies the cycle of member {@code m} (claimed by the caller) as a unit: when every member still carries
   * the cycle from its last completion at {@code since}, and no dependency outside the cycle that any member
   * recorded changed since, the cycle would form again with the same members and the same outcomes (its
   * members' bodies read the same things up to where they met the cycle, a fixpoint group iterates from the
   * same values), so every member is current again. Brings those outside dependencies up to date in each
   * member's read order, stopping at the first change (then the caller re-executes, and the cycle is found
   * anew).
   */
  static boolean cycle(Runner r, Memo m, long since) {
    Cycle c = m.cycle;
    List<Memo> members = c.members;
    long rev = r.revision;
    if (members == null) {
      return false;
    }
    Set<Memo> in = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Memo mm : members) {
      long v = mm.verifiedAt;
      if (mm.cycle != c || (v != since && v != rev) || mm.deps == null) {
        return false;
      }
      in.add(mm);
    }
    for (Memo mm : members) {
      for (Object d : mm.deps) {
        if (d instanceof Memo dm) {
          if (!in.contains(dm)) {
            Fetch.fetch(r, dm, false);
            if (dm.changedAt > since) {
              return false;
            }
          }
        } else if (d instanceof Memo[] group) {
          ArrayList<Memo> outside = new ArrayList<>(group.length);
          for (Memo g : group) {
            if (!in.contains(g)) {
              outside.add(g);
            }
          }
          FanOut.run(r, outside.toArray(new Memo[0]), false);
          for (Memo g : outside) {
            if (g.changedAt > since) {
              return false;
            }
          }
        }
      }
    }
    for (Memo mm : members) {
      if (mm.verify(since, rev)) {
        r.verified++;
      }
    }
    return true;
  }

  /**
   * Whether any recorded dependency of {@code m} changed after {@code since}, bringing each up to date in
   * read order and stopping at the first change. The caller holds {@code m}'s claim.
   */
  static boolean deep(Runner r, Memo m, long since) {
    for (Object d : m.deps) {
      if (d instanceof Memo dm) {
        Fetch.fetch(r, dm, false);
        if (dm.changedAt > since) {
          return true;
        }
      } else if (d instanceof Memo[] group) {
        FanOut.run(r, group, false);
        for (Memo g : group) {
          if (g.changedAt > since) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
