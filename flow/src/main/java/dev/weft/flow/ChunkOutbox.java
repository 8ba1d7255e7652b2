package dev.weft.flow;

/**
 * An {@link Outbox} that fills a private chunk and hands it to the channel when the chunk is full or a
 * consumer is waiting (see {@link Channel} for the whole hand-off policy). Owned by one worker thread.
 */
final class ChunkOutbox<T> implements Outbox<T> {
  private final Channel channel;
  private final WorkerCounters counters;
  private final String stage;
  private final int chunkSize;
  private Chunk current;

  ChunkOutbox(Channel channel, WorkerCounters counters, String stage) {
    this.channel = channel;
    this.counters = counters;
    this.stage = stage;
    this.chunkSize = channel.chunkSize;
  }

  @Override
  public void push(T item) {
    if (item == null) {
      throw new NullPointerException("stage '" + stage + "' produced a null item");
    }
    Chunk c = current;
    if (c == null) {
      current = c = new Chunk(chunkSize);
    }
    c.items[c.size++] = item;
    if (c.size == chunkSize || channel.consumerWaiting()) {
      flush();
    }
  }

  /** Hands the partial chunk, if any, to the channel. */
  void flush() {
    Chunk c = current;
    if (c != null && c.size > 0) {
      current = null;
      channel.put(c, counters);
      counters.out += c.size;
    }
  }

  /**
   * Hands over a whole chunk produced elsewhere (an in-place map), splitting it if it is larger than this
   * channel's chunk size. Any partial chunk is flushed first to keep order.
   */
  void putChunk(Chunk c) {
    flush();
    if (c.size <= chunkSize) {
      channel.put(c, counters);
      counters.out += c.size;
      return;
    }
    for (int from = 0; from < c.size; from += chunkSize) {
      int n = Math.min(chunkSize, c.size - from);
      Chunk part = new Chunk(n);
      System.arraycopy(c.items, from, part.items, 0, n);
      part.size = n;
      channel.put(part, counters);
      counters.out += n;
    }
  }

  Channel channel() {
    return channel;
  }
}
