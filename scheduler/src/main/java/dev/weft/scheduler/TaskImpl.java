package dev.weft.scheduler;

import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/** A task: a {@link FutureTask} run by one virtual thread, plus the hook that counts its exit. */
final class TaskImpl<T> implements Task<T> {
  private final String name;
  private final FutureTask<T> future;
  private final AbstractScheduler owner;
  private volatile Thread thread;

  TaskImpl(String name, Callable<T> body, AbstractScheduler owner) {
    this.name = name;
    this.future = new FutureTask<>(body);
    this.owner = owner;
  }

  /** The body of the task's thread. */
  void run() {
    try {
      future.run();
    } finally {
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
    T value;
    try {
      value = future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException ce = new CancellationException("interrupted while joining task '" + name + "'");
      ce.initCause(e);
      throw ce;
    } catch (CancellationException e) {
      owner.checkStrict();
      throw e;
    } catch (ExecutionException e) {
      owner.checkStrict();
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      if (cause instanceof Error err) {
        throw err;
      }
      throw new CompletionException("task '" + name + "' failed", cause);
    }
    owner.checkStrict();
    return value;
  }

  @Override
  public boolean isDone() {
    return future.isDone();
  }

  @Override
  public void cancel() {
    future.cancel(true);
  }

  @Override
  public String toString() {
    Thread t = thread;
    return "Task[" + name + (future.isDone() ? ", done" : ", running") + (t == null ? "" : ", " + t) + "]";
  }
}
