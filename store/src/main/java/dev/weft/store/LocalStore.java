package dev.weft.store;

import dev.weft.query.MemoStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A {@link MemoStore} in one directory on the local disk: the embedded default for keeping memos between
 * processes.
 *
 * {@snippet :
 * try (MemoStore store = LocalStore.open(Path.of("build/weft"))) {
 *   // QueryEngine.builder().store(store) ...
 * }
 * }
 *
 * <ul>
 *   <li><b>Crash safety.</b> Only {@link #write} changes the files, and it is atomic: a process killed at any
 *       instant, or a failed write, leaves the previous or the new checkpoint, never a mixture. With
 *       {@link Builder#durable durable} writes (the default) this also holds across a power loss, as far as
 *       the file system honours {@code fsync}.</li>
 *   <li><b>One writer.</b> Opening takes a file lock on the directory. A second store opened on it, in this or
 *       another process, reads the state as it was when it opened, drops its own writes and logs a warning once
 *       ({@link #isReadOnly()}); {@link Builder#failIfLocked} makes it throw instead.</li>
 *   <li><b>Never an error from a lookup.</b> Files of another format version or program, corrupt, cut short or
 *       missing data: the affected traces are not returned (the engine recomputes), each kind of problem is
 *       logged once and counted in {@link Stats#errors()}. A value is returned only if it matches its
 *       fingerprint.</li>
 *   <li><b>Failed writes.</b> {@link #write} throws {@link UncheckedIOException} when the directory cannot be
 *       written (disk full, read-only file system, no directory); the store keeps its previous state and
 *       serves lookups.</li>
 *   <li><b>Bounded size.</b> A trace not added or used in {@link Builder#retention} consecutive checkpoints is
 *       dropped, a memo keeps at most {@link Builder#tracesPerMemo} traces, equal values are stored once, and
 *       the files are rewritten without dropped data when that is more than half of them (and over 4 MiB):
 *       the files stay within about twice the live data.</li>
 *   <li><b>Concurrency.</b> Lookups are served from an in-memory index and memory-mapped files: many virtual
 *       threads look up at once without locks or system calls; writes are serialized.</li>
 * </ul>
 *
 * <p>The directory is this store's: it holds {@code weft.lock} and {@code weft-N.traces} and
 * {@code weft-N.values} for one generation N, and removes other files named that way. {@code docs/store.md}
 * describes the format.
 */
public final class LocalStore implements MemoStore {
  /*
   * Implementation overview
   *
   * State. The files of the current generation (Generation) hold every trace written since the last
   * compaction, live or dropped; `index` maps each memo to its live entries, newest first (Entry). Lookups
   * touch only `index` and the mappings of an entry's generation: `index` is a ConcurrentHashMap whose
   * arrays are replaced, never changed, so a lookup sees either the old or the new list of a memo, and a
   * mapping only grows (Generation). Everything else (the generation, `byOrdinal`,
   * `blobs`, the committed lengths, `lastCheckpoint`) belongs to the writer and is guarded by `writeLock`.
   *
   * Write. A checkpoint (Checkpoint) builds its batch in memory: new values appended at `valuesEnd`
   * (deduplicated by fingerprint against every value already in the file), TRACE records, and a COMMIT that
   * names the batch and the ordinals of older traces used. It writes values, forces, writes records,
   * forces; only then does it apply the batch to memory, so memory never runs ahead of the disk. On failure it
   * truncates both files back to the committed lengths and throws; before writing it truncates whatever an
   * earlier failure or crash left after them.
   *
   * Retention. An entry's lastUsed is the last checkpoint that added or used it; after each checkpoint and
   * at open, entries with lastCheckpoint - lastUsed >= retention are dropped from `index`, and each memo keeps
   * its `perMemo` newest. Replaying the file reproduces the same decisions, because they depend only on what
   * the commits record.
   *
   * Compaction (Compaction) writes the live entries and their values into generation N+1 (the traces file
   * under a temporary name, renamed once complete and forced), switches to it, and deletes generation N. Open
   * takes the highest generation whose traces file has a complete checkpoint, so a crash at any point of a
   * compaction leaves N or N+1.
   */

  private final Path dir;
  private final int retention;
  private final int perMemo;
  private final boolean durable;
  final long compactionSlack;
  final Warnings warnings;
  private final Mode mode;
  private final String readOnlyReason;
  private final DirLock lock;
  final ConcurrentHashMap<MemoId, Entry[]> index = new ConcurrentHashMap<>();
  final ReentrantLock writeLock = new ReentrantLock();
  /** Names decoded from trace records (query names, versions, the namespace), shared by open and lookups. */
  final TraceBytes.Names names = new TraceBytes.Names();
  private volatile boolean closed;

  // Guarded by writeLock.
  final WriterState state = new WriterState();

  final LongAdder lookups = new LongAdder();
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder bytesRead = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder writes = new LongAdder();
  final LongAdder writeNanos = new LongAdder();

  /** Why a store writes or not. */
  enum Mode { WRITER, READ_ONLY, LOCKED, UNWRITABLE }

  /** The writer's view of the files; guarded by {@link #writeLock}. */
  static final class WriterState {
    Generation gen;
    final List<Entry> byOrdinal = new ArrayList<>();
    /** A value of each fingerprint in the current values file, live or not. */
    final java.util.Map<Fingerprint, Entry> blobs = new java.util.HashMap<>();
    long lastCheckpoint;
    long tracesEnd;
    long valuesEnd;
    /** The highest generation number seen in the directory. */
    long maxGeneration;
    /** Files of the current generation are damaged: rewrite them at the next checkpoint. */
    boolean rewrite;
    /** Files of other generations (or foreign files with their names) to delete after the next commit. */
    boolean stale;
  }

  private LocalStore(Builder b) {
    this.dir = b.dir.toAbsolutePath().normalize();
    this.retention = b.retention;
    this.perMemo = b.perMemo;
    this.durable = b.durable;
    this.compactionSlack = b.compactionSlack;
    this.warnings = new Warnings(dir.toString());
    Mode m;
    String reason = null;
    DirLock l = null;
    if (b.readOnly) {
      m = Mode.READ_ONLY;
      reason = "opened read-only";
    } else {
      try {
        Files.createDirectories(dir);
        l = DirLock.tryAcquire(dir);
        m = l == null ? Mode.LOCKED : Mode.WRITER;
      } catch (IOException | RuntimeException e) {
        m = Mode.UNWRITABLE;
        reason = Files.exists(dir) && !Files.isDirectory(dir) ? dir + " is not a directory"
            : "directory " + dir + " cannot be written (" + e + ")";
        warnings.warn(Warnings.Kind.UNWRITABLE, reason + "; lookups only, checkpoints will fail");
      }
      if (m == Mode.LOCKED) {
        reason = "directory " + dir + " is in use by " + DirLock.holder(dir);
        if (b.failIfLocked) {
          throw new UncheckedIOException(new IOException("cannot open the Weft store: " + reason));
        }
        warnings.warn(Warnings.Kind.LOCKED, reason + "; opened read-only, checkpoints of this process are"
            + " not kept");
      }
    }
    this.mode = m;
    this.readOnlyReason = reason;
    this.lock = l;
    writeLock.lock();
    try {
      Recovery.load(this, dir, m == Mode.WRITER);
    } finally {
      writeLock.unlock();
    }
  }

  /** Opens (creating if needed) the store in {@code dir} with the default options. */
  public static LocalStore open(Path dir) {
    return builder(dir).open();
  }

  /** A builder of a store in {@code dir}. */
  public static Builder builder(Path dir) {
    return new Builder(Objects.requireNonNull(dir, "dir"));
  }

  /** The store's directory. */
  public Path directory() {
    return dir;
  }

  /**
   * Whether this store drops its writes: opened {@link Builder#readOnly}, or the directory is locked by
   * another store. An unwritable directory is not read-only in this sense: its writes throw.
   */
  public boolean isReadOnly() {
    return mode == Mode.READ_ONLY || mode == Mode.LOCKED;
  }

  @Override
  public List<Trace> traces(MemoId id) {
    Objects.requireNonNull(id, "id");
    lookups.increment();
    Entry[] entries = index.get(id);
    if (entries == null) {
      misses.increment();
      return List.of();
    }
    List<Trace> out = new ArrayList<>(entries.length);
    for (Entry e : entries) {
      Trace t = decode(e);
      if (t != null) {
        out.add(t);
      }
    }
    (out.isEmpty() ? misses : hits).increment();
    return Collections.unmodifiableList(out);
  }

  /** The trace of {@code e}, checked against its record's checksum and its entry; null if corrupt. */
  private Trace decode(Entry e) {
    try {
      byte[] record = e.gen.readTraces(e.recordOffset, e.recordLength);
      bytesRead.add(record.length);
      int n = record.length - 4;
      CRC32C crc = new CRC32C();
      crc.update(record, 0, n);
      if ((int) crc.getValue() != ByteBuffer.wrap(record).getInt(n)) {
        throw new IOException("record failed its checksum");
      }
      int off = (int) (e.traceOffset - e.recordOffset);
      // The digest was computed from these steps when they were written, and the checksum still holds.
      Trace t = new TraceBytes.Reader(record, off, e.traceLength, names).trace(e.traceLength, () -> load(e),
          e.digest);
      if (!t.id().equals(e.id) || !t.value().equals(e.value)) {
        throw new IOException("record does not match its index entry");
      }
      return t;
    } catch (IOException | RuntimeException | InternalError x) {
      // InternalError: a mapped page whose file was cut short beneath it (SIGBUS).
      errors.increment();
      warnings.warn(Warnings.Kind.CORRUPT_TRACE, "cannot read a trace of " + e.id + ": " + x);
      return null;
    }
  }

  /** The value of {@code e}, or null if it cannot be read or does not match its fingerprint. */
  private byte[] load(Entry e) {
    try {
      byte[] v = e.gen.readValue(e.valueOffset, e.valueLength);
      bytesRead.add(v.length);
      if (!Fingerprint.of(v).equals(e.value)) {
        throw new IOException("value does not match its fingerprint " + e.value);
      }
      return v;
    } catch (IOException | RuntimeException | InternalError x) {
      errors.increment();
      warnings.warn(Warnings.Kind.CORRUPT_VALUE, "cannot read the value of " + e.id + ": " + x);
      return null;
    }
  }

  /**
   * Writes a checkpoint (see {@link MemoStore#write}): {@code added} traces not already kept are appended
   * with their values, and {@code added} and {@code used} traces count as used for retention. A read-only
   * store drops the checkpoint.
   *
   * @throws UncheckedIOException if the files cannot be written; the store keeps its previous state
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public void write(List<Trace> added, List<Trace> used) {
    Objects.requireNonNull(added, "added");
    Objects.requireNonNull(used, "used");
    if (closed) {
      throw new IllegalStateException("store " + dir + " is closed");
    }
    switch (mode) {
      case READ_ONLY, LOCKED -> {
        return;
      }
      case UNWRITABLE -> {
        errors.increment();
        throw new UncheckedIOException(new IOException("cannot write a checkpoint: " + readOnlyReason));
      }
      case WRITER -> {
        // below
      }
    }
    writeLock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("store " + dir + " is closed");
      }
      long start = System.nanoTime();
      try {
        Checkpoint.write(this, Stream.concat(added.stream(), used.stream()).toList(), added.size());
        writes.increment();
      } finally {
        writeNanos.add(System.nanoTime() - start);
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public Stats stats() {
    return new Stats(lookups.sum(), hits.sum(), misses.sum(), errors.sum(), bytesRead.sum(), bytesWritten.sum(),
        writes.sum(), writeNanos.sum());
  }

  /** Releases the lock and the files; idempotent. Lookups afterwards find nothing. */
  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      index.clear();
      if (state.gen != null) {
        state.gen.close();
      }
      if (lock != null) {
        lock.close();
      }
    } finally {
      writeLock.unlock();
    }
  }

  @Override
  public String toString() {
    return "LocalStore[" + dir + ", " + index.size() + " memos" + (isReadOnly() ? ", read-only" : "")
        + (closed ? ", closed" : "") + "]";
  }

  int retention() {
    return retention;
  }

  int perMemo() {
    return perMemo;
  }

  boolean durable() {
    return durable;
  }

  Path dir() {
    return dir;
  }

  /** Options of a {@link LocalStore}. */
  public static final class Builder {
    private final Path dir;
    private int retention = 10;
    private int perMemo = 4;
    private boolean readOnly;
    private boolean failIfLocked;
    private boolean durable = true;
    private long compactionSlack = 4L << 20;

    private Builder(Path dir) {
      this.dir = dir;
    }

    /**
     * Drops a trace once it was neither added nor used in {@code checkpoints} consecutive checkpoints
     * (default 10): a memo a process did not read ages one checkpoint per run.
     *
     * @throws IllegalArgumentException if {@code checkpoints < 1}
     */
    public Builder retention(int checkpoints) {
      if (checkpoints < 1) {
        throw new IllegalArgumentException("retention must be at least 1 checkpoint: " + checkpoints);
      }
      this.retention = checkpoints;
      return this;
    }

    /**
     * Keeps at most {@code n} traces per memo (default 4), the most recently used: a memo whose inputs go back
     * and forth between a few states finds each of them.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public Builder tracesPerMemo(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("tracesPerMemo must be at least 1: " + n);
      }
      this.perMemo = n;
      return this;
    }

    /** Opens without taking the directory's lock and drops all writes (default false). */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Makes {@link #open} throw {@link UncheckedIOException} when another store holds the directory, instead of
     * opening it read-only (default false).
     */
    public Builder failIfLocked(boolean failIfLocked) {
      this.failIfLocked = failIfLocked;
      return this;
    }

    /**
     * Whether a checkpoint forces its data to the device before it counts as written (default true). Without
     * it a checkpoint still survives the process being killed, but not necessarily a power loss.
     */
    public Builder durable(boolean durable) {
      this.durable = durable;
      return this;
    }

    /** Garbage tolerated before compaction beyond the live data (tests make it small). */
    Builder compactionSlack(long bytes) {
      this.compactionSlack = bytes;
      return this;
    }

    /**
     * Opens the store, creating the directory if needed. Problems with its contents are logged and skipped,
     * never thrown; an unwritable directory gives a store whose writes throw.
     *
     * @throws UncheckedIOException with {@link #failIfLocked}, if another store holds the directory
     */
    public LocalStore open() {
      return new LocalStore(this);
    }
  }
}
