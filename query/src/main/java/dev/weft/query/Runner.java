package dev.weft.query;

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
 * then unparks its parent.
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
  Fixpoint.Group group;
  /** The getAll group whose keys this runner is taking, or null ({@link FanOut.Work#drain}). */
  FanOut.Work work;
  volatile Thread thread;
  Frame top;
  int depth;
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
  // child results
  Object outcome;
  Throwable error;
  /** The runner has finished: a child published its outcome or error (release), or a root returned. */
  volatile boolean done;

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
