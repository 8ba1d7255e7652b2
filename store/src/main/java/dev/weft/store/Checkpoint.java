package dev.weft.store;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes one checkpoint of a {@link LocalStore} (the caller holds its write lock), and keeps its index in
 * line with retention.
 */
final class Checkpoint {
  private Checkpoint() {}

  /**
   * The records and values one checkpoint appends, built in memory. Each trace is handled by its own method
   * call ({@link #add}), not in the body of one long loop: a loop run once per process is never compiled by
   * the JIT (it stays interpreted below the back-edge threshold), while a method called per trace is.
   */
  private static final class Batch {
    final LocalStore s;
    final LocalStore.WriterState st;
    final Generation g;
    final long checkpoint;
    final long valuesStart;
    final long tracesStart;
    final StoreFormat.Buf values;
    final StoreFormat.Buf records;
    /** Ordinals of older traces used. */
    final BitSet used = new BitSet();
    final List<Entry> fresh = new ArrayList<>();
    /** The fresh entries by memo (also what finds a trace given twice). */
    final Map<MemoId, List<Entry>> byId = new HashMap<>();
    /** Offsets of the values this batch appends. */
    final Map<Fingerprint, Long> newValues = new HashMap<>();

    Batch(LocalStore s, Generation g, int added) {
      this.s = s;
      // Room for a typical record and value per trace, so that the buffers are copied at most once as they grow
      // (each copy allocates a larger array and touches its pages): the demo's records take 425 bytes per
      // trace, its values 190 (equal values are stored once; many are a few bytes).
      this.records = new StoreFormat.Buf((int) Math.min(64L << 20, 64 + 512L * added));
      this.values = new StoreFormat.Buf((int) Math.min(64L << 20, Math.max(1 << 16, 128L * added)));
      this.st = s.state;
      this.g = g;
      this.checkpoint = st.lastCheckpoint + 1;
      this.valuesStart = st.valuesEnd;
      this.tracesStart = st.tracesEnd;
    }

    void add(Trace t) {
      MemoId id = t.id();
      Fingerprint digest = t.digest();
      Entry existing = find(s.index.get(id), digest);
      if (existing != null) {
        used.set(existing.ordinal);
        return;
      }
      List<Entry> mine = byId.get(id);
      if (mine != null && find(mine, digest) != null) {
        return; // given twice
      }
      Entry e = append(t, digest);
      if (e != null) {
        fresh.add(e);
        if (mine == null) {
          byId.put(id, mine = new ArrayList<>(1));
        }
        mine.add(e);
      }
    }

    /** Appends the record of {@code t} (and its value if new); null if it cannot be kept. */
    private Entry append(Trace t, Fingerprint digest) {
      byte[] value = loadChecked(s, t);
      if (value == null) {
        return null;
      }
      // The record is built in place: the TRACE fields, then the trace's encoding straight after them.
      int start = StoreFormat.startFrame(records);
      records.put(StoreFormat.TRACE);
      records.putLong(checkpoint);
      int valueOffsetAt = records.size();
      records.putLong(0); // set below, once the trace is known to encode
      records.putInt(value.length);
      records.putLong(digest.high());
      records.putLong(digest.low());
      int traceStart = records.size();
      if (!encode(s, t, records)) {
        records.truncate(start - 4);
        return null;
      }
      int traceLength = records.size() - traceStart;
      long valueOffset = valueOffset(t.value(), value);
      records.putLongAt(valueOffsetAt, valueOffset);
      StoreFormat.endFrame(records, start);
      return new Entry(t.id(), digest, t.value(), g, st.byOrdinal.size() + fresh.size(), tracesStart + start - 4,
          records.size() - (start - 4), tracesStart + traceStart, traceLength, valueOffset, value.length,
          checkpoint);
    }

    /** Where the value {@code fp} lies: a copy already in the file, one of this batch, or appended now. */
    private long valueOffset(Fingerprint fp, byte[] value) {
      Entry blob = st.blobs.get(fp);
      if (blob != null && !sameBytes(blob, value)) {
        blob = null; // the kept copy is damaged: write a new one
        st.blobs.remove(fp);
      }
      if (blob != null) {
        return blob.valueOffset;
      }
      Long pending = newValues.get(fp);
      if (pending != null) {
        return pending;
      }
      long offset = valuesStart + values.size();
      values.put(value, 0, value.length);
      newValues.put(fp, offset);
      return offset;
    }
  }

  /** Writes a checkpoint of {@code traces}, the first {@code added} of which are new (a hint for sizing). */
  static void write(LocalStore s, List<Trace> traces, int added) {
    LocalStore.WriterState st = s.state;
    if (st.rewrite && st.gen != null) {
      compact(s, "its files were damaged");
    }
    Generation g = st.gen != null ? st.gen : create(s);
    Batch batch = new Batch(s, g, added);
    for (Trace t : traces) {
      batch.add(t);
    }
    long checkpoint = batch.checkpoint;
    long valuesStart = batch.valuesStart;
    long tracesStart = batch.tracesStart;
    StoreFormat.Buf values = batch.values;
    StoreFormat.Buf records = batch.records;
    BitSet used = batch.used;
    List<Entry> fresh = batch.fresh;
    long valuesEnd = valuesStart + values.size();
    int commit = StoreFormat.startFrame(records);
    records.put(StoreFormat.COMMIT);
    records.putLong(checkpoint);
    records.putInt(fresh.size());
    records.putLong(valuesEnd);
    records.putLong(tracesStart);
    StoreFormat.writeRuns(records, used);
    StoreFormat.endFrame(records, commit);

    FileChannel vc = g.valuesChannel();
    FileChannel tc = g.tracesChannel();
    try {
      // Whatever a crash or a failed write left after the committed lengths goes first.
      if (vc.size() > valuesStart) {
        vc.truncate(valuesStart);
      }
      if (tc.size() > tracesStart) {
        tc.truncate(tracesStart);
      }
      if (values.size() > 0) {
        Generation.writeFully(vc, values.asBuffer(), valuesStart);
        if (s.durable()) {
          vc.force(false);
        }
      }
      Generation.writeFully(tc, records.asBuffer(), tracesStart);
      if (s.durable()) {
        tc.force(false);
      }
    } catch (IOException | RuntimeException e) {
      try {
        tc.truncate(tracesStart);
        vc.truncate(valuesStart);
      } catch (IOException | RuntimeException ignored) {
        // the next checkpoint truncates before it writes; replay ignores an uncommitted tail
      }
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.WRITE_FAILED, "checkpoint failed: " + e);
      throw new UncheckedIOException("cannot write checkpoint " + checkpoint + " to the Weft store " + s.dir()
          + ": " + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
    }
    s.bytesWritten.add(values.size() + records.size());

    // Committed: apply it to memory.
    st.lastCheckpoint = checkpoint;
    st.tracesEnd = tracesStart + records.size();
    st.valuesEnd = valuesEnd;
    try {
      g.map(st.tracesEnd, st.valuesEnd);
    } catch (IOException | RuntimeException e) {
      // The checkpoint is on disk; traces added by it cannot be read until the next open.
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.CORRUPT_TRACE, "cannot map the store's files: " + e);
    }
    for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
      st.byOrdinal.get(i).lastUsed = checkpoint;
    }
    st.byOrdinal.addAll(fresh);
    for (Entry e : fresh) {
      st.blobs.putIfAbsent(e.value, e);
    }
    Map<MemoId, List<Entry>> byId = batch.byId;
    List<MemoId> expired = new ArrayList<>();
    s.index.forEach((id, entries) -> {
      // Most memos hold one trace, still in use: nothing to reorder or drop.
      if (entries.length == 1 && !byId.containsKey(id)) {
        if (checkpoint - entries[0].lastUsed >= s.retention()) {
          expired.add(id);
        }
      } else {
        byId.computeIfAbsent(id, k -> new ArrayList<>()).addAll(List.of(entries));
      }
    });
    expired.forEach(s.index::remove);
    reindex(s, byId);
    if (st.stale) {
      deleteStale(s);
    }
    long live = liveBytes(s);
    if (st.tracesEnd + st.valuesEnd - live > Math.max(live, s.compactionSlack)) {
      compact(s, "more than half of its files are dropped traces");
    }
  }

  private static Generation create(LocalStore s) {
    LocalStore.WriterState st = s.state;
    long n = st.maxGeneration + 1;
    Path dir = s.dir();
    try {
      Generation g = Generation.create(dir, n, StoreFormat.traces(dir, n));
      if (s.durable()) {
        g.valuesChannel().force(true);
        g.tracesChannel().force(true);
        forceDirectory(dir);
      }
      g.map(StoreFormat.HEADER, StoreFormat.HEADER);
      st.gen = g;
      st.maxGeneration = n;
      st.tracesEnd = StoreFormat.HEADER;
      st.valuesEnd = StoreFormat.HEADER;
      return g;
    } catch (IOException | RuntimeException e) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.WRITE_FAILED, "cannot create the store's files: " + e);
      throw new UncheckedIOException("cannot create the files of the Weft store " + dir + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  private static void compact(LocalStore s, String why) {
    try {
      Compaction.run(s);
    } catch (IOException | RuntimeException e) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.COMPACTION_FAILED, "cannot compact the store (" + why + "): " + e
          + "; it keeps its current files");
    }
  }

  private static boolean sameBytes(Entry blob, byte[] value) {
    try {
      return blob.valueLength == value.length
          && java.util.Arrays.equals(blob.gen.readValue(blob.valueOffset, blob.valueLength), value);
    } catch (RuntimeException | InternalError e) {
      return false;
    }
  }

  private static Entry find(Entry[] entries, Fingerprint digest) {
    if (entries != null) {
      for (Entry e : entries) {
        if (e.digest.equals(digest)) {
          return e;
        }
      }
    }
    return null;
  }

  private static Entry find(List<Entry> entries, Fingerprint digest) {
    for (Entry e : entries) {
      if (e.digest.equals(digest)) {
        return e;
      }
    }
    return null;
  }

  /** The value of a trace being written, or null (counted and warned) if it is missing or wrong. */
  private static byte[] loadChecked(LocalStore s, Trace t) {
    byte[] v;
    try {
      v = t.loadValue();
    } catch (RuntimeException e) {
      v = null;
    }
    if (v == null || !Fingerprint.of(v).equals(t.value())) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.BAD_INPUT, "not keeping a trace of " + t.id() + ": its value "
          + (v == null ? "cannot be loaded" : "does not match its fingerprint"));
      return null;
    }
    return v;
  }

  /** Appends the encoding of {@code t} to {@code out}; false (counted and warned) if it cannot be encoded. */
  private static boolean encode(LocalStore s, Trace t, StoreFormat.Buf out) {
    try {
      TraceBytes.write(t, out);
      return true;
    } catch (IOException | RuntimeException e) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.BAD_INPUT, "not keeping a trace of " + t.id() + ": " + e);
      return false;
    }
  }

  /**
   * Sets the index lists of the memos in {@code byId} from their candidate entries: entries unused for the
   * retention are dropped, digests are kept once, the newest {@code perMemo} stay.
   */
  static void reindex(LocalStore s, Map<MemoId, List<Entry>> byId) {
    long now = s.state.lastCheckpoint;
    int retention = s.retention();
    int keep = s.perMemo();
    for (Map.Entry<MemoId, List<Entry>> m : byId.entrySet()) {
      reindex(s, m.getKey(), m.getValue(), now, retention, keep);
    }
  }

  private static void reindex(LocalStore s, MemoId id, List<Entry> candidates, long now, int retention, int keep) {
    Entry[] kept;
    if (candidates.size() == 1) { // most memos: one trace, new or used
      Entry e = candidates.get(0);
      kept = now - e.lastUsed >= retention ? null : new Entry[] {e};
    } else {
      kept = keep(candidates, now, retention, keep);
    }
    if (kept == null) {
      s.index.remove(id);
    } else {
      Entry[] before = s.index.get(id);
      if (before == null || !java.util.Arrays.equals(before, kept)) {
        s.index.put(id, kept);
      }
    }
  }

  /** The newest {@code keep} of {@code candidates} within the retention, one per digest; null if none. */
  private static Entry[] keep(List<Entry> candidates, long now, int retention, int keep) {
    candidates.removeIf(e -> now - e.lastUsed >= retention);
    candidates.sort(Entry::newestFirst);
    List<Entry> kept = new ArrayList<>(Math.min(keep, candidates.size()));
    for (Entry e : candidates) {
      if (kept.size() == keep) {
        break;
      }
      boolean dup = false;
      for (Entry k : kept) {
        dup |= k.digest.equals(e.digest);
      }
      if (!dup) {
        kept.add(e);
      }
    }
    return kept.isEmpty() ? null : kept.toArray(Entry[]::new);
  }

  /**
   * Bytes of the live traces' records and of the values they refer to, each stored value counted once (by its
   * offset: equal values share one, except a copy written again after damage, which is live too).
   */
  static long liveBytes(LocalStore s) {
    long n = StoreFormat.HEADER * 2L;
    int count = 0;
    for (Entry[] entries : s.index.values()) {
      count += entries.length;
    }
    // An open-addressing set of the value offsets counted (offsets are >= HEADER, so 0 marks a free slot and a
    // new table needs no filling: an explicit fill of 2^16 slots ran interpreted in a new JVM).
    long[] seen = new long[Integer.highestOneBit(Math.max(1, count) * 2 + 1) << 1];
    for (Entry[] entries : s.index.values()) {
      n += live(entries, seen);
    }
    return n;
  }

  /** Bytes of these entries' records and of their values not yet in {@code seen} (added to it). */
  private static long live(Entry[] entries, long[] seen) {
    long n = 0;
    int mask = seen.length - 1;
    for (Entry e : entries) {
      n += e.recordLength;
      long off = e.valueOffset;
      int h = (int) ((off * 0x9E3779B97F4A7C15L) >>> 32) & mask;
      while (seen[h] != 0 && seen[h] != off) {
        h = (h + 1) & mask;
      }
      if (seen[h] == 0) {
        seen[h] = off;
        n += e.valueLength;
      }
    }
    return n;
  }

  /** Deletes files named like this store's that are not of its current generation. */
  static void deleteStale(LocalStore s) {
    LocalStore.WriterState st = s.state;
    boolean left = false;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(s.dir())) {
      for (Path p : files) {
        long g = StoreFormat.anyGeneration(p.getFileName().toString());
        if (g >= 0 && (st.gen == null || g != st.gen.number || p.getFileName().toString().endsWith(".tmp"))) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            left = true;
            s.warnings.warn(Warnings.Kind.CLEANUP_FAILED, "cannot delete " + p + ": " + e);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      left = true;
      s.warnings.warn(Warnings.Kind.CLEANUP_FAILED, "cannot list " + s.dir() + ": " + e);
    }
    st.stale = left;
  }

  /** Makes a directory's entries durable (where the platform allows opening a directory). */
  static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | RuntimeException ignored) {
      // not supported here (e.g. Windows): the files themselves are forced
    }
  }
}
