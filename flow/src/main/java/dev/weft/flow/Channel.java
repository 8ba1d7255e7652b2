package dev.weft.flow;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A bounded multi-producer, multi-consumer queue of {@link Chunk}s connecting two pipeline stages.
 *
 * <p><b>Chunks.</b> Items cross a channel in chunks of up to {@link #chunkSize} items. A producer fills a
 * chunk privately ({@link ChunkOutbox}) and hands it over when it is full, when a consumer is parked waiting
 * for input ({@link #consumerWaiting()}), when the producer is about to block on its own input, and when it
 * finishes. A consumer takes a whole chunk and drains it privately ({@link ChunkInbox}). One lock round trip,
 * and at most one wakeup, is therefore paid per chunk rather than per item, while an idle consumer still gets
 * items as soon as they exist.
 *
 * <p><b>Capacity.</b> {@link #put} waits while the queued items plus the new chunk would exceed
 * {@link #capacity}, unless the queue is empty (a chunk is never larger than the chunk size of the channel it
 * is put into, so the bound holds exactly). Outside the queue, every producer holds at most one chunk and
 * every consumer at most one chunk, so the items a channel accounts for are at most
 * {@code capacity + (producers + consumers) * chunkSize}.
 *
 * <p><b>States.</b> open (registered producers &gt; 0) → ended (every producer called {@link #closeProducer};
 * takes drain the queue, then return {@link Chunk#END}). Independently: cancelled ({@link #cancel}; every
 * blocked or later put and take throws {@link ChannelCancelledException}), and abandoned (every registered
 * consumer called {@link #closeConsumer} before the channel ended; every later put throws
 * {@link ChannelAbandonedException}, so producers stop instead of blocking forever on a queue nobody reads).
 * Producers and consumers are registered while the pipeline is wired, before any of them runs, so the counts
 * never touch zero early.
 *
 * <p><b>Invariants.</b> Everything but the {@code hungry} hint is guarded by {@code lock}.
 * {@code queued} equals the sum of the sizes of the queued chunks. A thread waits on {@code notEmpty} only
 * while the queue is empty and the channel is open; on {@code notFull} only while the chunk does not fit.
 * Every take signals one waiting producer; every put signals one waiting consumer that no earlier put has
 * signalled yet ({@code signalledConsumers} counts signals whose consumer has not woken up, so a burst of puts
 * wakes a consumer once and the producer stops handing over partial chunks meanwhile); closing, cancelling and
 * abandoning signal all. No waiter is left behind. Waits are untimed {@link Condition#await()}: every wakeup
 * comes from another stage, which keeps runs on {@code Scheduler.deterministic} replayable.
 *
 * <p><b>Differences from Jox.</b> Jox channels are lock-free segment queues (after the Kotlin coroutines
 * channel algorithm) where every send and receive moves one item, with rendezvous and buffered modes, closing
 * by done/error states carried to the other side, and {@code select}. This channel moves chunks under a plain
 * {@link ReentrantLock}:
 * with tens of items per hand-off, the lock is taken a few times per chunk and never contended for long, so
 * lock-freedom buys little; there is no {@code select}, no unbuffered (rendezvous) mode, and errors are not
 * carried through the channel but reported to the run, which cancels every channel at once.
 */
final class Channel {
  /** Largest number of items moved per hand-off. */
  static final int MAX_CHUNK = 64;

  final int capacity;
  final int chunkSize;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final Condition notFull = lock.newCondition();
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private int queued;
  private int producers;
  private int consumers;
  private int waitingProducers;
  private boolean cancelled;
  private boolean abandoned;
  private long takes;
  private int waitingConsumers;
  // Signals sent to waiting consumers that have not woken up yet.
  private int signalledConsumers;
  // waitingConsumers > signalledConsumers: a consumer is parked and nobody has woken it yet. Written under
  // lock, read without it by producers deciding whether to hand off a partial chunk.
  private volatile boolean hungry;

  Channel(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.chunkSize = chunkSizeFor(capacity);
  }

  /** A quarter of the capacity, so several chunks are in flight at once, between 1 and {@link #MAX_CHUNK}. */
  static int chunkSizeFor(int capacity) {
    return Math.max(1, Math.min(MAX_CHUNK, capacity / 4));
  }

  void addProducer() {
    lock.lock();
    try {
      producers++;
    } finally {
      lock.unlock();
    }
  }

  void addConsumer() {
    lock.lock();
    try {
      consumers++;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether a consumer is parked waiting for a chunk and no put has woken it yet; a hint, read without the
   * lock. Once a put has signalled the consumer the hint turns false, so the producer goes back to filling
   * whole chunks while the consumer wakes up instead of handing over one item at a time.
   */
  boolean consumerWaiting() {
    return hungry;
  }

  /**
   * Enqueues {@code chunk} (non-empty, at most {@link #chunkSize} items), waiting while it does not fit.
   *
   * @throws ChannelCancelledException if the channel is or becomes cancelled, or the thread is interrupted
   * @throws ChannelAbandonedException if every consumer has gone
   */
  void put(Chunk chunk, WorkerCounters counters) {
    lock.lock();
    try {
      if (queued > 0 && queued + chunk.size > capacity && !cancelled && !abandoned) {
        long start = counters.clock.getAsLong();
        waitingProducers++;
        try {
          do {
            notFull.await();
          } while (queued > 0 && queued + chunk.size > capacity && !cancelled && !abandoned);
        } catch (InterruptedException e) {
          throw new ChannelCancelledException("interrupted while waiting to put");
        } finally {
          waitingProducers--;
          counters.backpressuredNanos += counters.clock.getAsLong() - start;
        }
      }
      if (cancelled) {
        throw new ChannelCancelledException("pipeline stopped");
      }
      if (abandoned) {
        throw new ChannelAbandonedException("no consumer left");
      }
      queue.addLast(chunk);
      queued += chunk.size;
      if (waitingConsumers > signalledConsumers) {
        signalledConsumers++;
        hungry = waitingConsumers > signalledConsumers;
        notEmpty.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * The next chunk without waiting: a chunk, {@link Chunk#END} once every producer has closed and the queue
   * is drained, or {@code null} if the queue is momentarily empty.
   */
  Chunk poll() {
    lock.lock();
    try {
      if (cancelled) {
        throw new ChannelCancelledException("pipeline stopped");
      }
      return dequeue();
    } finally {
      lock.unlock();
    }
  }

  /** The next chunk, waiting for one; {@link Chunk#END} once every producer has closed and the queue is drained. */
  Chunk take(WorkerCounters counters) {
    lock.lock();
    try {
      if (cancelled) {
        throw new ChannelCancelledException("pipeline stopped");
      }
      Chunk c = dequeue();
      if (c != null) {
        return c;
      }
      long start = counters.clock.getAsLong();
      try {
        do {
          waitingConsumers++;
          hungry = waitingConsumers > signalledConsumers;
          try {
            notEmpty.await();
          } finally {
            // Whether this wakeup was a put's signal or not, one fewer signal is outstanding.
            waitingConsumers--;
            if (signalledConsumers > 0) {
              signalledConsumers--;
            }
            hungry = waitingConsumers > signalledConsumers;
          }
          if (cancelled) {
            throw new ChannelCancelledException("pipeline stopped");
          }
          c = dequeue();
        } while (c == null);
        return c;
      } catch (InterruptedException e) {
        throw new ChannelCancelledException("interrupted while waiting to take");
      } finally {
        counters.starvedNanos += counters.clock.getAsLong() - start;
      }
    } finally {
      lock.unlock();
    }
  }

  // Called with the lock held.
  private Chunk dequeue() {
    Chunk c = queue.pollFirst();
    if (c == null) {
      return producers == 0 ? Chunk.END : null;
    }
    queued -= c.size;
    c.seq = takes++;
    if (waitingProducers > 0) {
      notFull.signal();
    }
    return c;
  }

  /** A producer has finished; the last one ends the channel. */
  void closeProducer() {
    lock.lock();
    try {
      if (--producers == 0) {
        notEmpty.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** A consumer has finished; if it was the last and producers remain, the channel is abandoned. */
  void closeConsumer() {
    lock.lock();
    try {
      if (--consumers == 0 && producers > 0) {
        abandoned = true;
        queue.clear();
        queued = 0;
        notFull.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Fails every waiting and later put and take; idempotent. */
  void cancel() {
    lock.lock();
    try {
      cancelled = true;
      queue.clear();
      queued = 0;
      notEmpty.signalAll();
      notFull.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Items queued now (for tests). */
  int queued() {
    lock.lock();
    try {
      return queued;
    } finally {
      lock.unlock();
    }
  }
}
