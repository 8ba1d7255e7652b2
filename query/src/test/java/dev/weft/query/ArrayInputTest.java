package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ArrayInput} against {@link DataInputStream} over the same bytes: random sequences of every
 * {@link DataInput} method on random input (line ends, modified UTF-8 and truncations among it) give the same
 * results, the same exception types and leave the same number of bytes unread.
 */
@Timeout(60)
class ArrayInputTest {
  static LongStream seeds() {
    return LongStream.range(0, 300);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void everyMethod_randomInput_sameAsDataInputStream(long seed) {
    Random rnd = new Random(seed);
    byte[] b = new byte[rnd.nextInt(64)];
    for (int i = 0; i < b.length; i++) {
      int r = rnd.nextInt(8);
      b[i] = r == 0 ? (byte) '\n' : r == 1 ? (byte) '\r' : r == 2 ? 0 : (byte) rnd.nextInt(256);
    }
    if (b.length >= 2 && rnd.nextBoolean()) { // a plausible modified UTF-8 length at the front
      b[0] = 0;
      b[1] = (byte) rnd.nextInt(b.length);
    }
    int[] ops = new int[1 + rnd.nextInt(12)];
    for (int i = 0; i < ops.length; i++) {
      ops[i] = rnd.nextInt(17);
    }
    int[] sizes = new int[ops.length];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = rnd.nextInt(10);
    }
    ArrayInput mine = new ArrayInput(b);
    DataInputStream ref = new DataInputStream(new ByteArrayInputStream(b));
    List<String> got = run(mine, ops, sizes);
    List<String> want = run(ref, ops, sizes);
    assertThat(got).as("seed %d, ops %s, input %s", seed, Arrays.toString(ops), Arrays.toString(b))
        .isEqualTo(want);
    int left;
    try {
      left = ref.available();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    if (!got.isEmpty() && !got.getLast().startsWith("!")) { // after an exception, how much was read may differ
      assertThat(mine.remaining()).isEqualTo(left);
    }
  }

  /** Applies {@code ops} until the first exception; the results, then the exception's class. */
  private static List<String> run(DataInput in, int[] ops, int[] sizes) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ops.length; i++) {
      try {
        out.add(String.valueOf(switch (ops[i]) {
          case 0 -> in.readBoolean();
          case 1 -> in.readByte();
          case 2 -> in.readUnsignedByte();
          case 3 -> in.readShort();
          case 4 -> in.readUnsignedShort();
          case 5 -> (int) in.readChar();
          case 6 -> in.readInt();
          case 7 -> in.readLong();
          case 8 -> in.readFloat();
          case 9 -> in.readDouble();
          case 10 -> in.skipBytes(sizes[i] - 2);
          case 11 -> {
            byte[] x = new byte[sizes[i]];
            in.readFully(x);
            yield Arrays.toString(x);
          }
          case 12 -> {
            byte[] x = new byte[sizes[i] + 2];
            in.readFully(x, 1, sizes[i]);
            yield Arrays.toString(x);
          }
          case 13 -> {
            @SuppressWarnings("deprecation")
            String line = in.readLine();
            yield line;
          }
          case 14 -> in.readUTF();
          case 15 -> CodecSupport.readVarint(in);
          default -> CodecSupport.readString(in);
        }));
      } catch (IOException | RuntimeException e) {
        out.add("!" + e.getClass().getSimpleName());
        return out;
      }
    }
    return out;
  }
}
