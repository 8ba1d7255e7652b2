package dev.weft.store;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;

/**
 * One trace in a {@link LocalStore}'s in-memory index: where its encoding and its value lie in the files of
 * its generation. Immutable except {@link #lastUsed}, which only the writer changes under the store's write
 * lock (readers never look at it).
 */
final class Entry {
  final MemoId id;
  /** {@code Trace.digest()}: identifies the trace among those of its memo. */
  final Fingerprint digest;
  /** The fingerprint of the value bytes. */
  final Fingerprint value;
  final Generation gen;
  /** The trace's position among the TRACE records of its generation's traces file. */
  final int ordinal;
  /** The framed record: where it starts and its whole length. */
  final long recordOffset;
  final int recordLength;
  /** The {@code TraceFormat} bytes inside the record. */
  final long traceOffset;
  final int traceLength;
  final long valueOffset;
  final int valueLength;
  /** The last checkpoint that added or used this trace. */
  long lastUsed;

  Entry(MemoId id, Fingerprint digest, Fingerprint value, Generation gen, int ordinal, long recordOffset,
      int recordLength, long traceOffset, int traceLength, long valueOffset, int valueLength, long lastUsed) {
    this.id = id;
    this.digest = digest;
    this.value = value;
    this.gen = gen;
    this.ordinal = ordinal;
    this.recordOffset = recordOffset;
    this.recordLength = recordLength;
    this.traceOffset = traceOffset;
    this.traceLength = traceLength;
    this.valueOffset = valueOffset;
    this.valueLength = valueLength;
    this.lastUsed = lastUsed;
  }

  /** Newest first: the most recently used, then the most recently written. */
  static int newestFirst(Entry a, Entry b) {
    int c = Long.compare(b.lastUsed, a.lastUsed);
    return c != 0 ? c : Integer.compare(b.ordinal, a.ordinal);
  }

  @Override
  public String toString() {
    return "Entry[" + id + " #" + ordinal + " used " + lastUsed + "]";
  }
}
