package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * The caller's side of a root read that runs as a task of its own: a read from a thread the engine's scheduler
 * does not own, or a timed read from any thread. It is the caller's place as the first waiter of the root
 * runner (see {@link Runner} on waiters), which the caller gives up when it leaves. The static methods are the
 * timed reads of {@link QueryEngine} after its misuse checks.
 *
 * <p><b>Implementation overview.</b> One state word, changed by compare-and-set:
 * <ul>
 *   <li>{@code null}: the task has not started the read yet;</li>
 *   <li>a {@link Runner}: the read runs on it ({@link #attach});</li>
 *   <li>{@code DONE}: the task finished the read, its outcome is the task's ({@link #finish});</li>
 *   <li>{@code LEFT}: the caller left before that, interrupted while waiting or past its deadline
 *       ({@link #leave}).</li>
 * </ul>
 * {@code DONE} and {@code LEFT} are final and exclude each other, so a caller either takes the outcome or
 * leaves, never both. Leaving from the runner state gives up the caller's place as a waiter of the runner
 * ({@link Runner#unwant}), which cancels it unless another reader waits for it; leaving before the task
 * attached makes the task end without reading ({@link #attach} fails).
 *
 * <p><b>Deadline.</b> A timed read waits on a second task, the deadline task, which sleeps the timeout on the
 * scheduler's clock ({@link Scheduler#sleep}) and then leaves on the caller's behalf ({@link #awaitDeadline});
 * {@link #finish} and {@link #leave} interrupt that sleep. The sleeper publishes its thread before it reads
 * the state, and the finisher publishes the state before it reads the sleeper (both volatile), so one of them
 * sees the other: a deadline task never sleeps past a finished read. The caller joins the deadline task, a
 * wait the scheduler sees. On a deterministic scheduler the deadline is therefore a timer of the virtual
 * clock, which moves only when no task can run: a timed read times out at the same point of every replay,
 * and a computation that never waits takes no virtual time and cannot time out there.
 *
 * <p><b>Interrupts from outside.</b> Leaving interrupts the threads of the runner it cancels and of the
 * deadline task. On a deterministic scheduler an interrupt from a thread outside it would be a foreign wakeup,
 * so a caller outside it leaves through a short task ({@link #leaveFrom}) whose interrupts are the scheduler's
 * own.
 */
final class RootCall {
  private static final Object DONE = new Object();
  private static final Object LEFT = new Object();
  private static final VarHandle STATE;

  static {
    try {
      STATE = MethodHandles.lookup().findVarHandle(RootCall.class, "state", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** {@link QueryEngine#get(Query, Object, Duration)} after its checks. */
  static Object get(QueryEngine e, Table t, Object key, Duration timeout) {
    Object v = e.currentValue(t, key, true);
    if (v != null) {
      return v;
    }
    if (!t.input && !timeout.isPositive()) {
      throw noWait(Misuse.call(t, key, false), timeout);
    }
    return Fetch.unwrap(Fetch.root(e, t, key, false, timeout));
  }

  /** {@link QueryEngine#getAll(Query, List, Duration)} after its checks: the outcomes in key order. */
  static Object[] getAll(QueryEngine e, Table t, List<?> keys, Duration timeout) {
    Object[] outs = new Object[keys.size()];
    int i = 0;
    while (i < outs.length && (outs[i] = e.currentValue(t, keys.get(i), false)) != null) {
      i++;
    }
    if (i < outs.length) {
      if (!t.input && !timeout.isPositive()) {
        throw noWait(Misuse.call(t, keys, true), timeout);
      }
      return Fetch.rootAll(e, t, keys, t.input ? null : timeout); // reading inputs waits for no evaluation
    }
    for (Object k : keys) { // all current: hits, counted once (a read that evaluates counts its own)
      Memo m = t.find(k);
      if (m != null) { // held: its value was just read, unless an LRU evicted it since
        m.hits++;
        t.afterHit(m);
      }
    }
    return outs;
  }

  /** {@link QueryEngine#evaluate(Query, Object, Duration)} after its checks. */
  static Evaluation<?> evaluate(QueryEngine e, Table t, Object key, Duration timeout) {
    if (timeout.isPositive()) {
      return (Evaluation<?>) Fetch.root(e, t, key, true, timeout);
    }
    Evaluation<?> current = Fetch.evaluateCurrent(e, t, key);
    if (current == null) {
      throw noWait(Misuse.call(t, key, false), timeout);
    }
    return current;
  }

  private static QueryTimeoutException noWait(String what, Duration timeout) {
    return new QueryTimeoutException(what + " is not current, and a timeout of " + timeout + " waits for no"
        + " evaluation", timeout);
  }

  /** What the caller reads, for messages: {@code q(k)} or {@code q[a, b]}. */
  final String what;
  /** null, the runner, {@link #DONE} or {@link #LEFT}; see the class comment. */
  @SuppressWarnings("unused") // via STATE
  private volatile Object state;
  /** The deadline task's thread while it may sleep, or null. */
  private volatile Thread sleeper;
  /** What leaving did to the evaluation, for the caller's message; read by the caller after leaving. */
  private volatile String leftNote = "";

  RootCall(String what) {
    this.what = what;
  }

  /** Task side: the read runs on {@code r}. False if the caller already left; the task then must not read. */
  boolean attach(Runner r) {
    return STATE.compareAndSet(this, (Object) null, r);
  }

  /** Task side: the read ended (value, failure or cancellation), unless the caller left first. */
  void finish() {
    for (;;) {
      Object s = state;
      if (s == LEFT || s == DONE) {
        break;
      }
      if (STATE.compareAndSet(this, s, DONE)) {
        break;
      }
    }
    wakeSleeper();
  }

  /**
   * Caller side (or the deadline task on its behalf): leaves unless the read finished. Returns whether it left
   * (now or before); false means the outcome is ready.
   */
  boolean leave() {
    for (;;) {
      Object s = state;
      if (s == DONE) {
        return false;
      }
      if (s == LEFT) {
        return true;
      }
      if (STATE.compareAndSet(this, s, LEFT)) {
        // Not attached yet: the task will not start the read. Attached: the runner goes on only for others.
        if (!(s instanceof Runner r) || r.unwant()) {
          leftNote = "; the evaluation started for it was cancelled, as no other reader waited for it";
        } else if (!r.done) {
          leftNote = "; the evaluation started for it goes on, as another reader waits for it";
        }
        wakeSleeper();
        return true;
      }
    }
  }

  /**
   * Leaves as {@link #leave} does, from the calling thread or, for a thread outside a deterministic
   * scheduler, through a task of it. The caller's interrupt status is kept.
   */
  boolean leaveFrom(Scheduler s) {
    if (!s.isDeterministic() || s.owns(Thread.currentThread())) {
      return leave();
    }
    boolean interrupted = Thread.interrupted(); // else the join below would end at once
    try {
      return s.spawn("weft-query:leave " + what, this::leave).join();
    } catch (IllegalStateException closingOrInterrupted) { // CancellationException included
      return leave(); // idempotent: a leave task that still runs later finds LEFT
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Whether the read finished (the task holds the outcome). */
  boolean finished() {
    return state == DONE;
  }

  /** After a leave: what became of the evaluation, for the caller's message. */
  String leftMessage() {
    return leftNote;
  }

  /** The deadline task's body: sleeps {@code timeout} unless the read finishes first, then leaves. */
  void awaitDeadline(Scheduler s, Duration timeout) {
    sleeper = Thread.currentThread(); // volatile write, then the read of state: pairs with finish()
    if (state == DONE || state == LEFT) {
      return;
    }
    try {
      s.sleep(timeout);
    } catch (CancellationException woken) {
      return; // interrupted by finish() or by the caller's own leave()
    } finally {
      sleeper = null;
    }
    leave();
  }

  private void wakeSleeper() {
    Thread t = sleeper;
    if (t != null && t != Thread.currentThread()) {
      t.interrupt();
    }
  }
}
