package dev.weft.flow;

/**
 * A batch of items moved between stages in one hand-off. A chunk has exactly one owner at a time: the
 * producer that fills it, then the channel, then the consumer that drains it, which may fill it again with
 * its own results (an in-place {@code map}) and pass it on.
 */
final class Chunk {
  /** Returned by a channel to say that every producer has closed and the queue is empty. */
  static final Chunk END = new Chunk(0);

  final Object[] items;
  int size;
  /** Position in the order the chunks were taken from their channel; used to restore input order. */
  long seq;

  Chunk(int capacity) {
    this.items = new Object[capacity];
  }
}
