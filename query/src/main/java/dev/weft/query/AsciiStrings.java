package dev.weft.query;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
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
 * <p>Reading {@code String}'s fields, and calling the JDK's test for ASCII bytes, needs {@code java.lang}
 * opened to this code, which the {@code --add-opens java.base/java.lang=ALL-UNNAMED} Weft's carriers need on
 * the class path already does. A self-check at class initialisation compares what the fields say with
 * {@code getBytes}, and what the test answers, for a few strings. Without access (Weft on the module path,
 * where {@code java.lang} is opened to {@code dev.weft.scheduler} only), with {@code -XX:-CompactStrings}, or
 * on a JVM whose {@code String} is laid out differently, {@link #ascii} always answers null and every string
 * takes the copying path: the same bytes, only slower, so this is logged at {@code DEBUG} only.
 *
 * <p>The array {@link #ascii} returns is the string's own. Only this package's sinks read it (a copy into a
 * sink, or XXH3 over it); it is never written and never handed to a caller's stream.
 */
final class AsciiStrings {
  /** {@code String.value}, or null when unreadable. */
  private static final VarHandle VALUE;
  /** {@code String.coder}: 0 for Latin-1 (one byte per char). */
  private static final VarHandle CODER;
  /**
   * {@code StringCoding.countPositives(byte[], int, int)}: the JDK's own test for bytes without their high bit,
   * which {@code String.getBytes} and UTF-8 decoding run, so a JVM has it compiled (an intrinsic, vectorized)
   * early. A loop of this class's own would run interpreted or in C1's code, out-of-line calls included,
   * for most of a short-lived process: in a new JVM's no-op re-run it was a tenth of the engine's samples.
   */
  private static final MethodHandle COUNT_POSITIVES;

  static {
    VarHandle value = null;
    VarHandle coder = null;
    MethodHandle count = null;
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(String.class, MethodHandles.lookup());
      value = lookup.findVarHandle(String.class, "value", byte[].class);
      coder = lookup.findVarHandle(String.class, "coder", byte.class);
      Class<?> coding = lookup.findClass("java.lang.StringCoding");
      count = lookup.findStatic(coding, "countPositives",
          MethodType.methodType(int.class, byte[].class, int.class, int.class));
      if (!agrees(value, coder, count)) {
        value = null;
      }
    } catch (Throwable e) { // not opened, no such members, or the self-check threw
      value = null;
    }
    VALUE = value;
    CODER = value == null ? null : coder;
    COUNT_POSITIVES = value == null ? null : count;
    if (value == null) {
      System.getLogger("dev.weft.query").log(System.Logger.Level.DEBUG, "strings are encoded from copies:"
          + " java.lang is not opened to " + AsciiStrings.class.getModule() + " (the same bytes, more slowly)");
    }
  }

  private AsciiStrings() {}

  /** Whether the fields read, and the count answers, as this class expects, for strings of each kind. */
  private static boolean agrees(VarHandle value, VarHandle coder, MethodHandle count) throws Throwable {
    String ascii = new String(new char[] {'w', 'e', 'f', 't', '?'});
    String latin1 = new String(new char[] {'w', '\u00e9', 'f', 't'});
    String wide = new String(new char[] {'w', '\u0100', 'f', 't'});
    byte[] a = (byte[]) value.get(ascii);
    byte[] l = (byte[]) value.get(latin1);
    return (byte) coder.get(ascii) == 0
        && Arrays.equals(a, ascii.getBytes(StandardCharsets.US_ASCII))
        && (int) count.invokeExact(a, 0, a.length) == a.length
        && (byte) coder.get(latin1) == 0
        && Arrays.equals(l, latin1.getBytes(StandardCharsets.ISO_8859_1))
        && (int) count.invokeExact(l, 0, l.length) < l.length
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
    return isAscii(b) ? b : null;
  }

  /** Whether no byte of {@code b} has its high bit set (only while {@link #available}). */
  static boolean isAscii(byte[] b) {
    try {
      return (int) COUNT_POSITIVES.invokeExact(b, 0, b.length) == b.length;
    } catch (Throwable e) { // it throws nothing but what its own bugs would
      throw new AssertionError(e);
    }
  }
}
