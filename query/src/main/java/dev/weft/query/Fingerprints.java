package dev.weft.query;

import dev.weft.query.MemoStore.Fingerprint;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The fingerprint function of {@link MemoStore.Fingerprint}: XXH3-128 of the encoded bytes
 * ({@code docs/adr/0036-fingerprint-hash.md} gives the measurements behind the choice and what it means for
 * inputs chosen by an adversary).
 */
final class Fingerprints {
  private Fingerprints() {}

  static Fingerprint of(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length + ") of "
          + bytes.length + " bytes");
    }
    return Xxh3.hash128(bytes, offset, length);
  }

  /**
   * The fingerprint of a trace's value fingerprint and steps, over an unambiguous encoding of both:
   *
   * <pre>
   * i64 i64 (value) then per step: 1 dep | 2 varint:n (3 dep){n} | 4 varint:len bytes
   * dep = varint:chars UTF-16 query, varint:len key, i64 i64 fingerprint
   * </pre>
   */
  static Fingerprint ofTrace(Fingerprint value, List<MemoStore.Step> steps) {
    Buf b = new Buf(64 + 112 * steps.size());
    b.putLong(value.high());
    b.putLong(value.low());
    for (MemoStore.Step s : steps) {
      switch (s) {
        case MemoStore.Dep d -> b.dep(1, d);
        case MemoStore.Group g -> {
          b.put(2);
          b.putVarint(g.deps().size());
          for (MemoStore.Dep d : g.deps()) {
            b.dep(3, d);
          }
        }
        case MemoStore.Report r -> {
          b.put(4);
          b.putVarint(r.diagnostic().length);
          b.put(r.diagnostic());
        }
      }
    }
    return Xxh3.hash128(b.a, 0, b.n);
  }

  /** A growable buffer written big-endian, without the per-byte calls of a stream. */
  private static final class Buf {
    byte[] a;
    int n;

    Buf(int capacity) {
      a = new byte[capacity];
    }

    private void ensure(int more) {
      if (n + more > a.length) {
        a = Arrays.copyOf(a, Math.max(2 * a.length, n + more));
      }
    }

    void put(int b) {
      ensure(1);
      a[n++] = (byte) b;
    }

    void put(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, a, n, b.length);
      n += b.length;
    }

    void putLong(long v) {
      ensure(8);
      LONG_BE.set(a, n, v);
      n += 8;
    }

    void putVarint(int v) {
      ensure(5);
      while ((v & ~0x7F) != 0) {
        a[n++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      a[n++] = (byte) v;
    }

    void dep(int tag, MemoStore.Dep d) {
      String q = d.query();
      int len = q.length();
      ensure(1 + 5 + 2 * len);
      put(tag);
      putVarint(len);
      for (int i = 0; i < len; i++) {
        char c = q.charAt(i);
        a[n++] = (byte) (c >>> 8);
        a[n++] = (byte) c;
      }
      putVarint(d.key().length);
      put(d.key());
      putLong(d.fingerprint().high());
      putLong(d.fingerprint().low());
    }
  }

  private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
}
