package dev.weft.query;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;

/**
 * The byte-level helpers behind {@link Codecs}: unsigned varints, bounded reads, strict UTF-8 and
 * unsynchronized in-memory streams.
 *
 * <p>Every length read from input is checked against a limit and every large array is filled in chunks, so
 * that a corrupt or hostile length fails at the end of the input instead of allocating what it claims.
 */
final class CodecSupport {
  /** The longest byte array or string a built-in codec reads. */
  static final int MAX_LENGTH = 1 << 28;
  /** The most elements a built-in collection codec reads. */
  static final int MAX_COUNT = 1 << 24;
  /** Arrays up to this size are allocated at once; larger ones grow as bytes actually arrive. */
  private static final int CHUNK = 1 << 16;
  /** A string's bytes from this length on are hashed where they lie by a fingerprint (see {@link Sink}). */
  static final int BORROW_MIN = 1 << 10;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private CodecSupport() {}

  /** Writes {@code v >= 0} as an unsigned LEB128 varint (1 to 5 bytes, minimal). */
  static void writeVarint(DataOutput out, int v) throws IOException {
    if (v < 0) {
      throw new IOException("negative length " + v);
    }
    while ((v & ~0x7F) != 0) {
      out.writeByte((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
  }

  /** Reads a varint written by {@link #writeVarint}; rejects overlong and non-minimal encodings. */
  static int readVarint(DataInput in) throws IOException {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = in.readUnsignedByte();
      if (shift == 28 && b > 0x07) {
        throw new IOException("varint out of range");
      }
      v |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift > 0) {
          throw new IOException("non-minimal varint");
        }
        return v;
      }
    }
    throw new IOException("varint too long");
  }

  /** Reads a varint and checks it against {@code limit}. */
  static int readLength(DataInput in, int limit) throws IOException {
    int n = readVarint(in);
    if (n > limit) {
      throw new IOException("length " + n + " exceeds the limit " + limit);
    }
    return n;
  }

  static void writeBytes(DataOutput out, byte[] b) throws IOException {
    writeVarint(out, b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInput in) throws IOException {
    return readFully(in, readLength(in, MAX_LENGTH));
  }

  /** Reads exactly {@code n} bytes, allocating no more than has arrived plus one chunk. */
  static byte[] readFully(DataInput in, int n) throws IOException {
    if (n <= CHUNK) {
      byte[] b = new byte[n];
      in.readFully(b);
      return b;
    }
    byte[] b = new byte[CHUNK];
    int have = 0;
    while (have < n) {
      if (have == b.length) {
        b = Arrays.copyOf(b, (int) Math.min(n, 2L * b.length));
      }
      int step = Math.min(b.length - have, CHUNK);
      in.readFully(b, have, step);
      have += step;
    }
    return b;
  }

  /**
   * Standard UTF-8, refusing unpaired surrogates (which would not round-trip).
   *
   * <p>Into an engine's own sink, an ASCII string is written from its own array ({@link AsciiStrings}); other
   * strings, and any string written to a caller's stream, are encoded as follows. {@link String#getBytes} turns
   * each unpaired surrogate into one {@code '?'} byte. When the bytes are as many as the chars (text of ASCII
   * only, most text), every char became one byte at its own index, so the string has an unpaired surrogate
   * exactly when some {@code '?'} byte stands where the string has another char: {@link #sameMarks} looks only
   * at the {@code '?'} bytes, found eight bytes at a time, and allocates nothing (a copy of the string's size
   * costs more than the scan in a new JVM, whose heap pages are touched for the first time). Otherwise every
   * other {@code '?'} byte of the output is a {@code '?'} char (the bytes of a multi-byte sequence are all
   * {@code >= 0x80}), so a string has an unpaired surrogate exactly when its bytes hold more {@code '?'} than
   * it has chars {@code '?'}. Only a string that really has an unpaired surrogate is scanned char by char (to
   * name the index).
   */
  static void writeString(DataOutput out, String s) throws IOException {
    if (out instanceof SinkOutput so) {
      byte[] own = AsciiStrings.ascii(s); // the string's own array: read here, never handed on
      if (own != null) {
        so.sink.writeVarint(own.length);
        if (own.length < BORROW_MIN || !so.sink.borrow(own)) {
          so.sink.write(own, 0, own.length);
        }
        return;
      }
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length == s.length()) {
      if (!sameMarks(b, s)) {
        checkSurrogates(s);
      }
    } else {
      int marks = count(b, (byte) '?');
      if (marks != 0 && marks != count(s, '?')) {
        checkSurrogates(s);
      }
    }
    if (out instanceof SinkOutput so) {
      so.sink.writeVarint(b.length);
      if (b.length < BORROW_MIN || !so.sink.borrow(b)) {
        so.sink.write(b, 0, b.length);
      }
    } else {
      writeBytes(out, b);
    }
  }

  /** The bytes {@link #sameMarks} scans per call of {@link #indexOf}: a method a new JVM soon compiles. */
  private static final int MARK_CHUNK = 512;

  /** Whether every {@code '?'} byte of {@code b}, as many bytes as {@code s} has chars, is a {@code '?'} of s. */
  private static boolean sameMarks(byte[] b, String s) {
    for (int from = 0; from < b.length; from += MARK_CHUNK) {
      int to = Math.min(b.length, from + MARK_CHUNK);
      for (int i = indexOf(b, (byte) '?', from, to); i >= 0; i = indexOf(b, (byte) '?', i + 1, to)) {
        if (s.charAt(i) != '?') {
          return false;
        }
      }
    }
    return true;
  }

  /** The first index of {@code x} in {@code b[from, to)}, or -1: eight bytes at a time, as {@link #count}. */
  static int indexOf(byte[] b, byte x, int from, int to) {
    long pattern = 0x0101010101010101L * (x & 0xFF);
    int i = from;
    for (int end = to - 7; i < end; i += 8) {
      long w = (long) LONGS.get(b, i) ^ pattern;
      long t = ((w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | w;
      long zero = ~t & 0x8080808080808080L;
      if (zero != 0) {
        return i + (Long.numberOfTrailingZeros(zero) >>> 3); // little-endian: the lowest byte comes first
      }
    }
    for (; i < to; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  /** How many bytes of {@code b} equal {@code x}: eight at a time, without a branch per byte. */
  static int count(byte[] b, byte x) {
    long pattern = 0x0101010101010101L * (x & 0xFF);
    int n = 0;
    int i = 0;
    for (int end = b.length - 7; i < end; i += 8) {
      long w = (long) LONGS.get(b, i) ^ pattern; // a matching byte is zero
      // bit 7 of a byte of t is set unless the byte of w is zero (no carry crosses bytes: 0x7F + 0x7F < 0x100)
      long t = ((w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL) | w;
      n += Long.bitCount(~t & 0x8080808080808080L);
    }
    for (; i < b.length; i++) {
      if (b[i] == x) {
        n++;
      }
    }
    return n;
  }

  /** How many chars of {@code s} equal {@code c}. */
  private static int count(String s, char c) {
    int n = 0;
    for (int i = s.indexOf(c); i >= 0; i = s.indexOf(c, i + 1)) {
      n++;
    }
    return n;
  }

  static String readString(DataInput in) throws IOException {
    if (in instanceof ArrayInput ai) { // an ASCII string straight from the array, without a copy first
      int n = readLength(in, MAX_LENGTH);
      String s = ai.asciiString(n);
      return s != null ? s : utf8(readFully(in, n));
    }
    return utf8(readBytes(in));
  }

  /** Strict UTF-8: malformed input is an {@link IOException}. */
  private static String utf8(byte[] b) throws IOException {
    for (byte x : b) {
      if (x < 0) {
        try {
          return StandardCharsets.UTF_8.newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(b))
              .toString();
        } catch (CharacterCodingException e) {
          throw new IOException("malformed UTF-8 in string", e);
        }
      }
    }
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static void checkSurrogates(String s) throws IOException {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IOException("string has an unpaired surrogate at index " + i + " and cannot be encoded");
      }
    }
  }

  /**
   * Encodes each element on its own and sorts the encodings (unsigned lexicographic).
   *
   * @throws IOException if two elements encode alike (the codec is not injective)
   */
  static <T> byte[][] encodeSorted(Codec<T> codec, Collection<T> elements, String what) throws IOException {
    byte[][] out = new byte[elements.size()][];
    int i = 0;
    for (T t : elements) {
      if (i == out.length) {
        throw new IOException("collection changed while being written");
      }
      out[i++] = encode(codec, Objects.requireNonNull(t, what));
    }
    if (i != out.length) {
      throw new IOException("collection changed while being written");
    }
    Arrays.sort(out, Arrays::compareUnsigned);
    for (int j = 1; j < out.length; j++) {
      if (Arrays.equals(out[j - 1], out[j])) {
        throw new IOException("two distinct " + what + "s encode to the same bytes");
      }
    }
    return out;
  }

  /** Writes a map's entries sorted by their keys' encodings: count, then (length-prefixed key, value). */
  static <K, V> void writeMap(Codec<K> keys, Codec<V> values, Map<K, V> map, DataOutput out) throws IOException {
    int n = map.size();
    byte[][] k = new byte[n][];
    byte[][] v = new byte[n][];
    Integer[] order = new Integer[n];
    int i = 0;
    for (Map.Entry<K, V> e : map.entrySet()) {
      if (i == n) {
        throw new IOException("map changed while being written");
      }
      k[i] = encode(keys, Objects.requireNonNull(e.getKey(), "map key"));
      v[i] = encode(values, Objects.requireNonNull(e.getValue(), "map value"));
      order[i] = i;
      i++;
    }
    if (i != n) {
      throw new IOException("map changed while being written");
    }
    Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(k[a], k[b]));
    writeVarint(out, n);
    for (int j = 0; j < n; j++) {
      if (j > 0 && Arrays.equals(k[order[j - 1]], k[order[j]])) {
        throw new IOException("two distinct map keys encode to the same bytes");
      }
      writeBytes(out, k[order[j]]);
      out.write(v[order[j]]);
    }
  }

  /** Checks that {@code next} sorts strictly after {@code previous}, as {@link #encodeSorted} wrote them. */
  static void checkAfter(byte[] previous, byte[] next, String what) throws IOException {
    if (previous != null && Arrays.compareUnsigned(previous, next) >= 0) {
      throw new IOException(what + " out of order or repeated");
    }
  }

  /** Encodes {@code value} on its own. */
  static <T> byte[] encode(Codec<T> codec, T value) throws IOException {
    Sink sink = new Sink(64);
    codec.write(value, new SinkOutput(sink));
    return sink.toByteArray();
  }

  /**
   * The fingerprint of {@code value}'s encoding, hashed where it was written: the sink's own bytes, and the
   * bytes of its first long string where {@link #writeString} made them (not copied into the sink).
   */
  static <T> MemoStore.Fingerprint fingerprint(Codec<T> codec, T value) throws IOException {
    Sink sink = new Sink(64);
    sink.mayBorrow = true;
    codec.write(value, new SinkOutput(sink));
    return sink.fingerprint();
  }

  /** The stream {@link #encode} gives a codec: lets {@link #writeString} append to the sink directly. */
  private static final class SinkOutput extends DataOutputStream {
    final Sink sink;

    SinkOutput(Sink sink) {
      super(sink);
      this.sink = sink;
    }
  }

  /** Decodes all of {@code b}: trailing bytes are an error. */
  static <T> T decode(Codec<T> codec, byte[] b) throws IOException {
    ArrayInput in = new ArrayInput(b);
    T value;
    try {
      value = codec.read(in);
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError e) {
      throw new IOException("cannot decode " + b.length + " bytes: " + e, e);
    }
    if (in.remaining() != 0) {
      throw new IOException(in.remaining() + " bytes left after the value");
    }
    return value;
  }

  /**
   * An unsynchronized growable byte array output. A sink made for a fingerprint may instead <em>borrow</em> one
   * array written to it: the array is then part of the output at the position it was written, without a copy.
   */
  static final class Sink extends OutputStream {
    private byte[] buf;
    private int size;
    /** Whether {@link #borrow} may take an array (only for a {@link #fingerprint}, never for bytes). */
    boolean mayBorrow;
    private byte[] borrowed;
    private int borrowedAt;

    Sink(int capacity) {
      buf = new byte[capacity];
    }

    @Override
    public void write(int b) {
      ensure(1);
      buf[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, buf, size, len);
      size += len;
    }

    /** As {@link CodecSupport#writeVarint}, for {@code v >= 0}. */
    void writeVarint(int v) {
      ensure(5);
      while ((v & ~0x7F) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
    }

    private void ensure(int more) {
      if (more > buf.length - size) {
        // Doubling, or for a write larger than that (a long string) its size with a little room, so that the
        // few bytes a record writes after it do not copy it again.
        long need = (long) size + more;
        long want = Math.max((long) buf.length * 2, need + (need >>> 6) + 32);
        if (want > Integer.MAX_VALUE - 8) {
          want = Integer.MAX_VALUE - 8;
          if (need > want) {
            throw new OutOfMemoryError("encoded value larger than 2 GiB");
          }
        }
        buf = Arrays.copyOf(buf, (int) want);
      }
    }

    /**
     * Takes {@code b}, which its caller never changes, as the next bytes of the output; false when this sink
     * does not borrow (or already has), and the caller writes {@code b} instead.
     */
    boolean borrow(byte[] b) {
      if (!mayBorrow || borrowed != null) {
        return false;
      }
      borrowed = b;
      borrowedAt = size;
      return true;
    }

    /** The fingerprint of everything written, the borrowed array in its place. */
    MemoStore.Fingerprint fingerprint() {
      return borrowed == null
          ? Fingerprints.of(buf, 0, size)
          : Xxh3.hash128(buf, borrowedAt, size, borrowed, 0, borrowed.length);
    }

    int size() {
      assert borrowed == null;
      return size;
    }

    byte[] array() {
      assert borrowed == null;
      return buf;
    }

    byte[] toByteArray() {
      assert borrowed == null;
      return Arrays.copyOf(buf, size);
    }
  }
}
