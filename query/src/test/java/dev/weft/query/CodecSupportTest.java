package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The string encoding's fast paths against the plain encoding they replace: stored fingerprints of existing
 * stores stay valid only if every string encodes to exactly the bytes it always did.
 */
@Timeout(60)
class CodecSupportTest {
  private static final int SEEDS = 250;

  record Pair(String s, int i) {}

  /** A string after a string and before a few small writes: the path of a record's components. */
  private static final Codec<Pair> PAIR = Codecs.record(
      Codecs.STRING, Pair::s, Codecs.INT, Pair::i, Pair::new);

  static LongStream seeds() {
    return LongStream.range(0, SEEDS);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void writeString_randomStrings_sameBytesOrErrorAsPlainEncoding(long seed) throws IOException {
    Random rnd = new Random(seed);
    for (int n = 0; n < 8; n++) {
      String s = randomString(rnd);
      byte[] expected;
      try {
        expected = reference(s);
      } catch (IOException e) {
        assertThatThrownBy(() -> Codecs.encode(Codecs.STRING, s)).isInstanceOf(IOException.class)
            .hasMessage(e.getMessage());
        assertThatThrownBy(() -> Codecs.STRING.write(s, new DataOutputStream(new ByteArrayOutputStream())))
            .isInstanceOf(IOException.class).hasMessage(e.getMessage());
        continue;
      }
      assertThat(Codecs.encode(Codecs.STRING, s)).as("seed %d string %d", seed, n).isEqualTo(expected);
      ByteArrayOutputStream plain = new ByteArrayOutputStream();
      Codecs.STRING.write(s, new DataOutputStream(plain));
      assertThat(plain.toByteArray()).isEqualTo(expected);
      assertThat(CodecSupport.fingerprint(Codecs.STRING, s)).isEqualTo(MemoStore.Fingerprint.of(expected));

      Pair p = new Pair(s, n);
      byte[] pair = Codecs.encode(PAIR, p);
      ByteArrayOutputStream ref = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(ref);
      out.write(expected);
      out.writeInt(n);
      assertThat(pair).isEqualTo(ref.toByteArray());
      assertThat(CodecSupport.fingerprint(PAIR, p)).isEqualTo(MemoStore.Fingerprint.of(pair));
      assertThat(Codecs.decode(PAIR, pair)).isEqualTo(p);
    }
  }

  record Texts(int n, String a, java.util.List<String> more, String b) {}

  /** Strings before, between and after other bytes, in a list too: a fingerprint borrows the first long one. */
  private static final Codec<Texts> TEXTS = Codecs.record(
      Codecs.INT, Texts::n, Codecs.STRING, Texts::a, Codecs.list(Codecs.STRING), Texts::more,
      Codecs.STRING, Texts::b, Texts::new);

  @ParameterizedTest
  @MethodSource("seeds")
  void fingerprint_longStringsAmongOtherBytes_equalsFingerprintOfEncoding(long seed) throws IOException {
    Random rnd = new Random(seed);
    for (int n = 0; n < 4; n++) {
      Texts t = new Texts(rnd.nextInt(), text(rnd), java.util.List.of(text(rnd), text(rnd)), text(rnd));
      byte[] bytes = Codecs.encode(TEXTS, t);
      assertThat(CodecSupport.fingerprint(TEXTS, t)).as("seed %d value %d", seed, n)
          .isEqualTo(MemoStore.Fingerprint.of(bytes));
      assertThat(Codecs.decode(TEXTS, bytes)).isEqualTo(t);
    }
  }

  /** ASCII text around {@link CodecSupport#BORROW_MIN} bytes, shorter, or much longer. */
  private static String text(Random rnd) {
    int length = switch (rnd.nextInt(4)) {
      case 0 -> rnd.nextInt(40);
      case 1 -> CodecSupport.BORROW_MIN - 2 + rnd.nextInt(4);
      case 2 -> rnd.nextInt(3 * CodecSupport.BORROW_MIN);
      default -> rnd.nextInt(40_000);
    };
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      sb.append(rnd.nextInt(30) == 0 ? '\u00e9' : (char) (' ' + rnd.nextInt(95)));
    }
    return sb.toString();
  }

  @Test
  void writeString_questionMarksAndSurrogates_onlyUnpairedOnesRejected() throws IOException {
    for (String ok : new String[] {"", "?", "a?b??", "\u00e9?", "\uD83D\uDE00?", "?\uD83D\uDE00", "\uFFFD"}) {
      assertThat(Codecs.encode(Codecs.STRING, ok)).as(ok).isEqualTo(reference(ok));
    }
    for (String bad : new String[] {"\uD800", "a?\uD800b", "\u00e9?\uDC00", "??\uDBFF", "\uDC00\uD800", "x\uD83D"}) {
      assertThatThrownBy(() -> Codecs.encode(Codecs.STRING, bad)).as(bad).isInstanceOf(IOException.class)
          .hasMessageContaining("unpaired surrogate");
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void count_randomBytes_equalsByteByByteCount(long seed) {
    Random rnd = new Random(seed);
    byte[] b = new byte[rnd.nextInt(70)];
    for (int i = 0; i < b.length; i++) {
      int r = rnd.nextInt(4);
      b[i] = r == 0 ? (byte) '?' : r == 1 ? (byte) ('?' | 0x80) : (byte) rnd.nextInt(256);
    }
    for (byte x : new byte[] {'?', 0, (byte) 0xFF, (byte) 0xBF, b.length > 0 ? b[0] : 1}) {
      int naive = 0;
      for (byte v : b) {
        naive += v == x ? 1 : 0;
      }
      assertThat(CodecSupport.count(b, x)).as("count of %d", x).isEqualTo(naive);
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void indexOf_randomRanges_equalsByteByByteSearch(long seed) {
    Random rnd = new Random(seed);
    byte[] b = new byte[rnd.nextInt(90)];
    for (int i = 0; i < b.length; i++) {
      int r = rnd.nextInt(6);
      b[i] = r == 0 ? (byte) '?' : r == 1 ? (byte) ('?' | 0x80) : (byte) rnd.nextInt(256);
    }
    int from = b.length == 0 ? 0 : rnd.nextInt(b.length + 1);
    int to = from + rnd.nextInt(b.length - from + 1);
    for (byte x : new byte[] {'?', 0, (byte) 0xFF, (byte) 0xBF, b.length > 0 ? b[b.length - 1] : 1}) {
      int naive = -1;
      for (int i = from; i < to && naive < 0; i++) {
        naive = b[i] == x ? i : -1;
      }
      assertThat(CodecSupport.indexOf(b, x, from, to)).as("%d in [%d, %d)", x, from, to).isEqualTo(naive);
    }
  }

  @Test
  void asciiStrings_underTheTestsOpens_readsTheStringsOwnBytes() {
    assertThat(AsciiStrings.available()).as("java.lang opened to the tests, as surefire's argLine does").isTrue();
    assertThat(AsciiStrings.ascii("weft?")).isEqualTo("weft?".getBytes(StandardCharsets.US_ASCII));
    assertThat(AsciiStrings.ascii("")).isEmpty();
    assertThat(AsciiStrings.ascii("caf\u00e9")).as("Latin-1, not ASCII").isNull();
    assertThat(AsciiStrings.ascii("w\u0100")).as("two bytes per char").isNull();
    assertThat(AsciiStrings.ascii("\uD83D\uDE00")).isNull();
    assertThat(AsciiStrings.ascii("a\uD800b")).as("an unpaired surrogate").isNull();
  }

  /**
   * A non-ASCII char anywhere in strings short and long (around the JDK's vectorized steps, and past
   * {@link CodecSupport#BORROW_MIN}): the string's own bytes are answered exactly when it is ASCII, and
   * encoding or fingerprinting through them leaves the string as it was.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  void asciiStrings_oneHighCharAnywhere_answersOnlyForAsciiAndChangesNothing(long seed) throws IOException {
    Random rnd = new Random(seed);
    int length = switch (rnd.nextInt(3)) {
      case 0 -> rnd.nextInt(70);
      case 1 -> 1024 - 40 + rnd.nextInt(80);
      default -> rnd.nextInt(2_200);
    };
    char[] text = new char[length];
    for (int i = 0; i < length; i++) {
      text[i] = (char) rnd.nextInt(0x80);
    }
    String ascii = new String(text);
    byte[] own = AsciiStrings.ascii(ascii);
    assertThat(own).isEqualTo(ascii.getBytes(StandardCharsets.UTF_8));
    String copy = new String(text);
    assertThat(Codecs.encode(Codecs.STRING, ascii)).isEqualTo(reference(copy));
    assertThat(CodecSupport.fingerprint(Codecs.STRING, ascii)).isEqualTo(MemoStore.Fingerprint.of(reference(copy)));
    assertThat(ascii).isEqualTo(copy);
    if (length > 0) {
      int at = rnd.nextInt(length);
      text[at] = rnd.nextBoolean() ? (char) (0x80 + rnd.nextInt(0x80)) : (char) (0x100 + rnd.nextInt(0xD700));
      String high = new String(text);
      assertThat(AsciiStrings.ascii(high)).as("char %04x at %d of %d", (int) text[at], at, length).isNull();
      assertThat(Codecs.encode(Codecs.STRING, high)).isEqualTo(reference(high));
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void isAscii_randomBytes_equalsByteByByteCheck(long seed) {
    Random rnd = new Random(seed);
    byte[] b = new byte[rnd.nextInt(150)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) rnd.nextInt(0x80);
    }
    if (b.length > 0 && rnd.nextBoolean()) {
      b[rnd.nextInt(b.length)] = (byte) (0x80 | rnd.nextInt(0x80));
    }
    boolean naive = true;
    for (byte x : b) {
      naive &= x >= 0;
    }
    assertThat(AsciiStrings.isAscii(b)).as("%d bytes", b.length).isEqualTo(naive);
  }

  @Test
  void writeString_asciiWithMarksAroundScanChunks_onlyUnpairedSurrogatesRejected() throws IOException {
    for (int at : new int[] {0, 7, 8, 4095, 4096, 4097, 8191, 8192, 9999}) {
      char[] text = new char[10_000];
      for (int i = 0; i < text.length; i++) {
        text[i] = i % 37 == 0 ? '?' : (char) ('a' + i % 26);
      }
      text[at] = '?';
      String ok = new String(text);
      assertThat(Codecs.encode(Codecs.STRING, ok)).as("'?' at %d", at).isEqualTo(reference(ok));
      text[at] = '\uDC01';
      String bad = new String(text);
      assertThatThrownBy(() -> Codecs.encode(Codecs.STRING, bad)).as("surrogate at %d", at)
          .isInstanceOf(IOException.class).hasMessageContaining("unpaired surrogate at index " + at);
    }
  }

  @Test
  void fingerprint_codecThatWritesAfterItsCall_cannotChangeLaterFingerprints() throws IOException {
    DataOutput[] kept = new DataOutput[1];
    Codec<String> leaky = new Codec<>() {
      @Override
      public void write(String value, DataOutput out) throws IOException {
        kept[0] = out;
        Codecs.STRING.write(value, out);
      }

      @Override
      public String read(DataInput in) throws IOException {
        return Codecs.STRING.read(in);
      }
    };
    Codec<String> meddler = new Codec<>() { // writes through the stream kept from the leaky codec's call
      @Override
      public void write(String value, DataOutput out) throws IOException {
        Codecs.STRING.write(value, out);
        kept[0].write(new byte[] {'Z', 'Z', 'Z'});
      }

      @Override
      public String read(DataInput in) throws IOException {
        return Codecs.STRING.read(in);
      }
    };
    CodecSupport.fingerprint(Codecs.STRING, "c".repeat(8_000)); // leaves a large array for the next ones
    assertThat(CodecSupport.fingerprint(leaky, "a")).isEqualTo(MemoStore.Fingerprint.of(reference("a")));
    String text = "y".repeat(4_000); // would be written into that array, then hit by the stale stream
    assertThat(CodecSupport.fingerprint(meddler, text)).isEqualTo(MemoStore.Fingerprint.of(reference(text)));
  }

  /** The encoding as it was written before the fast paths: the oracle of the tests above. */
  private static byte[] reference(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    boolean question = false;
    for (byte x : b) {
      question |= x == '?';
    }
    if (b.length != s.length() || question) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          throw new IOException("string has an unpaired surrogate at index " + i + " and cannot be encoded");
        }
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutput out = new DataOutputStream(bytes);
    int v = b.length;
    while ((v & ~0x7F) != 0) {
      out.writeByte((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out.writeByte(v);
    out.write(b);
    return bytes.toByteArray();
  }

  /**
   * A string of one of several shapes: empty, ASCII (with and without '?'), Latin-1, BMP, surrogate pairs,
   * unpaired surrogates (alone, reversed, at either end), and mixtures; lengths up to 100,000 chars.
   */
  static String randomString(Random rnd) {
    int shape = rnd.nextInt(9);
    int length = switch (rnd.nextInt(4)) {
      case 0 -> 0;
      case 1 -> rnd.nextInt(8);
      case 2 -> rnd.nextInt(300);
      default -> rnd.nextInt(100_000);
    };
    StringBuilder sb = new StringBuilder(length);
    while (sb.length() < length) {
      int kind = shape < 8 ? shape : rnd.nextInt(8);
      switch (kind) {
        case 0 -> sb.append((char) (' ' + rnd.nextInt(95))); // ASCII, '?' among them
        case 1 -> sb.append(rnd.nextInt(20) == 0 ? '?' : (char) ('a' + rnd.nextInt(26)));
        case 2 -> sb.append((char) rnd.nextInt(256)); // Latin-1, control chars and NUL included
        case 3 -> sb.append((char) (0x100 + rnd.nextInt(0xD800 - 0x100))); // BMP below the surrogates
        case 4 -> sb.appendCodePoint(0x10000 + rnd.nextInt(0x110000 - 0x10000)); // a pair
        case 5 -> sb.append((char) (0xE000 + rnd.nextInt(0x10000 - 0xE000))); // BMP above them
        case 6 -> { // rare unpaired surrogates in ASCII text
          if (rnd.nextInt(500) == 0) {
            sb.append((char) (0xD800 + rnd.nextInt(0x800)));
          } else {
            sb.append(rnd.nextBoolean() ? '?' : 'x');
          }
        }
        default -> { // an unpaired surrogate in one of its forms
          switch (rnd.nextInt(4)) {
            case 0 -> sb.append((char) (0xD800 + rnd.nextInt(0x400))); // high alone
            case 1 -> sb.append((char) (0xDC00 + rnd.nextInt(0x400))); // low alone
            case 2 -> sb.append((char) (0xDC00 + rnd.nextInt(0x400))).append((char) (0xD800 + rnd.nextInt(0x400)));
            default -> sb.append('?');
          }
        }
      }
    }
    if (length > 0 && rnd.nextInt(10) == 0) {
      sb.setLength(length - 1);
      sb.append((char) (0xD800 + rnd.nextInt(0x400))); // a high surrogate at the end
    }
    if (length > 0 && rnd.nextInt(10) == 0) {
      sb.insert(0, (char) (0xDC00 + rnd.nextInt(0x400))); // a low surrogate at the start
    }
    return sb.toString();
  }
}
