package dev.weft.deadlock;

import dev.weft.deadlock.TrackedLock.Node;
import java.util.ArrayDeque;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;

/**
 * A condition of a {@link TrackedLock} (see its class documentation, <b>Conditions</b>). Its queue is guarded
 * by the lock's mutex; a node leaves it either by {@code signal} (moved to the lock's queue,
 * {@code transferred} set, under the mutex) or by its own thread after a timeout or interrupt (removed under
 * the mutex if not yet transferred). Its nodes are never refused while parked: a cycle through a
 * re-acquisition refuses another party, or the re-acquiring thread itself when it closes the cycle and no
 * other party may be refused.
 */
final class TrackedCondition implements Condition {
  private final TrackedLock lock;
  private final ArrayDeque<Node> queue = new ArrayDeque<>(); // guarded by lock.mutex

  TrackedCondition(TrackedLock lock) {
    this.lock = lock;
  }

  @Override
  public void await() throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    doAwait(true, -1L);
  }

  @Override
  public void awaitUninterruptibly() {
    try {
      doAwait(false, -1L);
    } catch (InterruptedException e) {
      throw new AssertionError(e); // not interruptible
    }
  }

  @Override
  public long awaitNanos(long nanosTimeout) throws InterruptedException {
    if (Thread.interrupted()) {
      throw new InterruptedException();
    }
    long start = System.nanoTime();
    doAwait(true, Math.max(0L, nanosTimeout));
    long elapsed = System.nanoTime() - start;
    return nanosTimeout - elapsed;
  }

  @Override
  public boolean await(long time, TimeUnit unit) throws InterruptedException {
    return awaitNanos(unit.toNanos(time)) > 0L;
  }

  @Override
  public boolean awaitUntil(Date deadline) throws InterruptedException {
    long millis = deadline.getTime() - System.currentTimeMillis();
    return awaitNanos(TimeUnit.MILLISECONDS.toNanos(millis)) > 0L;
  }

  /**
   * Releases the lock fully, waits for a signal (or timeout/interrupt), then re-acquires with the same hold
   * count.
   *
   * @param nanos {@code < 0}: no limit; otherwise the longest wait ({@code 0} only releases and re-acquires)
   */
  private void doAwait(boolean interruptible, long nanos) throws InterruptedException {
    Thread me = Thread.currentThread();
    Node node;
    Thread next;
    lock.mutex.lock();
    try {
      if (lock.owner != me) {
        throw new IllegalMonitorStateException(TrackedLock.describe(me) + " does not hold " + lock);
      }
      node = new Node(me, lock, lock.holds, 0L, false);
      queue.addLast(node);
      lock.holds = 1;
      next = lock.release(me);
    } finally {
      lock.mutex.unlock();
    }
    TrackedLock.released();
    if (next != null) {
      LockSupport.unpark(next);
    }
    boolean interrupted = false;
    long deadline = nanos > 0L ? System.nanoTime() + nanos : 0L;
    while (!node.transferred) {
      if (nanos >= 0L) {
        long remaining = deadline - System.nanoTime();
        if (nanos == 0L || remaining <= 0L) {
          break;
        }
        LockSupport.parkNanos(this, remaining);
      } else {
        LockSupport.park(this);
      }
      if (Thread.interrupted()) {
        interrupted = true;
        if (interruptible) {
          break;
        }
      }
    }
    boolean signalled = true;
    if (!node.transferred) {
      lock.mutex.lock();
      try {
        if (!node.transferred) {
          queue.remove(node);
          signalled = false;
        }
      } finally {
        lock.mutex.unlock();
      }
    }
    if (signalled) {
      lock.awaitTurn(node, false, -1L); // queued for the lock by the signal, with an edge to its owner
      TrackedLock.took();
    } else {
      try {
        reacquireAsNewWaiter(me, node.holds);
      } catch (DeadlockException e) {
        if (interrupted) {
          me.interrupt(); // the interrupt that ended the wait is not lost behind the refusal
        }
        throw e;
      }
    }
    if (interrupted) {
      if (interruptible && !signalled) {
        throw new InterruptedException();
      }
      me.interrupt();
    }
  }

  private void reacquireAsNewWaiter(Thread me, int holdCount) throws InterruptedException {
    Node node;
    TrackedLock.Refusal refusal;
    lock.mutex.lock();
    try {
      if (lock.owner == null) {
        lock.take(me, holdCount);
        node = null;
        refusal = null;
      } else {
        node = new Node(me, lock, holdCount, TrackedLock.age(), false);
        refusal = lock.enqueue(node, lock.owner);
      }
    } finally {
      lock.mutex.unlock();
    }
    if (node != null) {
      if (refusal != null) {
        if (refusal.parked() == null) {
          TrackedLock.refused();
          throw lock.deadlock(me, refusal.of(), true);
        }
        refusal.wake();
      }
      lock.awaitTurn(node, false, -1L); // not refusable while parked
    }
    TrackedLock.took();
  }

  @Override
  public void signal() {
    lock.mutex.lock();
    try {
      checkOwner();
      Node n = queue.pollFirst();
      if (n != null) {
        transfer(n);
      }
    } finally {
      lock.mutex.unlock();
    }
  }

  @Override
  public void signalAll() {
    lock.mutex.lock();
    try {
      checkOwner();
      Node n;
      while ((n = queue.pollFirst()) != null) {
        transfer(n);
      }
    } finally {
      lock.mutex.unlock();
    }
  }

  private void checkOwner() {
    Thread me = Thread.currentThread();
    if (lock.owner != me) {
      throw new IllegalMonitorStateException(TrackedLock.describe(me) + " does not hold " + lock);
    }
  }

  /**
   * Moves a signalled node to the lock's queue with an edge to the signaller, the owner. The node's thread
   * stays parked until the lock's release wakes it as the first waiter. Holds the mutex.
   */
  private void transfer(Node n) {
    TrackedLock.WAITING.put(n.thread, n);
    TrackedLock.GRAPH.waitAll(List.of(n.thread), lock.owner);
    lock.waiters.addLast(n);
    n.transferred = true;
  }

  @Override
  public String toString() {
    return "Condition of " + lock;
  }
}
