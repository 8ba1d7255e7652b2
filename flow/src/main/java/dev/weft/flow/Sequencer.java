package dev.weft.flow;

import java.util.HashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Restores input order behind the workers of a replicated, order-keeping {@code map} stage.
 *
 * <p>Every chunk carries the position at which it was taken from the stage's input channel
 * ({@link Chunk#seq}). A worker that finishes a chunk {@link #deliver}s it: the chunk is parked in
 * {@code pending}, and if no other worker is currently delivering, this worker becomes the deliverer and
 * pushes chunks downstream for as long as the next expected one is pending. Pushing may block on
 * backpressure; meanwhile the other workers keep working and parking their chunks.
 *
 * <p><b>Bound.</b> A worker must {@link #reserve} a slot before taking a chunk; at most {@code window}
 * chunks are taken but not yet delivered, so a slow item delays the others by at most that many chunks
 * instead of letting {@code pending} grow without limit. The worker holding the oldest chunk never waits for
 * a slot (it already has one), so the window cannot deadlock.
 *
 * <p><b>Invariants</b> (guarded by {@code lock}): {@code next} is the position of the oldest undelivered
 * chunk; {@code inFlight} counts reserved slots; at most one thread has {@code delivering} set. If the
 * deliverer fails (downstream abandoned or the run stopped), the sequencer is poisoned so that waiting workers
 * stop too.
 */
final class Sequencer {
  private final int window;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slot = lock.newCondition();
  private final HashMap<Long, Chunk> pending = new HashMap<>();
  private long next;
  private int inFlight;
  private boolean delivering;
  private RuntimeException poison;

  Sequencer(int window) {
    this.window = window;
  }

  void reserve(WorkerCounters counters) {
    lock.lock();
    try {
      if (inFlight >= window && poison == null) {
        long start = counters.clock.getAsLong();
        try {
          do {
            slot.await();
          } while (inFlight >= window && poison == null);
        } catch (InterruptedException e) {
          throw new ChannelCancelledException("interrupted while waiting for earlier items");
        } finally {
          counters.backpressuredNanos += counters.clock.getAsLong() - start;
        }
      }
      if (poison != null) {
        throw poison;
      }
      inFlight++;
    } finally {
      lock.unlock();
    }
  }

  void unreserve() {
    lock.lock();
    try {
      inFlight--;
      slot.signal();
    } finally {
      lock.unlock();
    }
  }

  void deliver(Chunk chunk, ChunkOutbox<?> out) {
    lock.lock();
    try {
      pending.put(chunk.seq, chunk);
      if (delivering) {
        return;
      }
      delivering = true;
      while (true) {
        Chunk c = pending.remove(next);
        if (c == null) {
          delivering = false;
          return;
        }
        lock.unlock();
        try {
          out.putChunk(c);
        } catch (RuntimeException e) {
          lock.lock();
          poison = e;
          slot.signalAll();
          throw e;
        }
        lock.lock();
        next++;
        inFlight--;
        slot.signal();
      }
    } finally {
      lock.unlock();
    }
  }
}
