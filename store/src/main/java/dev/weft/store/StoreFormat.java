package dev.weft.store;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * The files of a {@link LocalStore} and their encoding (format version {@value #VERSION}).
 *
 * <p>A directory holds {@code weft.lock} and one <em>generation</em>: {@code weft-G.traces} and
 * {@code weft-G.values}. Both start with a 32-byte header:
 *
 * <pre>
 * "WEFT" kind(4: "TRAC" or "VALU") u32:version u32:0 u64:generation u32:crc32c(bytes 0..23) u32:0
 * </pre>
 *
 * The values file is the header followed by value bytes, appended and never rewritten in place; traces refer
 * to them by offset and length, and a value is checked against its fingerprint whenever it is read. The traces
 * file is the header followed by records:
 *
 * <pre>
 * record = u32:n body(n) u32:crc32c(n, body)       body = u8:type payload
 * TRACE  = u64:lastUsed u64:valueOffset u32:valueLength i64 i64:digest  TraceFormat(trace)
 * COMMIT = u64:checkpoint u32:traces u64:valuesLength u64:tracesStart varint:runs (varint:gap varint:length){runs}
 * </pre>
 *
 * A checkpoint appends its values, then its TRACE records and one COMMIT that counts them and names the
 * values file's committed length; the runs list the ordinals (positions among the file's TRACE records) of
 * older traces used in that checkpoint. A reader replays records up to the last COMMIT whose whole batch has
 * valid checksums; anything after it is a checkpoint that never finished and is ignored. Integers are
 * big-endian.
 */
final class StoreFormat {
  static final int VERSION = 1;
  static final int HEADER = 32;
  static final byte TRACE = 1;
  static final byte COMMIT = 2;
  /** Bytes of a TRACE payload before its {@code TraceFormat} part (after the type byte). */
  static final int TRACE_FIXED = 8 + 8 + 4 + 16;
  /** No record is longer; a longer length means a corrupt file. */
  static final int MAX_RECORD = 64 << 20;

  static final String LOCK_FILE = "weft.lock";
  private static final Pattern TRACES_NAME = Pattern.compile("weft-(\\d{1,18})\\.traces");
  private static final Pattern ANY_NAME = Pattern.compile("weft-(\\d{1,18})\\.(traces|values)(\\.tmp)?");
  private static final byte[] MAGIC = "WEFT".getBytes(StandardCharsets.US_ASCII);
  static final byte[] KIND_TRACES = "TRAC".getBytes(StandardCharsets.US_ASCII);
  static final byte[] KIND_VALUES = "VALU".getBytes(StandardCharsets.US_ASCII);

  private StoreFormat() {}

  static Path traces(Path dir, long gen) {
    return dir.resolve("weft-" + gen + ".traces");
  }

  static Path values(Path dir, long gen) {
    return dir.resolve("weft-" + gen + ".values");
  }

  static Path tracesTmp(Path dir, long gen) {
    return dir.resolve("weft-" + gen + ".traces.tmp");
  }

  /** The generation of a traces file's name, or -1. */
  static long tracesGeneration(String fileName) {
    Matcher m = TRACES_NAME.matcher(fileName);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  /** The generation of any file this store writes (traces, values, temporary), or -1. */
  static long anyGeneration(String fileName) {
    Matcher m = ANY_NAME.matcher(fileName);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  static ByteBuffer header(byte[] kind, long gen) {
    ByteBuffer b = ByteBuffer.allocate(HEADER);
    b.put(MAGIC).put(kind).putInt(VERSION).putInt(0).putLong(gen);
    b.putInt(crc(b.array(), 0, 24)).putInt(0);
    return b.flip();
  }

  /**
   * Checks a header read from a file.
   *
   * @return null if it is this version's header of {@code kind} for {@code gen}; otherwise why not
   */
  static String checkHeader(ByteBuffer h, byte[] kind, long gen) {
    if (h.remaining() < HEADER) {
      return "shorter than a header";
    }
    byte[] b = new byte[HEADER];
    h.get(b);
    ByteBuffer bb = ByteBuffer.wrap(b);
    if (bb.getInt(0) != ByteBuffer.wrap(MAGIC).getInt() || bb.getInt(4) != ByteBuffer.wrap(kind).getInt()) {
      return "not a Weft store file";
    }
    if (bb.getInt(24) != crc(b, 0, 24)) {
      return "corrupt header";
    }
    int version = bb.getInt(8);
    if (version != VERSION) {
      return "written by store format version " + version + " (this is version " + VERSION + ")";
    }
    if (bb.getLong(16) != gen) {
      return "header names generation " + bb.getLong(16);
    }
    return null;
  }

  static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /**
   * Starts a framed record in {@code out}: reserves its length; the caller appends the body (type and
   * payload), then calls {@link #endFrame} with the position returned.
   */
  static int startFrame(Buf out) {
    out.putInt(0);
    return out.size();
  }

  /** Ends the record started at {@code start}: sets its length and appends its checksum. */
  static void endFrame(Buf out, int start) {
    int n = out.size() - start;
    out.putIntAt(start - 4, n);
    CRC32C c = new CRC32C();
    c.update(out.array(), start - 4, n + 4);
    out.putInt((int) c.getValue());
  }

  /** Appends one framed record whose body (type and payload) is {@code body[0, n)}. */
  static void frame(Buf out, byte[] body, int n) {
    out.putInt(n);
    int start = out.size();
    out.put(body, 0, n);
    CRC32C c = new CRC32C();
    c.update(out.array(), start - 4, n + 4);
    out.putInt((int) c.getValue());
  }

  /** The ordinals set in {@code used} as runs of consecutive ordinals: count, then (gap, length) pairs. */
  static void writeRuns(Buf out, BitSet used) {
    int runs = 0;
    for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(used.nextClearBit(i))) {
      runs++;
    }
    out.putVarint(runs);
    int end = 0;
    for (int i = used.nextSetBit(0); i >= 0; i = used.nextSetBit(end)) {
      int stop = used.nextClearBit(i);
      out.putVarint(i - end);
      out.putVarint(stop - i);
      end = stop;
    }
  }

  /** Reads runs written by {@link #writeRuns}; ordinals must stay below {@code limit}. */
  static BitSet readRuns(ByteBuffer in, int limit) throws IOException {
    BitSet used = new BitSet();
    int runs = readVarint(in);
    long end = 0;
    for (int r = 0; r < runs; r++) {
      long start = end + readVarint(in);
      long stop = start + readVarint(in);
      if (stop > limit || stop == start) {
        throw new IOException("used ordinals beyond the " + limit + " traces of the file");
      }
      used.set((int) start, (int) stop);
      end = stop;
    }
    return used;
  }

  static int readVarint(ByteBuffer in) throws IOException {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!in.hasRemaining()) {
        throw new IOException("varint cut short");
      }
      int b = in.get() & 0xFF;
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (v < 0) {
          throw new IOException("varint out of range");
        }
        return v;
      }
    }
    throw new IOException("varint too long");
  }

  /** A growable big-endian byte buffer for building records; also an unsynchronized output stream. */
  static final class Buf extends OutputStream {
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private byte[] a;
    private int n;

    Buf(int capacity) {
      a = new byte[Math.max(16, capacity)];
    }

    private void ensure(int more) {
      if (n + more > a.length) {
        long want = Math.max(2L * a.length, (long) n + more);
        if (want > Integer.MAX_VALUE - 8) {
          throw new IllegalStateException("checkpoint batch larger than 2 GiB");
        }
        a = java.util.Arrays.copyOf(a, (int) want);
      }
    }

    void put(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, a, n, len);
      n += len;
    }

    void put(byte b) {
      ensure(1);
      a[n++] = b;
    }

    @Override
    public void write(int b) {
      put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      put(b, off, len);
    }

    byte[] toByteArray() {
      return java.util.Arrays.copyOf(a, n);
    }

    void putInt(int v) {
      ensure(4);
      INT.set(a, n, v);
      n += 4;
    }

    /** Overwrites the four bytes at {@code at} (written before) with {@code v}. */
    void putIntAt(int at, int v) {
      Objects.checkIndex(at, n - 3);
      INT.set(a, at, v);
    }

    /** Overwrites the eight bytes at {@code at} (written before) with {@code v}. */
    void putLongAt(int at, long v) {
      Objects.checkIndex(at, n - 7);
      LONG.set(a, at, v);
    }

    void putLong(long v) {
      ensure(8);
      LONG.set(a, n, v);
      n += 8;
    }

    /**
     * Appends {@code s} as {@code DataOutput.writeUTF} does if all its chars are 1 to 127 (and it has at most
     * 65535): a two-byte length, then one byte per char. Otherwise appends nothing and returns false.
     */
    boolean putPlainAscii(String s) {
      int len = s.length();
      if (len > 0xFFFF) {
        return false;
      }
      ensure(2 + len);
      int p = n + 2;
      for (int i = 0; i < len; i++) {
        char c = s.charAt(i);
        if (c == 0 || c > 0x7F) {
          return false;
        }
        a[p + i] = (byte) c;
      }
      a[n] = (byte) (len >>> 8);
      a[n + 1] = (byte) len;
      n = p + len;
      return true;
    }

    void putVarint(int v) {
      while ((v & ~0x7F) != 0) {
        put((byte) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      put((byte) v);
    }

    void reset() {
      n = 0;
    }

    /** Drops what was appended after the first {@code size} bytes. */
    void truncate(int size) {
      Objects.checkIndex(size, n + 1);
      n = size;
    }

    int size() {
      return n;
    }

    byte[] array() {
      return a;
    }

    ByteBuffer asBuffer() {
      return ByteBuffer.wrap(a, 0, n);
    }
  }
}
