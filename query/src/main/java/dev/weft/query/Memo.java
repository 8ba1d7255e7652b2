package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The memo of one query at one key: its outcome, the revisions that date it, its dependency record, and
 * the claim of whoever is computing it.
 *
 * <p><b>States.</b> A memo is <em>unclaimed</em> ({@code owner == null}) or <em>claimed</em> by one frame
 * ({@code owner != null}) that verifies or executes it. Independently it is <em>empty</em>
 * ({@code verifiedAt < 0}: never completed), <em>current</em> ({@code verifiedAt == } the engine's revision)
 * or <em>stale</em> (completed in an older revision). A current memo whose {@code result} is {@code null}
 * had its value evicted by the LRU: its dependency record is still exact, and so is {@code cycle}, which
 * decides the outcome of a cycle member (its body's reads cannot reproduce it, see {@link #cycle}).
 *
 * <p><b>Transitions.</b>
 * <ul>
 *   <li>claim: {@code owner} CAS {@code null → frame}; only a claimant writes the data fields. A memo a
 *       reader's insert creates is claimed for that reader before the insert publishes it.</li>
 *   <li>complete: the claimant writes {@code result}, {@code changedAt}, {@code deps}, {@code flags}, then
 *       {@code verifiedAt = revision} (release), then {@code owner = null} (release), then hands the outcome
 *       to every registered waiter and unparks it.</li>
 *   <li>verify: the claimant found no dependency changed: {@code verifiedAt} CAS to the revision, then
 *       release.</li>
 *   <li>quick verify, without a claim: every dependency is already current and unchanged, so any claimant
 *       would verify too; {@code verifiedAt} CAS to the revision. Only a completed memo that is not a cycle
 *       member and whose table has no LRU; the CAS decides who counts the verification.</li>
 *   <li>abandon (cancellation): the claimant releases without writing; waiters get no outcome and retry.</li>
 *   <li>evict: the table's LRU sets {@code result = null} on a current memo, under the table's lock.</li>
 * </ul>
 *
 * <p><b>Invariants.</b> {@code verifiedAt} only grows. {@code changedAt <= verifiedAt} once completed.
 * The engine's revision does not change while any claim is held (a {@code set} waits for every evaluation
 * to end), so a claimant's view of "current" is stable. Readers read {@code verifiedAt} (acquire) before
 * {@code result}, and read {@code result} once into a local, because eviction may clear it at any time.
 */
final class Memo extends MemoHot {
  static final int HAS_DIAGNOSTICS = 1;
  /**
   * In {@link #flags}, beside {@link #HAS_DIAGNOSTICS}: completed by the root runner of the engine's first
   * evaluation while it logged its reports, so the log holds them ({@link Diagnostics#completed}). Read only
   * during that evaluation; a later completion's summary clears it.
   */
  static final int LOGGED = 2;

  final Table table;
  /** The frame that claimed this memo, or null. CAS only; release is a volatile write. */
  volatile Frame owner;
  /** Revision at which the outcome last changed (by the query's cutoff). */
  long changedAt;
  /**
   * Dependency record in read order: {@link Memo} for a read, {@code Memo[]} for a getAll (key order),
   * {@link Diagnostic} for an own report. Null for inputs and never-completed memos.
   */
  Object[] deps;
  /**
   * This memo's place in the {@link Cone} index (dependents, dirty stamp, cached diagnostics), or null until
   * a revision indexes it; written only inside revisions' writes.
   */
  Cone.Node cone;
  /** LRU recency stamp; racy writes by readers are fine. */
  long lastUsed;
  /** Whether the table's LRU list holds this memo; guarded by the table's lock. */
  boolean inLru;
  /** Whether the table holds this memo only weakly (its value was evicted); guarded by the table's lock. */
  boolean weak;
  /**
   * The fingerprint of this memo's value, its encoded key and its last trace, for a {@link MemoStore}; null
   * until a store needs them (only memos of queries with a codec get one). Replaced whole, racily: every writer
   * computes the same from the same value.
   */
  Persistence.Kept kept;
  /** Registered waiters, a Treiber stack. */
  volatile AwaitingQuery waiters;

  private static final VarHandle OWNER;
  private static final VarHandle WAITERS;
  private static final VarHandle VERIFIED_AT;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      OWNER = l.findVarHandle(Memo.class, "owner", Frame.class);
      WAITERS = l.findVarHandle(Memo.class, "waiters", AwaitingQuery.class);
      VERIFIED_AT = l.findVarHandle(MemoHot.class, "verifiedAt", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  Memo(Table table, Object key, int hash) {
    super(key, hash);
    this.table = table;
    if (table.input) {
      inputs = 1L << ((hash ^ table.salt) * 0x9E3779B97F4A7C15L >>> 58);
    }
  }

  boolean claim(Frame frame) {
    return OWNER.compareAndSet(this, (Frame) null, frame);
  }

  /** Claims a memo no other thread can see yet: the write that publishes the memo publishes the claim. */
  void preclaim(Frame frame) {
    OWNER.set(this, frame);
  }

  /**
   * Claimant only: {@code verifiedAt = rev} with release semantics, publishing the data fields written before
   * it to readers that acquire {@code verifiedAt}. No full fence: {@link #release} that follows has one.
   */
  void publish(long rev) {
    VERIFIED_AT.setRelease(this, rev);
  }

  /**
   * Stale to current after a check of the dependencies found nothing changed: {@code verifiedAt} CAS
   * {@code from → rev}. A claimant and the claim-free {@link Verify#quick} may check the same
   * memo at once and reach the same verdict; the CAS makes exactly one of them the verifier (the one that
   * counts it). A full fence, so it also publishes the fields written before it.
   */
  boolean verify(long from, long rev) {
    return VERIFIED_AT.compareAndSet(this, from, rev);
  }

  /** Pushes a waiter; the caller re-checks {@link #owner} afterwards. */
  void push(AwaitingQuery node) {
    AwaitingQuery h;
    do {
      h = waiters;
      node.next = h;
    } while (!WAITERS.compareAndSet(this, h, node));
  }

  /**
   * Ends the claim of {@code claimant} and hands {@code outcome} (null: none, retry) to every waiter. A
   * compare-and-set, so a claim ends once even if a path that already released it reaches the claimant's
   * final safety net ({@link Execute}).
   */
  void release(Frame claimant, Object outcome) {
    if (!OWNER.compareAndSet(this, claimant, (Frame) null)) { // release: publishes the claimant's writes
      return;
    }
    if (waiters != null) {
      AwaitingQuery w = (AwaitingQuery) WAITERS.getAndSet(this, (AwaitingQuery) null);
      for (; w != null; w = w.next) {
        w.wake(outcome, table.engine);
      }
    }
  }

  /**
   * Moves the claim from {@code from} to {@code to} (a fixpoint group's claim frame) and wakes every waiter to
   * retry, so that each waits again for the new claimant (its wait-for edge must name the runner that holds the
   * claim now).
   */
  void handOver(Frame from, Frame to) {
    if (!OWNER.compareAndSet(this, from, to)) {
      return;
    }
    if (waiters != null) {
      AwaitingQuery w = (AwaitingQuery) WAITERS.getAndSet(this, (AwaitingQuery) null);
      for (; w != null; w = w.next) {
        w.wake(null, table.engine);
      }
    }
  }

  /**
   * The value a read may take as a hit in revision {@code rev}: this memo is current and holds a value (not
   * evicted, not a failure); else null. Reads {@code verifiedAt} (acquire) before {@code result}.
   */
  Object hitValue(long rev) {
    if (verifiedAt == rev) {
      Object r = result;
      if (!(r instanceof Failure)) {
        return r;
      }
    }
    return null;
  }

  boolean hasDiagnostics() {
    return (flags & HAS_DIAGNOSTICS) != 0;
  }

  QueryCall call() {
    return new QueryCall(table.query, key);
  }

  @Override
  public String toString() {
    return table == null ? String.valueOf(key) : table.query.name + "(" + key + ")";
  }
}

/**
 * The fields a memo hit reads, declared in a superclass so that the JVM lays them out first and together
 * (superclass fields precede subclass fields): a hit then touches one cache line of the memo, not two. So do
 * the durability and cycle checks of a read from outside bodies ({@link Verify#outside}), which a memo that
 * read only inputs of an unchanged durability class answers without touching the rest of the memo, and a
 * completion's summary of its dependencies (flags, durability, input filter).
 */
abstract class MemoHot {
  final Object key;
  /** {@link Table#hash} of the key; final, so a racy table lookup may read it. */
  final int hash;
  /** Revision at which the outcome was last known current; -1 before the first completion. */
  volatile long verifiedAt = -1;
  /** The value, a {@link Failure}, or null (never completed, or evicted). Published by verifiedAt. */
  Object result;
  /**
   * Hits of {@link QueryEngine#get} from outside query bodies; reads inside bodies count in their runner. A
   * plain increment on a line the hit has just read: an atomic add (a fenced instruction) or a shared counter
   * (a store-to-load chain across hits) would cost as much as the rest of the hit. Two threads hitting this
   * memo at the same instant may lose a count, so the total is exact for one reading thread and may
   * undercount slightly under concurrent reads of one key.
   */
  long hits;
  /**
   * The {@link Durability} ordinal: an input's own; for a derived memo the lowest of what it read (the
   * highest when it read nothing). See {@link Changes}. A byte, as {@link #flags}: with both the memo takes 96
   * bytes instead of 104.
   */
  byte durability;
  /**
   * {@link Memo#HAS_DIAGNOSTICS}: this memo or anything it read reported (and {@link Memo#LOGGED}, see there).
   * Here, beside the fields a hit reads, because a completion reads every dependency's flags, durability and
   * input filter right after the body read its value: one line per dependency instead of two.
   */
  byte flags;
  /**
   * Input filter: an input's own bit; for a derived memo the union of its dependencies' (all ones for a cycle
   * member). See {@link Changes}.
   */
  long inputs;
  /**
   * The cycle this memo was found on when it last completed, or null. A member's outcome is the cycle's
   * verdict (its fallback value or the cycle's {@link CycleException}), not a function of what its body
   * read: re-running the body after its partners completed would read their outcomes as ordinary values.
   * So the verdict is restored from here after an eviction, and in a later revision a member is verified
   * with its whole cycle as a unit, never alone: the cycle is current only if no dependency outside it
   * changed, else every member re-executes (the cycle may have vanished); see {@link Fixpoint}. Survives
   * eviction like {@link Memo#deps}.
   */
  Cycle cycle;

  MemoHot(Object key, int hash) {
    this.key = key;
    this.hash = hash;
  }
}
