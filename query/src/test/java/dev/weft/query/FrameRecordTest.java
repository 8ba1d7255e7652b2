package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A frame's dependency record: read order kept, and no array shared between the records it hands out. */
class FrameRecordTest {

  @Test
  void depsArray_everySizeUpTo40_theReadsInOrder() {
    for (int n = 0; n <= 40; n++) {
      Frame f = new Frame(null, null, null);
      List<Object> reads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Object d = "d" + i;
        reads.add(d);
        f.record(d);
      }
      assertThat(f.depsArray()).as("%d reads", n).containsExactlyElementsOf(reads);
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void depsArray_roundsOfOneFrame_earlierRecordsUnchanged(long seed) {
    Random random = new Random(seed);
    Frame f = new Frame(null, null, null);
    List<Object[]> handed = new ArrayList<>();
    List<List<Object>> expected = new ArrayList<>();
    for (int round = 0; round < 50; round++) {
      f.resetDeps(); // what a fixpoint round does before running the body again
      int n = random.nextInt(10);
      List<Object> reads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Object d = round + ":" + i;
        reads.add(d);
        f.record(d);
      }
      handed.add(f.depsArray());
      expected.add(reads);
    }
    for (int round = 0; round < handed.size(); round++) {
      assertThat(handed.get(round)).as("round %d", round).containsExactlyElementsOf(expected.get(round));
    }
  }
}
