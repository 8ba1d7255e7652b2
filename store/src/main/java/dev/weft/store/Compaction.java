package dev.weft.store;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites a {@link LocalStore}'s live traces and their values into a new generation and switches to it (the
 * caller holds the write lock).
 *
 * <p>Order of events, each a point where a crash leaves a usable directory: write {@code weft-N+1.values};
 * write {@code weft-N+1.traces.tmp} ending in one COMMIT; force both; rename the traces file to its final name
 * and force the directory (from here open picks N+1); switch memory to N+1; delete generation N. A failure
 * before the rename deletes the new files and leaves the store on N.
 */
final class Compaction {
  /** Bytes buffered before a positional write. */
  private static final int FLUSH = 1 << 20;

  private Compaction() {}

  static void run(LocalStore s) throws IOException {
    LocalStore.WriterState st = s.state;
    Generation old = st.gen;
    Path dir = s.dir();
    long number = Math.max(old.number, st.maxGeneration) + 1;
    Path tmp = StoreFormat.tracesTmp(dir, number);
    Generation fresh = Generation.create(dir, number, tmp);
    st.maxGeneration = number;
    boolean renamed = false;
    try {
      List<Entry> live = new ArrayList<>();
      for (Entry[] entries : s.index.values()) {
        live.addAll(List.of(entries));
      }
      live.sort(Comparator.comparingInt(e -> e.ordinal));
      Writer values = new Writer(fresh, false);
      Writer traces = new Writer(fresh, true);
      Map<Fingerprint, Long> moved = new HashMap<>();
      List<Entry> entries = new ArrayList<>(live.size());
      StoreFormat.Buf body = new StoreFormat.Buf(1 << 12);
      for (Entry e : live) {
        Long valueOffset = moved.get(e.value);
        if (valueOffset == null) {
          byte[] v = readChecked(s, old, e);
          if (v == null) {
            continue;
          }
          valueOffset = values.position();
          values.put(v);
          moved.put(e.value, valueOffset);
        }
        byte[] record = old.readTraces(e.recordOffset, e.recordLength);
        byte[] trace = java.util.Arrays.copyOfRange(record, (int) (e.traceOffset - e.recordOffset),
            (int) (e.traceOffset - e.recordOffset) + e.traceLength);
        body.reset();
        body.put(StoreFormat.TRACE);
        body.putLong(e.lastUsed);
        body.putLong(valueOffset);
        body.putInt(e.valueLength);
        body.putLong(e.digest.high());
        body.putLong(e.digest.low());
        body.put(trace, 0, trace.length);
        long recordOffset = traces.position();
        traces.record(body);
        entries.add(new Entry(e.id, e.digest, e.value, fresh, entries.size(), recordOffset, body.size() + 8,
            recordOffset + 5 + StoreFormat.TRACE_FIXED, e.traceLength, valueOffset, e.valueLength, e.lastUsed));
      }
      long valuesEnd = values.position();
      body.reset();
      body.put(StoreFormat.COMMIT);
      body.putLong(st.lastCheckpoint);
      body.putInt(entries.size());
      body.putLong(valuesEnd);
      body.putLong(StoreFormat.HEADER);
      body.putVarint(0);
      traces.record(body);
      values.flush();
      traces.flush();
      long tracesEnd = traces.position();
      fresh.valuesChannel().force(true);
      fresh.tracesChannel().force(true);
      fresh.map(tracesEnd, valuesEnd);
      Files.move(tmp, StoreFormat.traces(dir, number), StandardCopyOption.ATOMIC_MOVE);
      renamed = true;
      fresh.movedTo(StoreFormat.traces(dir, number));
      Checkpoint.forceDirectory(dir);

      // Switch: nothing below does I/O that can fail, so memory follows the directory.
      st.gen = fresh;
      st.byOrdinal.clear();
      st.byOrdinal.addAll(entries);
      st.blobs.clear();
      Map<MemoId, List<Entry>> byId = new HashMap<>();
      for (Entry e : entries) {
        st.blobs.putIfAbsent(e.value, e);
        byId.computeIfAbsent(e.id, k -> new ArrayList<>()).add(e);
      }
      for (MemoId id : new ArrayList<>(s.index.keySet())) {
        if (!byId.containsKey(id)) {
          s.index.remove(id);
        }
      }
      Checkpoint.reindex(s, byId);
      st.tracesEnd = tracesEnd;
      st.valuesEnd = valuesEnd;
      st.rewrite = false;
      s.bytesWritten.add(tracesEnd + valuesEnd);
      old.close();
      st.stale = true;
      Checkpoint.deleteStale(s);
    } catch (IOException | RuntimeException | InternalError e) {
      if (!renamed) {
        fresh.close();
        Files.deleteIfExists(tmp);
        Files.deleteIfExists(StoreFormat.values(dir, number));
      }
      throw e;
    }
  }

  private static byte[] readChecked(LocalStore s, Generation old, Entry e) {
    try {
      byte[] v = old.readValue(e.valueOffset, e.valueLength);
      if (Fingerprint.of(v).equals(e.value)) {
        return v;
      }
    } catch (RuntimeException | InternalError x) {
      // fall through: the trace is dropped
    }
    s.errors.increment();
    s.warnings.warn(Warnings.Kind.CORRUPT_VALUE, "dropping a trace of " + e.id
        + " whose value is damaged, while compacting");
    return null;
  }

  /** Appends to one file of the new generation through a buffer. */
  private static final class Writer {
    private final Generation gen;
    private final boolean traces;
    private final StoreFormat.Buf buf = new StoreFormat.Buf(FLUSH + (1 << 16));
    private long flushed = StoreFormat.HEADER;

    Writer(Generation gen, boolean traces) {
      this.gen = gen;
      this.traces = traces;
    }

    long position() {
      return flushed + buf.size();
    }

    void put(byte[] b) throws IOException {
      buf.put(b, 0, b.length);
      maybeFlush();
    }

    void record(StoreFormat.Buf body) throws IOException {
      StoreFormat.frame(buf, body.array(), body.size());
      maybeFlush();
    }

    private void maybeFlush() throws IOException {
      if (buf.size() >= FLUSH) {
        flush();
      }
    }

    void flush() throws IOException {
      Generation.writeFully(traces ? gen.tracesChannel() : gen.valuesChannel(), buf.asBuffer(), flushed);
      flushed += buf.size();
      buf.reset();
    }
  }
}
