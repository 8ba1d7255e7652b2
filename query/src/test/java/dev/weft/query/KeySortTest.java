package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The checkpoint's sort against the JDK's stable sort with a comparator over the same keys. */
@Timeout(30)
class KeySortTest {
  static LongStream seeds() {
    return LongStream.range(0, 60);
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void sort_randomKeysWithTies_sameOrderAsStableArraysSort(long seed) {
    Random rnd = new Random(seed);
    int n = switch ((int) (seed % 4)) {
      case 0 -> rnd.nextInt(20);
      case 1 -> rnd.nextInt(200);
      case 2 -> 1000 + rnd.nextInt(3000);
      default -> 1 << (4 + rnd.nextInt(8)); // powers of two: merges of equal halves
    };
    int alphabet = 1 + rnd.nextInt(seed % 3 == 0 ? 3 : 256); // few letters: many equal keys and prefixes
    Integer[] items = new Integer[n];
    byte[][] keys = new byte[n][];
    for (int i = 0; i < n; i++) {
      items[i] = i;
      keys[i] = new byte[rnd.nextInt(6)];
      for (int j = 0; j < keys[i].length; j++) {
        keys[i][j] = (byte) (rnd.nextInt(alphabet) - 128); // bytes >= 0x80 too: unsigned order matters
      }
    }
    if (seed % 5 == 0) { // already sorted, or reversed
      Integer[] order = items.clone();
      Arrays.sort(order, Comparator.comparing((Integer i) -> keys[i], Arrays::compareUnsigned));
      byte[][] sortedKeys = new byte[n][];
      for (int i = 0; i < n; i++) {
        sortedKeys[seed % 10 == 0 ? i : n - 1 - i] = keys[order[i]];
      }
      System.arraycopy(sortedKeys, 0, keys, 0, n);
    }
    byte[][] original = keys.clone();
    Integer[] expected = items.clone();
    Arrays.sort(expected, Comparator.comparing((Integer i) -> original[i], Arrays::compareUnsigned));

    KeySort.sort(items, keys);

    assertThat(items).as("n %d, alphabet %d", n, alphabet).containsExactly(expected);
    for (int i = 0; i < n; i++) {
      assertThat(keys[i]).isSameAs(original[items[i]]);
    }
  }

  @Test
  void sort_keysAndItemsOfDifferentLengths_throws() {
    assertThatThrownBy(() -> KeySort.sort(new Object[2], new byte[3][])).isInstanceOf(IllegalArgumentException.class);
  }
}
