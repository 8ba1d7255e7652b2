package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes an ASCII string already holds. A compact string of Latin-1 chars keeps one byte per char, so when
 * every char is ASCII its own array is exactly its UTF-8 encoding: {@link CodecSupport#writeString} then
 * copies that array into a sink, or hashes it where it lies for a fingerprint, instead of first copying it
 * with {@link String#getBytes} and scanning the copy for replaced surrogates (a Latin-1 string has none). On
 * the demo's sources, 52 MB of ASCII text whose inputs a checkpoint or a re-run fingerprints, that is one
 * pass over the text instead of three, and 52 MB not allocated.
 *
 * <p>Reading {@code String}'s fields needs {@code java.lang} opened to this code, which the
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} Weft's carriers need on the class path already does. A
 * self-check at class initialisation compares what the fields say with {@code getBytes} for a few strings.
 * Without access (Weft on the module path, where {@code java.lang} is opened to {@code dev.weft.scheduler}
 * only), with {@code -XX:-CompactStrings}, or on a JVM whose {@code String} is laid out differently,
 * {@link #ascii} always answers null and every string takes the copying path: the same bytes, only slower,
 * so this is logged at {@code DEBUG} only.
 *
 * <p>The array {@link #ascii} returns is the string's own. Only this package's sinks read it (a copy into a
 * sink, or XXH3 over it); it is never written and never handed to a caller's stream.
 */
final class AsciiStrings {
  /** {@code String.value}, or null when unreadable. */
  private static final VarHandle VALUE;
  /** {@code String.coder}: 0 for Latin-1 (one byte per char). */
  private static final VarHandle CODER;
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  /**
   * The bytes {@link #asciiRange} checks per call: a method a new JVM compiles after a few hundred calls,
   * where one loop over a long string would run interpreted until on-stack replacement.
   */
  private static final int CHUNK = 1 << 10;

  static {
    VarHandle value = null;
    VarHandle coder = null;
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(String.class, MethodHandles.lookup());
      value = lookup.findVarHandle(String.class, "value", byte[].class);
      coder = lookup.findVarHandle(String.class, "coder", byte.class);
      if (!agrees(value, coder)) {
        value = null;
      }
    } catch (ReflectiveOperationException | RuntimeException e) { // not opened, or no such fields
      value = null;
    }
    VALUE = value;
    CODER = value == null ? null : coder;
    if (value == null) {
      System.getLogger("dev.weft.query").log(System.Logger.Level.DEBUG, "strings are encoded from copies:"
          + " java.lang is not opened to " + AsciiStrings.class.getModule() + " (the same bytes, more slowly)");
    }
  }

  private AsciiStrings() {}

  /** Whether the fields read as this class expects, for strings of each kind. */
  private static boolean agrees(VarHandle value, VarHandle coder) {
    String ascii = new String(new char[] {'w', 'e', 'f', 't', '?'});
    String latin1 = new String(new char[] {'w', '\u00e9', 'f', 't'});
    String wide = new String(new char[] {'w', '\u0100', 'f', 't'});
    return (byte) coder.get(ascii) == 0
        && Arrays.equals((byte[]) value.get(ascii), ascii.getBytes(StandardCharsets.US_ASCII))
        && (byte) coder.get(latin1) == 0
        && Arrays.equals((byte[]) value.get(latin1), latin1.getBytes(StandardCharsets.ISO_8859_1))
        && (byte) coder.get(wide) != 0;
  }

  /** Whether strings are read from their own arrays here (see the class comment). */
  static boolean available() {
    return VALUE != null;
  }

  /**
   * The array of {@code s}, which is its UTF-8 encoding, when {@code s} is ASCII and readable; otherwise null.
   * The caller must not write the array nor let it leave this package.
   */
  static byte[] ascii(String s) {
    if (VALUE == null || (byte) CODER.get(s) != 0) {
      return null;
    }
    byte[] b = (byte[]) VALUE.get(s);
    for (int from = 0; from < b.length; from += CHUNK) {
      if (!asciiRange(b, from, Math.min(b.length, from + CHUNK))) {
        return null;
      }
    }
    return b;
  }

  /** Whether {@code b[from, to)} holds no byte with its high bit set: 32 bytes per step, one test at the end. */
  static boolean asciiRange(byte[] b, int from, int to) {
    long or = 0;
    int i = from;
    for (int end = to - 31; i < end; i += 32) {
      or |= (long) LONGS.get(b, i) | (long) LONGS.get(b, i + 8) | (long) LONGS.get(b, i + 16)
          | (long) LONGS.get(b, i + 24);
    }
    for (; i < to; i++) {
      or |= b[i]; // sign-extended: a high bit sets bit 7
    }
    return (or & 0x8080808080808080L) == 0;
  }
}
