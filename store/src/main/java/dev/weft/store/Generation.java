package dev.weft.store;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The two files of one generation of a {@link LocalStore} ({@link StoreFormat}), open, and mapped read-only
 * up to their committed lengths.
 *
 * <p>Lookups read trace encodings and values from the mappings, so a lookup makes no system call and a
 * virtual thread never blocks its carrier in a read (a page not yet in memory is a page fault, as for any
 * memory). A mapping only ever grows within a generation: the writer appends, maps the longer file, and
 * publishes the new mapping through a volatile field; a reader holding an older mapping still sees every byte
 * its entries refer to. Mappings belong to automatic arenas and are unmapped by the garbage collector once
 * unreachable, so no reader can touch an unmapped segment, even after {@link #close}.
 */
final class Generation implements AutoCloseable {
  /** Thrown when a generation's files cannot be used; {@link #kind} tells the warning to give. */
  static final class Unusable extends IOException {
    final Warnings.Kind kind;

    Unusable(Warnings.Kind kind, String message) {
      super(message);
      this.kind = kind;
    }
  }

  /** What replaying a traces file found. */
  static final class Loaded {
    final List<Entry> byOrdinal = new ArrayList<>();
    long lastCheckpoint;
    long tracesEnd = StoreFormat.HEADER;
    long valuesEnd = StoreFormat.HEADER;
    int commits;
    /** Bytes after the last complete checkpoint (an unfinished one, or a corrupt tail). */
    long discarded;
    /** Why replay stopped early, or null. */
    String stop;
  }

  /** A traces file up to this size is copied to the heap once for replay (decoding from an array is faster). */
  private static final long MAX_HEAP_REPLAY = 256L << 20;

  /** Bytes per write call (see {@link #writeFully}). */
  static final int WRITE_CHUNK = 32 << 10;

  final long number;
  /** The traces file; a compaction renames it from its temporary name once complete. */
  volatile Path tracesPath;
  final Path valuesPath;
  private final FileChannel traces;
  private final FileChannel values;
  private volatile MemorySegment tracesMap = MemorySegment.NULL;
  private volatile MemorySegment valuesMap = MemorySegment.NULL;

  private Generation(long number, Path tracesPath, Path valuesPath, FileChannel traces, FileChannel values) {
    this.number = number;
    this.tracesPath = tracesPath;
    this.valuesPath = valuesPath;
    this.traces = traces;
    this.values = values;
  }

  /** Opens an existing generation and checks both headers. */
  static Generation open(Path dir, long number, boolean writable) throws IOException {
    Path tp = StoreFormat.traces(dir, number);
    Path vp = StoreFormat.values(dir, number);
    StandardOpenOption[] mode = writable
        ? new StandardOpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE}
        : new StandardOpenOption[] {StandardOpenOption.READ};
    FileChannel t = FileChannel.open(tp, mode);
    FileChannel v = null;
    try {
      check(t, StoreFormat.KIND_TRACES, number, tp);
      v = FileChannel.open(vp, mode);
      check(v, StoreFormat.KIND_VALUES, number, vp);
      return new Generation(number, tp, vp, t, v);
    } catch (IOException | RuntimeException e) {
      t.close();
      if (v != null) {
        v.close();
      }
      throw e;
    }
  }

  /**
   * Creates a new generation's files holding only their headers ({@code tracesPath} may be a temporary name
   * that the caller renames once the file is complete).
   */
  static Generation create(Path dir, long number, Path tracesPath) throws IOException {
    Path vp = StoreFormat.values(dir, number);
    StandardOpenOption[] mode = {StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.READ, StandardOpenOption.WRITE};
    FileChannel v = FileChannel.open(vp, mode);
    FileChannel t = null;
    try {
      writeFully(v, StoreFormat.header(StoreFormat.KIND_VALUES, number), 0);
      t = FileChannel.open(tracesPath, mode);
      writeFully(t, StoreFormat.header(StoreFormat.KIND_TRACES, number), 0);
      return new Generation(number, tracesPath, vp, t, v);
    } catch (IOException | RuntimeException e) {
      v.close();
      if (t != null) {
        t.close();
      }
      throw e;
    }
  }

  private static void check(FileChannel ch, byte[] kind, long number, Path p) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(StoreFormat.HEADER);
    while (h.hasRemaining() && ch.read(h, h.position()) > 0) {
      // read the header
    }
    String why = StoreFormat.checkHeader(h.flip(), kind, number);
    if (why != null) {
      Warnings.Kind k = why.startsWith("written by") ? Warnings.Kind.VERSION : Warnings.Kind.FOREIGN;
      throw new Unusable(k, p.getFileName() + ": " + why);
    }
  }

  /**
   * Writes all of {@code b} at {@code position}, {@value #WRITE_CHUNK} bytes per call: the JDK copies a heap
   * buffer through a temporary direct buffer of the same size, which it then keeps per thread, so one call
   * with a whole first checkpoint would pin that much native memory. (A crash between two calls leaves a
   * torn batch, which replay ignores.)
   */
  static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long p = position;
    int end = b.limit();
    while (b.position() < end) {
      b.limit(Math.min(end, b.position() + WRITE_CHUNK));
      while (b.hasRemaining()) {
        p += ch.write(b, p);
      }
    }
    b.limit(end);
  }

  void movedTo(Path traces) {
    this.tracesPath = traces;
  }

  FileChannel tracesChannel() {
    return traces;
  }

  FileChannel valuesChannel() {
    return values;
  }

  /** Maps both files up to the given lengths; later lookups read through the new mappings. */
  void map(long tracesLength, long valuesLength) throws IOException {
    if (tracesLength != tracesMap.byteSize()) {
      tracesMap = traces.map(FileChannel.MapMode.READ_ONLY, 0, tracesLength, Arena.ofAuto());
    }
    if (valuesLength != valuesMap.byteSize()) {
      valuesMap = values.map(FileChannel.MapMode.READ_ONLY, 0, valuesLength, Arena.ofAuto());
    }
  }

  /** Copies bytes of the traces file; throws if the range is not mapped or the file shrank beneath it. */
  byte[] readTraces(long offset, int length) {
    return copy(tracesMap, offset, length);
  }

  byte[] readValue(long offset, int length) {
    return copy(valuesMap, offset, length);
  }

  private static byte[] copy(MemorySegment seg, long offset, int length) {
    byte[] b = new byte[length];
    MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, offset, b, 0, length);
    return b;
  }

  /**
   * Replays the mapped traces file: every complete checkpoint in order, stopping at the first record that
   * is cut short, fails its checksum or does not fit ({@link Loaded#stop}).
   */
  Loaded replay(TraceBytes.Names names) {
    MemorySegment seg = tracesMap;
    long size = Math.min(seg.byteSize(), Integer.MAX_VALUE);
    byte[] bytes = size <= MAX_HEAP_REPLAY ? seg.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE) : null;
    ByteBuffer b = bytes != null ? ByteBuffer.wrap(bytes) : seg.asSlice(0, size).asByteBuffer();
    Replay r = new Replay(b, bytes, (int) size, names);
    try {
      for (int pos = StoreFormat.HEADER; pos >= 0 && pos < size; ) {
        pos = r.record(pos);
      }
    } catch (IOException | RuntimeException e) {
      r.out.stop = "a malformed record (" + e.getMessage() + ")";
    }
    r.out.discarded = seg.byteSize() - r.out.tracesEnd;
    return r.out;
  }

  /** The state of one replay; {@link #record} reads one record (a method per record, so the JIT compiles it). */
  private final class Replay {
    final Loaded out = new Loaded();
    final ByteBuffer b;
    final byte[] bytes;
    final int size;
    final TraceBytes.Names names;
    final List<Entry> pending = new ArrayList<>();
    final CRC32C crc = new CRC32C();
    long previousValues = StoreFormat.HEADER;

    Replay(ByteBuffer b, byte[] bytes, int size, TraceBytes.Names names) {
      this.b = b;
      this.bytes = bytes;
      this.size = size;
      this.names = names;
    }

    /** Reads the record at {@code pos}: the position of the next one, or -1 to stop ({@link Loaded#stop}). */
    int record(int pos) throws IOException {
      if (pos + 9 > size) {
        out.stop = "a record cut short";
        return -1;
      }
      int n = b.getInt(pos);
      if (n < 1 || n > StoreFormat.MAX_RECORD || pos + 8L + n > size) {
        out.stop = n < 1 || n > StoreFormat.MAX_RECORD ? "a corrupt record length" : "a record cut short";
        return -1;
      }
      crc.reset();
      if (bytes != null) {
        crc.update(bytes, pos, 4 + n);
      } else {
        crc.update(b.duplicate().limit(pos + 4 + n).position(pos));
      }
      if ((int) crc.getValue() != b.getInt(pos + 4 + n)) {
        out.stop = "a record failing its checksum";
        return -1;
      }
      byte type = b.get(pos + 4);
      if (type == StoreFormat.TRACE) {
        pending.add(traceEntry(b, bytes, pos, n, out.byOrdinal.size() + pending.size(), names));
      } else if (type == StoreFormat.COMMIT) {
        if (!commit(pos, n)) {
          out.stop = "a commit record that does not match its checkpoint";
          return -1;
        }
      } else {
        out.stop = "a record of unknown type " + type;
        return -1;
      }
      return pos + 8 + n;
    }

    private boolean commit(int pos, int n) throws IOException {
      ByteBuffer c = b.duplicate().limit(pos + 4 + n).position(pos + 5);
      long checkpoint = c.getLong();
      int count = c.getInt();
      long valuesEnd = c.getLong();
      long start = c.getLong();
      int before = out.byOrdinal.size();
      BitSet used = StoreFormat.readRuns(c, before);
      if (count != pending.size() || start != out.tracesEnd || valuesEnd < previousValues
          || (out.commits > 0 && checkpoint <= out.lastCheckpoint)) {
        return false;
      }
      for (Entry e : pending) {
        if (e.valueOffset < StoreFormat.HEADER || e.valueOffset + e.valueLength > valuesEnd) {
          throw new IOException("a trace's value lies outside the committed values");
        }
      }
      out.byOrdinal.addAll(pending);
      pending.clear();
      for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(i + 1)) {
        out.byOrdinal.get(i).lastUsed = checkpoint;
      }
      out.lastCheckpoint = checkpoint;
      out.commits++;
      out.tracesEnd = pos + 8L + n;
      out.valuesEnd = valuesEnd;
      previousValues = valuesEnd;
      return true;
    }
  }

  private Entry traceEntry(ByteBuffer b, byte[] bytes, int pos, int n, int ordinal, TraceBytes.Names names)
      throws IOException {
    int p = pos + 5;
    long lastUsed = b.getLong(p);
    long valueOffset = b.getLong(p + 8);
    int valueLength = b.getInt(p + 16);
    Fingerprint digest = new Fingerprint(b.getLong(p + 20), b.getLong(p + 28));
    int traceOffset = p + StoreFormat.TRACE_FIXED;
    int traceLength = n - 1 - StoreFormat.TRACE_FIXED;
    if (traceLength <= 0 || valueLength < 0) {
      throw new IOException("a trace record too short");
    }
    TraceBytes.Reader in = bytes != null ? new TraceBytes.Reader(bytes, traceOffset, traceLength, names)
        : TraceBytes.reader(b, traceOffset, traceLength, names);
    MemoId id = in.id(traceLength);
    Fingerprint value = in.fingerprint();
    return new Entry(id, digest, value, this, ordinal, pos, n + 8, traceOffset, traceLength, valueOffset,
        valueLength, lastUsed);
  }

  @Override
  public void close() {
    try {
      traces.close();
    } catch (IOException ignored) {
      // closing a read channel does not lose data
    }
    try {
      values.close();
    } catch (IOException ignored) {
      // as above; the writer forces before it commits
    }
  }

  @Override
  public String toString() {
    return "generation " + number;
  }
}
