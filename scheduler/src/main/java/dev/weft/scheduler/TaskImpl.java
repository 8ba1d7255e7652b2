package dev.weft.scheduler;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

/**
 * A task run by one virtual thread.
 *
 * <p>The thread runs the body, records the outcome, counts its exit with the scheduler, and only then
 * publishes the outcome through {@link #done}; so a joiner that returns sees the task already counted as
 * completed in {@link Scheduler#stats()}. {@link #cancel} sets a flag (a task not yet started skips its body)
 * and interrupts the thread; a body that then ends with an exception ends the task as cancelled.
 */
final class TaskImpl<T> implements Task<T> {
  private final String name;
  private final Callable<T> body;
  private final AbstractScheduler owner;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Thread thread;
  private volatile boolean cancelRequested;
  // written by the task's thread before done.countDown(), read after done.await()
  private T value;
  private Throwable failure;

  TaskImpl(String name, Callable<T> body, AbstractScheduler owner) {
    this.name = name;
    this.body = body;
    this.owner = owner;
  }

  /** The body of the task's thread. */
  void run() {
    try {
      if (cancelRequested) {
        failure = new CancellationException("task '" + name + "' was cancelled before it started");
      } else {
        try {
          value = body.call();
        } catch (Throwable t) {
          failure = t;
        }
        if (failure != null && cancelRequested) {
          CancellationException ce = new CancellationException("task '" + name + "' was cancelled");
          ce.initCause(failure);
          failure = ce;
        }
      }
    } finally {
      owner.taskCompleting();
      done.countDown();
      owner.taskExited();
    }
  }

  void bind(Thread thread) {
    this.thread = thread;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public T join() {
    try {
      if (done.getCount() != 0 && !owner.awaitJoin(this)) {
        throw new InterruptedException();
      }
      done.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException ce = new CancellationException("interrupted while joining task '" + name + "'");
      ce.initCause(e);
      throw ce;
    }
    owner.checkStrict();
    Throwable f = failure;
    if (f == null) {
      return value;
    }
    if (f instanceof RuntimeException re) {
      throw re;
    }
    if (f instanceof Error err) {
      throw err;
    }
    throw new CompletionException("task '" + name + "' failed", f);
  }

  @Override
  public boolean isDone() {
    return done.getCount() == 0;
  }

  @Override
  public void cancel() {
    if (isDone()) {
      return;
    }
    cancelRequested = true;
    Thread t = thread;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public String toString() {
    return "Task[" + name + (isDone() ? ", done" : ", running") + "]";
  }
}
