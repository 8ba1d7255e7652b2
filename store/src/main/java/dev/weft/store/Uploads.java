package dev.weft.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A bounded queue of uploads served by its own virtual threads.
 *
 * <p>States and invariants: {@code pending} counts tasks accepted and not yet finished (queued or running);
 * {@link #offer} never blocks: it refuses when the queue is full or the queue is shut. {@link #drain} waits
 * until {@code pending == 0} or its deadline; {@link #shutdown} then stops accepting, interrupts the workers
 * (a running upload is cancelled through its request) and returns what was still queued, so the caller can
 * count it as dropped. A task's failure never escapes to the worker: the task body handles and counts it.
 */
final class Uploads<T> {
  private final BlockingQueue<T> queue;
  private final Consumer<T> task;
  private final List<Thread> workers = new ArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private int pending; // guarded by lock
  private boolean shut; // guarded by lock

  Uploads(int capacity, int threads, Consumer<T> task) {
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.task = task;
    for (int i = 0; i < threads; i++) {
      workers.add(Thread.ofVirtual().name("weft-remote-upload-" + i).start(this::work));
    }
  }

  /** Queues {@code t}; false if the queue is full or shut. */
  boolean offer(T t) {
    lock.lock();
    try {
      if (shut || !queue.offer(t)) {
        return false;
      }
      pending++;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until every accepted task has finished, or {@code timeout} has passed; true if all finished. */
  boolean drain(Duration timeout) {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (pending > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** Stops accepting tasks and the workers; returns the tasks that never started. */
  List<T> shutdown() {
    lock.lock();
    try {
      shut = true;
    } finally {
      lock.unlock();
    }
    List<T> left = new ArrayList<>();
    queue.drainTo(left);
    for (Thread w : workers) {
      w.interrupt();
    }
    for (Thread w : workers) {
      try {
        if (!w.join(Duration.ofSeconds(5))) {
          break; // a request ignores the interrupt; its own deadline ends it
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return left;
  }

  private void work() {
    while (true) {
      T t;
      try {
        t = queue.take();
      } catch (InterruptedException e) {
        return; // shut down
      }
      try {
        task.accept(t);
      } catch (RuntimeException e) {
        // A bug in the task: keep serving the queue rather than lose the worker.
        System.getLogger(RemoteCache.class.getName()).log(System.Logger.Level.ERROR, "upload failed", e);
      } finally {
        lock.lock();
        try {
          if (--pending == 0) {
            idle.signalAll();
          }
        } finally {
          lock.unlock();
        }
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
    }
  }
}
