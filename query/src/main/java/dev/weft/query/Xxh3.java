package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * XXH3-128 with the default secret and seed 0, written from the algorithm's specification
 * ({@code doc/xxhash_spec.md} of the xxHash project, "XXH3 Algorithm Description") and checked against the
 * sanity vectors of its reference implementation ({@code Xxh3Test}).
 *
 * <p>Inputs of 0-16, 17-128, 129-240 and more bytes take different paths, as the specification lays out. All
 * arithmetic is modulo 2<sup>64</sup>; {@link Math#unsignedMultiplyHigh} gives the high half of the
 * 64x64-bit products. Secret words at offsets that are multiples of 8 are precomputed ({@link #SL}); the
 * accumulators of the long-input path are locals within a run of stripes and one small object between runs.
 */
final class Xxh3 {
  private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private static final long PRIME32_1 = 0x9E3779B1L;
  private static final long PRIME32_2 = 0x85EBCA77L;
  private static final long PRIME32_3 = 0xC2B2AE3DL;
  private static final long PRIME64_1 = 0x9E3779B185EBCA87L;
  private static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
  private static final long PRIME64_3 = 0x165667B19E3779F9L;
  private static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
  private static final long PRIME64_5 = 0x27D4EB2F165667C5L;
  private static final long PRIME_MX1 = 0x165667919E3779F9L;
  private static final long PRIME_MX2 = 0x9FB21C651E98DF25L;
  private static final long LO32 = 0xFFFFFFFFL;

  /** The default 192-byte secret. */
  private static final byte[] SECRET = hex(
      "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671f"
      + "cb79e64eccc0e578825ad07dccff7221b8084674f743248ee03590e6813a264c"
      + "3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
      + "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364"
      + "eac5ac8334d3ebc3c581a0fffa1363eb170ddd51b7f0da49d316552629d4689e"
      + "2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e");
  private static final int SECRET_LENGTH = 192;
  private static final byte[] NONE = {};
  private static final int STRIPE = 64;
  private static final int STRIPES_PER_BLOCK = (SECRET_LENGTH - STRIPE) / 8;
  private static final int BLOCK = STRIPE * STRIPES_PER_BLOCK;

  /** {@code SL[i]} is the secret's little-endian word at byte offset {@code 8 * i}. */
  private static final long[] SL = new long[SECRET_LENGTH / 8];

  static {
    for (int i = 0; i < SL.length; i++) {
      SL[i] = s64(8 * i);
    }
  }

  private Xxh3() {}

  /** The 128-bit hash of {@code len} bytes of {@code b} from {@code off}: high 64 bits, low 64 bits. */
  static MemoStore.Fingerprint hash128(byte[] b, int off, int len) {
    if (len <= 16) {
      return small(b, off, len);
    }
    if (len <= 128) {
      return upTo128(b, off, len);
    }
    if (len <= 240) {
      return upTo240(b, off, len);
    }
    return large(b, off, len);
  }

  private static MemoStore.Fingerprint small(byte[] b, int off, int len) {
    if (len > 8) {
      long first = u64(b, off);
      long last = u64(b, off + len - 8);
      long val1 = (SL[4] ^ SL[5]) ^ first ^ last;
      long val2 = (SL[6] ^ SL[7]) ^ last;
      long mulLo = val1 * PRIME64_1;
      long mulHi = Math.unsignedMultiplyHigh(val1, PRIME64_1);
      long low = mulLo + ((long) (len - 1) << 54);
      long high = mulHi + val2 + (val2 & LO32) * (PRIME32_2 - 1);
      low ^= Long.reverseBytes(high);
      long low2 = low * PRIME64_2;
      long high2 = Math.unsignedMultiplyHigh(low, PRIME64_2) + high * PRIME64_2;
      return fp(avalanche(high2), avalanche(low2));
    }
    if (len >= 4) {
      long first = u32(b, off);
      long last = u32(b, off + len - 4);
      long value = (SL[2] ^ SL[3]) ^ (first | (last << 32));
      long factor = PRIME64_1 + ((long) len << 2);
      long low = value * factor;
      long high = Math.unsignedMultiplyHigh(value, factor);
      high += low << 1;
      low ^= high >>> 3;
      low ^= low >>> 35;
      low *= PRIME_MX2;
      low ^= low >>> 28;
      return fp(avalanche(high), low);
    }
    if (len > 0) {
      int c1 = b[off] & 0xFF;
      int c2 = b[off + (len >> 1)] & 0xFF;
      int c3 = b[off + len - 1] & 0xFF;
      int combined = c3 | (len << 8) | (c1 << 16) | (c2 << 24);
      long low = ((s32(0) ^ s32(4)) & LO32) ^ (combined & LO32);
      long high = ((s32(8) ^ s32(12)) & LO32) ^ (Integer.rotateLeft(Integer.reverseBytes(combined), 13) & LO32);
      return fp(avalanche64(high), avalanche64(low));
    }
    return fp(avalanche64(SL[10] ^ SL[11]), avalanche64(SL[8] ^ SL[9]));
  }

  private static MemoStore.Fingerprint upTo128(byte[] b, int off, int len) {
    long[] acc = {len * PRIME64_1, 0};
    for (int i = ((len - 1) >> 5); i >= 0; i--) {
      mix32(acc, b, off + 16 * i, off + len - 16 * i - 16, 32 * i, 0);
    }
    return finishMid(acc, len);
  }

  private static MemoStore.Fingerprint upTo240(byte[] b, int off, int len) {
    long[] acc = {len * PRIME64_1, 0};
    for (int i = 0; i < 4; i++) {
      mix32(acc, b, off + 32 * i, off + 32 * i + 16, 32 * i, 0);
    }
    acc[0] = avalanche(acc[0]);
    acc[1] = avalanche(acc[1]);
    int chunks = len >> 5;
    for (int i = 4; i < chunks; i++) {
      mix32(acc, b, off + 32 * i, off + 32 * i + 16, 32 * (i - 4) + 3, 0);
    }
    // The last 32 bytes, halves swapped (the specification's seed negation is a no-op for seed 0).
    mix32(acc, b, off + len - 16, off + len - 32, 103, 0);
    return finishMid(acc, len);
  }

  private static MemoStore.Fingerprint finishMid(long[] acc, int len) {
    long low = acc[0] + acc[1];
    long high = acc[0] * PRIME64_1 + acc[1] * PRIME64_4 + (long) len * PRIME64_2;
    return fp(-avalanche(high), avalanche(low));
  }

  private static void mix32(long[] acc, byte[] b, int p1, int p2, int secret, long seed) {
    long a1 = u64(b, p1);
    long b1 = u64(b, p1 + 8);
    long a2 = u64(b, p2);
    long b2 = u64(b, p2 + 8);
    acc[0] += mix16(a1, b1, secret, seed);
    acc[1] += mix16(a2, b2, secret + 16, seed);
    acc[0] ^= a2 + b2;
    acc[1] ^= a1 + b1;
  }

  private static long mix16(long lo, long hi, int secret, long seed) {
    long x = lo ^ (s64(secret) + seed);
    long y = hi ^ (s64(secret + 8) - seed);
    return x * y ^ Math.unsignedMultiplyHigh(x, y);
  }

  /**
   * The 128-bit hash of {@code head[0, at)}, then {@code len} bytes of {@code body} from {@code off}, then
   * {@code head[at, end)}: the same value as {@link #hash128(byte[], int, int)} of those bytes laid end to end,
   * without copying {@code body}. An encoding that holds one large array (a string's bytes) among a few bytes
   * of its own is hashed where the pieces lie.
   */
  static MemoStore.Fingerprint hash128(byte[] head, int at, int end, byte[] body, int off, int len) {
    Objects.checkFromToIndex(at, end, head.length);
    Objects.checkFromIndexSize(off, len, body.length);
    int total = end + len;
    if (total <= 240) {
      byte[] all = new byte[total];
      gather(head, at, end, body, off, len, 0, all, total);
      return hash128(all, 0, total);
    }
    return large(head, at, end, body, off, len);
  }

  /**
   * Copies {@code n} bytes from position {@code p} of the pieces of
   * {@link #hash128(byte[], int, int, byte[], int, int)}, laid end to end, into {@code dst}.
   */
  private static void gather(byte[] head, int at, int end, byte[] body, int off, int len, int p, byte[] dst,
      int n) {
    for (int i = 0; i < n; i++) {
      int q = p + i;
      dst[i] = q < at ? head[q] : q < at + len ? body[off + q - at] : head[q - len];
    }
  }

  private static MemoStore.Fingerprint large(byte[] b, int off, int len) {
    return large(NONE, 0, 0, b, off, len);
  }

  /**
   * The long-input path over the pieces of {@link #hash128(byte[], int, int, byte[], int, int)}: runs of stripes
   * that lie within {@code body} are read where they are, a stripe that crosses a piece's edge (at most two per
   * call) from a copy.
   *
   * <p>The stripes are accumulated by {@link #stripes}, called once per run (a block of 1 KiB at most), not in
   * the body of this method's loop: a process that hashes its inputs once (a checkpoint after a cold run) calls
   * it often enough for the JIT compiler to reach it after a few inputs, while a loop in here would stay
   * interpreted for the first hundred inputs or so (the method is compiled only after that many calls, and
   * each call reads its 8-byte words through a {@code VarHandle}, very slow in the interpreter).
   */
  private static MemoStore.Fingerprint large(byte[] head, int at, int end, byte[] body, int off, int len) {
    Acc acc = new Acc();
    int total = end + len;
    int shift = off - at; // body position of a total position within body
    int lastDirect = at + len - STRIPE; // the last total position of a stripe wholly within body
    byte[] copy = null;
    int blocks = (total - 1) / BLOCK;
    for (int n = 0; n <= blocks; n++) {
      int base = n * BLOCK;
      // Full blocks take all their stripes and a scramble; the last block takes its full stripes but the
      // very last one, which is taken below as the input's last 64 bytes.
      int stripes = n < blocks ? STRIPES_PER_BLOCK : (total - 1 - n * BLOCK) / STRIPE;
      int s = 0;
      while (s < stripes) {
        int q = base + s * STRIPE;
        if (q < at || q > lastDirect) {
          if (copy == null) {
            copy = new byte[STRIPE];
          }
          gather(head, at, end, body, off, len, q, copy, STRIPE);
          stripes(acc, copy, 0, s, s + 1);
          s++;
        } else {
          int run = Math.min(stripes, (lastDirect - base) / STRIPE + 1);
          stripes(acc, body, q + shift, s, run);
          s = run;
        }
      }
      if (n < blocks) {
        acc.scramble();
      }
    }
    // The last stripe: the input's last 64 bytes against the secret at offset 192 - 64 - 7.
    int q = total - STRIPE;
    byte[] b = body;
    int p = q + shift;
    if (q < at || q > lastDirect) {
      b = new byte[STRIPE];
      gather(head, at, end, body, off, len, q, b, STRIPE);
      p = 0;
    }
    int s = SECRET_LENGTH - STRIPE - 7;
    long d0 = u64(b, p);
    long d1 = u64(b, p + 8);
    long d2 = u64(b, p + 16);
    long d3 = u64(b, p + 24);
    long d4 = u64(b, p + 32);
    long d5 = u64(b, p + 40);
    long d6 = u64(b, p + 48);
    long d7 = u64(b, p + 56);
    long k0 = d0 ^ s64(s);
    long k1 = d1 ^ s64(s + 8);
    long k2 = d2 ^ s64(s + 16);
    long k3 = d3 ^ s64(s + 24);
    long k4 = d4 ^ s64(s + 32);
    long k5 = d5 ^ s64(s + 40);
    long k6 = d6 ^ s64(s + 48);
    long k7 = d7 ^ s64(s + 56);
    long a0 = acc.a0 + d1 + (k0 & LO32) * (k0 >>> 32);
    long a1 = acc.a1 + d0 + (k1 & LO32) * (k1 >>> 32);
    long a2 = acc.a2 + d3 + (k2 & LO32) * (k2 >>> 32);
    long a3 = acc.a3 + d2 + (k3 & LO32) * (k3 >>> 32);
    long a4 = acc.a4 + d5 + (k4 & LO32) * (k4 >>> 32);
    long a5 = acc.a5 + d4 + (k5 & LO32) * (k5 >>> 32);
    long a6 = acc.a6 + d7 + (k6 & LO32) * (k6 >>> 32);
    long a7 = acc.a7 + d6 + (k7 & LO32) * (k7 >>> 32);

    long low = merge(a0, a1, a2, a3, a4, a5, a6, a7, 11, total * PRIME64_1);
    long high = merge(a0, a1, a2, a3, a4, a5, a6, a7, SECRET_LENGTH - STRIPE - 11, ~(total * PRIME64_2));
    return fp(high, low);
  }

  /** The eight accumulators of the long-input path. */
  private static final class Acc {
    long a0 = PRIME32_3;
    long a1 = PRIME64_1;
    long a2 = PRIME64_2;
    long a3 = PRIME64_3;
    long a4 = PRIME64_4;
    long a5 = PRIME32_2;
    long a6 = PRIME64_5;
    long a7 = PRIME32_1;

    void scramble() {
      a0 = Xxh3.scramble(a0, SL[16]);
      a1 = Xxh3.scramble(a1, SL[17]);
      a2 = Xxh3.scramble(a2, SL[18]);
      a3 = Xxh3.scramble(a3, SL[19]);
      a4 = Xxh3.scramble(a4, SL[20]);
      a5 = Xxh3.scramble(a5, SL[21]);
      a6 = Xxh3.scramble(a6, SL[22]);
      a7 = Xxh3.scramble(a7, SL[23]);
    }
  }

  /**
   * Accumulates stripes {@code from} to {@code to - 1} of a block (the secret's offset follows the stripe's
   * number), read from {@code b} at {@code p} on. The accumulators are locals in the loop: with them in fields
   * or an array C2 kept them in memory, and 16 KB hashed at 8.7 instead of 15.6 GB/s.
   */
  private static void stripes(Acc acc, byte[] b, int p, int from, int to) {
    long a0 = acc.a0;
    long a1 = acc.a1;
    long a2 = acc.a2;
    long a3 = acc.a3;
    long a4 = acc.a4;
    long a5 = acc.a5;
    long a6 = acc.a6;
    long a7 = acc.a7;
    for (int s = from; s < to; s++, p += STRIPE) {
      long d0 = u64(b, p);
      long d1 = u64(b, p + 8);
      long d2 = u64(b, p + 16);
      long d3 = u64(b, p + 24);
      long d4 = u64(b, p + 32);
      long d5 = u64(b, p + 40);
      long d6 = u64(b, p + 48);
      long d7 = u64(b, p + 56);
      long k0 = d0 ^ SL[s];
      long k1 = d1 ^ SL[s + 1];
      long k2 = d2 ^ SL[s + 2];
      long k3 = d3 ^ SL[s + 3];
      long k4 = d4 ^ SL[s + 4];
      long k5 = d5 ^ SL[s + 5];
      long k6 = d6 ^ SL[s + 6];
      long k7 = d7 ^ SL[s + 7];
      a0 += d1 + (k0 & LO32) * (k0 >>> 32);
      a1 += d0 + (k1 & LO32) * (k1 >>> 32);
      a2 += d3 + (k2 & LO32) * (k2 >>> 32);
      a3 += d2 + (k3 & LO32) * (k3 >>> 32);
      a4 += d5 + (k4 & LO32) * (k4 >>> 32);
      a5 += d4 + (k5 & LO32) * (k5 >>> 32);
      a6 += d7 + (k6 & LO32) * (k6 >>> 32);
      a7 += d6 + (k7 & LO32) * (k7 >>> 32);
    }
    acc.a0 = a0;
    acc.a1 = a1;
    acc.a2 = a2;
    acc.a3 = a3;
    acc.a4 = a4;
    acc.a5 = a5;
    acc.a6 = a6;
    acc.a7 = a7;
  }

  private static long scramble(long acc, long secret) {
    acc ^= acc >>> 47;
    acc ^= secret;
    return acc * PRIME32_1;
  }

  private static long merge(long a0, long a1, long a2, long a3, long a4, long a5, long a6, long a7, int secret,
      long start) {
    long r = start;
    r += fold(a0 ^ s64(secret), a1 ^ s64(secret + 8));
    r += fold(a2 ^ s64(secret + 16), a3 ^ s64(secret + 24));
    r += fold(a4 ^ s64(secret + 32), a5 ^ s64(secret + 40));
    r += fold(a6 ^ s64(secret + 48), a7 ^ s64(secret + 56));
    return avalanche(r);
  }

  private static long fold(long x, long y) {
    return x * y ^ Math.unsignedMultiplyHigh(x, y);
  }

  private static long avalanche(long x) {
    x ^= x >>> 37;
    x *= PRIME_MX1;
    return x ^ (x >>> 32);
  }

  private static long avalanche64(long x) {
    x ^= x >>> 33;
    x *= PRIME64_2;
    x ^= x >>> 29;
    x *= PRIME64_3;
    return x ^ (x >>> 32);
  }

  private static MemoStore.Fingerprint fp(long high, long low) {
    return new MemoStore.Fingerprint(high, low);
  }

  private static long u64(byte[] b, int i) {
    return (long) LE64.get(b, i);
  }

  private static long u32(byte[] b, int i) {
    return (int) LE32.get(b, i) & LO32;
  }

  private static long s64(int i) {
    return (long) LE64.get(SECRET, i);
  }

  private static int s32(int i) {
    return (int) LE32.get(SECRET, i);
  }

  private static byte[] hex(String s) {
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(s, 2 * i, 2 * i + 2, 16);
    }
    return b;
  }
}
