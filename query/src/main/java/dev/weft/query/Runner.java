package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;

/**
 * One thread's participation in an engine's evaluation: the party of the wait-for graph.
 *
 * <p>A runner is created for a root call on a scheduler thread, for each key {@link QueryContext#getAll}
 * runs on its own virtual thread, and for each hop to a fresh stack in deep recursion. It owns a stack of
 * {@link Frame frames} ({@code top}, linked by {@link Frame#parent}), each holding the claim of one memo.
 *
 * <p><b>Waits.</b> At most one at a time: {@code waitMemo} (a memo claimed by another runner) or
 * {@code waitChild} (a child runner of a getAll or hop). Both are set before the wait-for edge is added and
 * cleared after it is removed, so a cycle detector can check that an edge still stands for a real wait.
 *
 * <p><b>Signals.</b> {@code unwind} is set by a cycle detector, after it has marked this runner's member
 * frames, while this runner is blocked; the runner then throws {@link CycleUnwind} from its wait, and the
 * lowest marked frame clears it. The engine's cancellation flag is the other signal.
 *
 * <p><b>Children.</b> A child publishes {@code outcome} or {@code error}, then {@code done} (release),
 * then unparks its parent. A getAll helper whose thread has not begun when its parent has taken every key of
 * the group is <em>skipped</em> ({@link #skip} against {@link #begin}, one compare-and-set decides): the
 * parent does not wait for it, and its thread, when it runs, only leaves the revision gate.
 *
 * <p><b>Waiters.</b> A runner works for the readers that wait for it, and stops when none is left. A
 * <em>waiter</em> of runner {@code x} is exactly one of:
 * <ol>
 *   <li>the caller of the root read {@code x} was started for, while that caller waits: from the start of
 *       the read until its outcome is taken or the caller leaves ({@link RootCall}: interrupted while
 *       waiting, or its timeout passed). A root read that runs inline on its caller's thread never leaves it
 *       (the caller is the runner's own thread, whose interrupt is the runner's own signal);</li>
 *   <li>the parent of a child {@code x} (a getAll key or a hop to a fresh stack), from the spawn until the
 *       parent has collected {@code x}'s outcome or unwinds with {@link CancelledException}
 *       ({@link #parentLeaves}); a parent unwinding a cycle stays a waiter, since its children may be
 *       members of that cycle, whose frames must complete with the cycle's verdict;</li>
 *   <li>a runner waiting for a memo claimed by a frame of {@code x}, from just before its
 *       {@link AwaitingQuery} is registered until its wait ends (woken, or left), whether or not the claim is
 *       still held by then ({@link Waits#await}).</li>
 * </ol>
 * {@code waiters} counts them, starting at 1 for the first (root or parent) one. When the count reaches
 * zero before the runner is done, the runner is <em>cancelled</em> for good, by the thread that took the
 * last waiter ({@link #cancel}): the {@code cancelled} flag, an interrupt of the runner's thread (one started
 * for it), and at once the withdrawal of the places the runner itself holds as a waiter (of the runner whose
 * claim it waits for, and of its children), which cascades through everything that worked only for it
 * before a new reader can come and keep it going. The runner's next context call, engine wait or completion
 * throws {@link CancelledException} (a body blocked in an interruptible JDK call gets
 * {@link InterruptedException}, which cancels it too), its claims are abandoned without storing anything, and
 * their waiters retry. The places are withdrawn exactly once, by the runner's own thread or by a canceller,
 * whichever comes first (a compare-and-set each); a place taken while the runner is being cancelled is
 * withdrawn by the runner itself, since it writes the place and then reads the flag, and the canceller writes
 * the flag and then reads the places (all volatile). A waiter that
 * arrives after the count reached zero (a reader parks on one of its claims) does not revive it: it is woken
 * with no outcome when the claim is abandoned and computes the memo itself. So cancellation never loses an
 * outcome someone waits for (at worst it is computed again), and never hangs (an abandoned claim wakes its
 * waiters). A frame found on a cycle still completes with its cycle's verdict: the verdict was decided by
 * the detector, not computed after the cancellation, and dropping it would change a partner's outcome.
 */
final class Runner {
  /**
   * The runner of the current thread, inherited by threads started from it: a thread a body starts sees its
   * parent's runner with another {@link #thread}, which is how a {@code set} from such a thread, while the
   * evaluation that started it still runs, is told apart (it could only wait for that evaluation forever).
   */
  static final InheritableThreadLocal<Runner> CURRENT = new InheritableThreadLocal<>();

  final QueryEngine engine;
  final long id;
  /** The revision stamp this runner works in; constant, since a set waits for all runners. */
  final long revision;
  final Thread parentThread;
  /** The runner that started this child, or null for a root runner. */
  Runner parent;
  /**
   * The fixpoint group this runner iterates (its driver, or a child it started during the iteration), or
   * null; reads of the group's members then return their latest values.
   */
  FixpointGroup group;
  /** The getAll group whose keys this runner is taking, or null ({@link FanOut.Work#drain}). */
  FanOut.Work work;
  /**
   * The getAll groups this runner is the parent of and has not finished, most recent first, linked by
   * {@link FanOut.Work#outerOfParent}: pushed and popped by this runner's thread, walked by a canceller.
   */
  volatile FanOut.Work works;
  volatile Thread thread;
  Frame top;
  int depth;
  /** The frame of a memo this runner's read has just inserted already claimed ({@link Table#memoClaimed}). */
  Frame claimed;
  volatile Memo waitMemo;
  volatile Runner waitChild;
  /** The node of the current memo wait once registered for wake-ups (stall check only). */
  volatile AwaitingQuery waitNode;
  volatile Cycle unwind;
  /**
   * The signal to throw when {@link #unwind} is seen, if not a plain {@link CycleUnwind}: a fixpoint iteration
   * moving down to a frame of this runner ({@link Fixpoint.Restart}). Written before {@code unwind}.
   */
  CycleUnwind signal;
  /** Executions and memos that became live, not yet added to the engine's counters; runner thread only. */
  int executed;
  int became;
  /** Memo hits and verifications of this runner's frames, not yet added to the engine's counters. */
  long hits;
  long verified;
  /**
   * The reports of this root runner's evaluation in the order they were made, while {@link Diagnostics#startLog}
   * holds; null otherwise, or once something on this runner made the order unlike the walk's. Own thread.
   */
  ArrayList<Diagnostic> log;
  /** The memos the walks read into {@link #log} have entered, made at the first ({@link Diagnostics#read}). */
  Diagnostics.Seen seen;
  /** Memos this runner completed with a new dependency record, for the {@link Cone} index; runner thread only. */
  Memo[] recorded;
  int recordedCount;
  // child results
  Object outcome;
  Throwable error;
  /** The runner has finished: a child published its outcome or error (release), or a root returned. */
  volatile boolean done;
  /** Listed in the engine's {@link Helpers#runners} (from its first getAll group to its end). Own thread. */
  boolean listed;
  /** How many waiters this runner has (see the class comment); changed through {@link #WAITERS} only. */
  @SuppressWarnings("unused") // via WAITERS
  private volatile int waiters = 1;
  /** No waiter was left before the runner was done: it must stop. Set once, never cleared. */
  volatile boolean cancelled;
  /** 1 once the parent has given up its place as this child's waiter; CAS only ({@link #parentLeaves}). */
  @SuppressWarnings("unused") // via PARENT_LEFT
  private volatile int parentLeft;
  /**
   * A getAll helper's start: 0 queued, {@link #RUNNING} once its thread began, {@link #SKIPPED} when its parent
   * stopped waiting for it first (its group was closed, so it would take no key). CAS only.
   */
  @SuppressWarnings("unused") // via START
  private volatile int start;
  private static final int RUNNING = 1;
  private static final int SKIPPED = 2;
  /** The runner this one is a waiter of through its current memo wait, or null; CAS to null to withdraw. */
  @SuppressWarnings("unused") // via WANTED
  private volatile Runner wanted;
  /**
   * The children this runner is a waiter of, most recent first, linked by {@link #sibling}: pushed and popped
   * by this runner's thread only, walked by a thread that cancels it.
   */
  private volatile Runner kids;
  /** The next older child of this runner's parent in the parent's {@link #kids}; written before publication. */
  private Runner sibling;

  private static final VarHandle WAITERS;
  private static final VarHandle PARENT_LEFT;
  private static final VarHandle WANTED;
  private static final VarHandle START;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      WAITERS = l.findVarHandle(Runner.class, "waiters", int.class);
      PARENT_LEFT = l.findVarHandle(Runner.class, "parentLeft", int.class);
      WANTED = l.findVarHandle(Runner.class, "wanted", Runner.class);
      START = l.findVarHandle(Runner.class, "start", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  Runner(QueryEngine engine, long id, long revision, Thread thread, Thread parentThread) {
    this.engine = engine;
    this.id = id;
    this.revision = revision;
    this.thread = thread;
    this.parentThread = parentThread;
  }

  void push(Frame f) {
    top = f;
    depth++;
  }

  void pop(Frame f) {
    top = f.parent;
    depth--;
  }

  /** A helper's thread begins: false if its parent skipped it ({@link FanOut.Work#await}). */
  boolean begin() {
    return START.compareAndSet(this, 0, RUNNING);
  }

  /** The parent no longer waits for this helper if it has not begun: whether it was skipped. */
  boolean skip() {
    return START.compareAndSet(this, 0, SKIPPED);
  }

  /** Binds a child runner to the thread that runs it; a child cancelled before it started is told now. */
  void bind(Thread t) {
    thread = t; // volatile write, then the read of `cancelled`: pairs with cancel()
    if (cancelled) {
      t.interrupt(); // the child's own thread, dedicated to it
    }
  }

  /**
   * A waiter leaves; the last one cancels this runner (see the class comment). Returns whether this call
   * cancelled it.
   */
  boolean unwant() {
    if ((int) WAITERS.getAndAdd(this, -1) != 1 || done) {
      return false;
    }
    cancel();
    return true;
  }

  /**
   * Cancels this runner for good, from whichever thread took its last waiter: the flag, an interrupt of its
   * thread (always one started for it: a runner with a permanent waiter never gets here), then at once the
   * places it holds as a waiter of other runners, so the cancellation reaches everything that worked only for
   * it before any new reader can arrive and keep it going.
   */
  private void cancel() {
    cancelled = true; // volatile write, then the reads of `thread`, `wanted`, `kids`: pairs with their writers
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt(); // wakes an engine wait at once, and a body blocked in an interruptible JDK call
    }
    Runner w = wanted;
    if (w != null) {
      stopWanting(w);
    }
    for (Runner k = kids; k != null; k = k.sibling) {
      k.parentLeaves();
    }
    for (FanOut.Work g = works; g != null; g = g.outerOfParent) {
      g.parentLeaves();
    }
  }

  /** Makes this runner a waiter of {@code x} for its current memo wait (see {@link Waits#await}). */
  void startWanting(Runner x) {
    WAITERS.getAndAdd(x, 1);
    wanted = x; // volatile write, then the read of `cancelled`: pairs with cancel()
    if (cancelled) {
      stopWanting(x);
    }
  }

  /** Ends this runner's place as a waiter of {@code x}, once, whoever gets here first (it or a canceller). */
  void stopWanting(Runner x) {
    if (WANTED.compareAndSet(this, x, (Runner) null)) {
      x.unwant();
    }
  }

  /** This runner (a parent) becomes a waiter of its new child {@code c}; this runner's thread only. */
  void addKid(Runner c) {
    c.sibling = kids;
    kids = c; // volatile write, then the read of `cancelled`: pairs with cancel()
    if (cancelled) {
      c.parentLeaves();
    }
  }

  /** The most recent child this runner is a waiter of, or null; this runner's thread only. */
  Runner kids() {
    return kids;
  }

  /**
   * Forgets the children pushed after {@code mark} (a value of {@link #kids()}): each has been collected or
   * left. A canceller walking the old list only finds children for which leaving again changes nothing.
   */
  void forgetKids(Runner mark) {
    kids = mark;
  }

  /** Child {@code c} is done and its outcome taken: forgets it if it is the most recent (a hop's child). */
  void collected(Runner c) {
    if (kids == c) {
      kids = c.sibling;
    }
  }

  /** This child's parent stops waiting for it; once, whichever of the parent or a canceller gets here first. */
  void parentLeaves() {
    if (PARENT_LEFT.compareAndSet(this, 0, 1)) {
      unwant();
    }
  }

  /** Whether an evaluation of this runner must stop: cancelled (by a write, or for want of waiters) or interrupted. */
  boolean mustStop() {
    return cancelled || engine.gate.cancelling || thread.isInterrupted();
  }

  /** The exception of an evaluation of this runner that must stop ({@link #mustStop}), at memo {@code at}. */
  CancelledException stopped(Memo at) {
    if (cancelled && !engine.gate.cancelling) {
      return new CancelledException("evaluation cancelled: no reader waits for it any more"
          + (at == null ? "" : " (at " + at + ")"));
    }
    return engine.gate.cancelled(at);
  }

  /** Whether this runner is the current thread's own (not one inherited from the thread that started it). */
  boolean isCurrentThread() {
    return thread == Thread.currentThread();
  }

  /** By id, so that hash-ordered sets of runners iterate in the same order on every replay. */
  @Override
  public int hashCode() {
    return Long.hashCode(id);
  }

  @Override
  public boolean equals(Object o) {
    return o == this;
  }

  @Override
  public String toString() {
    Thread t = thread;
    return "runner#" + id + (t == null ? "" : "[" + t.getName() + "]") + (top == null ? "" : " at " + top.memo);
  }
}
