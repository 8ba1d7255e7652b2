package dev.weft.flow;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An {@link Inbox} that drains one chunk at a time. When its chunk is used up and the channel is momentarily
 * empty, it asks its worker to flush pending output before it blocks (see {@link Channel}). Owned by one
 * worker thread.
 */
final class ChunkInbox<T> implements Inbox<T> {
  private final Channel channel;
  private final WorkerCounters counters;
  private final StageWorker worker;
  private Chunk current;
  private int position;
  private boolean ended;

  ChunkInbox(Channel channel, WorkerCounters counters, StageWorker worker) {
    this.channel = channel;
    this.counters = counters;
    this.worker = worker;
  }

  @Override
  @SuppressWarnings("unchecked")
  public T take() {
    Chunk c = current;
    if (c == null || position == c.size) {
      c = nextChunk();
      if (c == null) {
        return null;
      }
      current = c;
      position = 0;
    }
    return (T) c.items[position++];
  }

  /** The next whole chunk, or {@code null} at the end of input. Discards the rest of the current chunk. */
  Chunk nextChunk() {
    current = null;
    if (ended) {
      return null;
    }
    Chunk c = channel.poll();
    if (c == null) {
      worker.flushOutputs();
      c = channel.take(counters);
    }
    if (c == Chunk.END) {
      ended = true;
      return null;
    }
    counters.in += c.size;
    return c;
  }

  @Override
  public Iterator<T> iterator() {
    return new Iterator<>() {
      private T next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = take();
        }
        return next != null;
      }

      @Override
      public T next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        T t = next;
        next = null;
        return t;
      }
    };
  }
}
