package dev.weft.store;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The {@link TraceFormat} encoding, written into and read from byte arrays directly: how the local store
 * encodes the traces of a checkpoint and decodes them at open and at lookup. The bytes are exactly those of
 * {@link TraceFormat#write} (tested), so the file format does not depend on which of the two wrote a record.
 *
 * <p>It differs from {@link TraceFormat} in cost only: no {@code DataOutput} or {@code DataInput} calls per
 * field, no intermediate arrays, and names (the namespace, query names and versions, a handful per store,
 * repeated in every dependency) are not decoded again and again: {@link Names} maps their bytes to one
 * {@code String} each. A string of other than ASCII characters 1 to 127 (whose modified UTF-8 is not its
 * chars) goes through {@code DataOutputStream.writeUTF} and {@code DataInputStream.readUTF}.
 */
final class TraceBytes {
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final int DEP = 1;
  private static final int GROUP = 2;
  private static final int REPORT = 3;

  private TraceBytes() {}

  // ------------------------------------------------------------------------------------------ writing

  /** Appends {@code t} without its value bytes to {@code out}, as {@link TraceFormat#write}. */
  static void write(Trace t, StoreFormat.Buf out) throws IOException {
    MemoId id = t.id();
    writeUtf(id.namespace(), out);
    writeUtf(id.query(), out);
    writeUtf(id.version(), out);
    writeBytes(id.key(), out);
    writeFingerprint(t.value(), out);
    List<Step> steps = t.steps();
    out.putInt(steps.size());
    for (Step s : steps) {
      switch (s) {
        case Dep d -> {
          out.put((byte) DEP);
          writeDep(d, out);
        }
        case Group g -> {
          out.put((byte) GROUP);
          List<Dep> deps = g.deps();
          out.putInt(deps.size());
          for (Dep d : deps) {
            writeDep(d, out);
          }
        }
        case Report r -> {
          out.put((byte) REPORT);
          writeBytes(r.diagnostic(), out);
        }
      }
    }
  }

  private static void writeDep(Dep d, StoreFormat.Buf out) throws IOException {
    writeUtf(d.query(), out);
    writeBytes(d.key(), out);
    writeFingerprint(d.fingerprint(), out);
  }

  private static void writeFingerprint(Fingerprint f, StoreFormat.Buf out) {
    out.putLong(f.high());
    out.putLong(f.low());
  }

  private static void writeBytes(byte[] b, StoreFormat.Buf out) {
    out.putInt(b.length);
    out.put(b, 0, b.length);
  }

  /** As {@code DataOutput.writeUTF}. */
  private static void writeUtf(String s, StoreFormat.Buf out) throws IOException {
    if (!out.putPlainAscii(s)) {
      new DataOutputStream(out).writeUTF(s); // throws UTFDataFormatException beyond 65535 bytes, as TraceFormat
    }
  }

  // ------------------------------------------------------------------------------------------ reading

  /**
   * A position in a byte range being decoded. Every read checks the range's end and throws
   * {@link EOFException} past it, as {@link TraceFormat} over a {@code DataInput} does.
   */
  static final class Reader {
    private final byte[] a;
    private int pos;
    private final int end;
    private final Names names;

    Reader(byte[] a, int off, int len, Names names) {
      this.a = a;
      this.pos = off;
      this.end = off + len;
      this.names = names;
    }

    /** Reads a trace written by {@link #write}, as {@link TraceFormat#read(java.io.DataInput, int, Supplier, Fingerprint)}. */
    Trace trace(int limit, Supplier<byte[]> loader, Fingerprint digest) throws IOException {
      MemoId id = id(limit);
      Fingerprint value = fingerprint();
      int n = count(readInt(), limit);
      List<Step> steps = new ArrayList<>(Math.min(n, 1024));
      for (int i = 0; i < n; i++) {
        int tag = readByte() & 0xFF;
        switch (tag) {
          case DEP -> steps.add(dep(limit));
          case GROUP -> {
            int m = count(readInt(), limit);
            List<Dep> deps = new ArrayList<>(Math.min(m, 1024));
            for (int j = 0; j < m; j++) {
              deps.add(dep(limit));
            }
            steps.add(new Group(deps));
          }
          case REPORT -> steps.add(new Report(bytes(limit)));
          default -> throw new IOException("unknown trace step tag " + tag);
        }
      }
      return digest == null ? new Trace(id, value, steps, loader) : new Trace(id, value, steps, loader, digest);
    }

    MemoId id(int limit) throws IOException {
      return new MemoId(utf(), utf(), utf(), bytes(limit));
    }

    Fingerprint fingerprint() throws IOException {
      need(16);
      Fingerprint f = new Fingerprint((long) LONG.get(a, pos), (long) LONG.get(a, pos + 8));
      pos += 16;
      return f;
    }

    private Dep dep(int limit) throws IOException {
      return new Dep(utf(), bytes(limit), fingerprint());
    }

    private byte[] bytes(int limit) throws IOException {
      int n = count(readInt(), limit);
      need(n);
      byte[] b = Arrays.copyOfRange(a, pos, pos + n);
      pos += n;
      return b;
    }

    private String utf() throws IOException {
      need(2);
      int n = ((a[pos] & 0xFF) << 8) | (a[pos + 1] & 0xFF);
      need(2 + n);
      String s = names.find(a, pos + 2, n);
      if (s == null) {
        s = decodeUtf(n);
        names.add(s, a, pos + 2, n);
      }
      pos += 2 + n;
      return s;
    }

    private String decodeUtf(int n) throws IOException {
      int from = pos + 2;
      for (int i = from; i < from + n; i++) {
        if (a[i] <= 0) { // not a one-byte char of modified UTF-8 (1 to 127): the general decoder
          return new DataInputStream(new ByteArrayInputStream(a, pos, 2 + n)).readUTF();
        }
      }
      return new String(a, from, n, StandardCharsets.ISO_8859_1);
    }

    private int readInt() throws IOException {
      need(4);
      int v = (int) INT.get(a, pos);
      pos += 4;
      return v;
    }

    private byte readByte() throws IOException {
      need(1);
      return a[pos++];
    }

    private void need(int n) throws EOFException {
      if (n > end - pos) {
        throw new EOFException("input ends " + (n - (end - pos)) + " bytes early");
      }
    }
  }

  private static int count(int n, int limit) throws IOException {
    if (n < 0 || n > limit) {
      throw new IOException("length " + n + " outside 0.." + limit);
    }
    return n;
  }

  /** A reader of {@code len} bytes of {@code b} from {@code off} (the buffer's position is not used). */
  static Reader reader(ByteBuffer b, int off, int len, Names names) {
    if (b.hasArray()) {
      return new Reader(b.array(), b.arrayOffset() + off, len, names);
    }
    byte[] copy = new byte[len];
    b.get(off, copy);
    return new Reader(copy, 0, len, names);
  }

  /**
   * The strings a store has decoded, by their bytes: each name is decoded and allocated once per store instead
   * of once per dependency. Bounded ({@value #MAX} names; beyond that strings are decoded every time); safe
   * for concurrent readers (an immutable table replaced on each addition; a lost addition is decoded again).
   */
  static final class Names {
    private static final int MAX = 256;

    private record Table(String[] strings, byte[][] bytes) {}

    private volatile Table table = new Table(new String[0], new byte[0][]);

    String find(byte[] a, int off, int n) {
      Table t = table;
      byte[][] bs = t.bytes;
      for (int i = 0; i < bs.length; i++) {
        byte[] b = bs[i];
        if (b.length == n && Arrays.equals(b, 0, n, a, off, off + n)) {
          return t.strings[i];
        }
      }
      return null;
    }

    void add(String s, byte[] a, int off, int n) {
      Table t = table;
      int k = t.strings.length;
      if (k >= MAX || n > 256) {
        return;
      }
      String[] ss = Arrays.copyOf(t.strings, k + 1);
      byte[][] bs = Arrays.copyOf(t.bytes, k + 1);
      ss[k] = s;
      bs[k] = Arrays.copyOfRange(a, off, off + n);
      table = new Table(ss, bs);
    }
  }
}
