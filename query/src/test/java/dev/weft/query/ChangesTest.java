package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The revision summaries against a model that keeps every revision, and the snapshots' immutability. */
@Timeout(60)
class ChangesTest {
  private static final int LEVELS = Durability.values().length;

  /** Every revision ever made, and what {@link Changes} promises to answer from the last window of them. */
  private static final class Model {
    final List<long[]> revisions = new ArrayList<>(); // stamp, bits, durability
    final long[] lastChanged = new long[LEVELS];

    void next(long stamp, long bits, int durability) {
      revisions.add(new long[] {stamp, bits, durability});
      for (int d = 0; d <= durability; d++) {
        lastChanged[d] = stamp;
      }
    }

    boolean unchangedSince(int durability, long inputs, long since) {
      if (lastChanged[durability] <= since) {
        return true;
      }
      long changed = 0;
      int newer = 0;
      for (long[] r : revisions) {
        if (r[0] > since) {
          changed |= r[1];
          newer++;
        }
      }
      return newer < Changes.WINDOW && (changed & inputs) == 0; // older than the window: anything may have changed
    }
  }

  static Stream<Long> seeds() {
    return LongStream.range(0, 12).map(i -> 0x5EEDL * 31 + i).boxed();
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void randomRevisions_answerAsAModelKeepingEveryRevision(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    Changes c = Changes.NONE;
    Model model = new Model();
    List<Changes> snapshots = new ArrayList<>();
    List<Model> snapshotModels = new ArrayList<>();
    long stamp = 1 + rnd.nextInt(100);
    int revisions = 1 + rnd.nextInt(6 * Changes.WINDOW);
    for (int i = 0; i < revisions; i++) {
      stamp += 1 + rnd.nextInt(3); // stamps are shared by engines: they grow with gaps
      long bits = rnd.nextInt(4) == 0 ? 0 : 1L << rnd.nextInt(64) | (rnd.nextBoolean() ? 1L << rnd.nextInt(64) : 0);
      int durability = rnd.nextInt(LEVELS + 1) - 1;
      c = c.next(stamp, bits, durability);
      model.next(stamp, bits, durability);
      checkAgainst(rnd, c, model, stamp, seed, i);
      if (rnd.nextInt(40) == 0) {
        snapshots.add(c);
        Model copy = new Model();
        copy.revisions.addAll(model.revisions);
        System.arraycopy(model.lastChanged, 0, copy.lastChanged, 0, LEVELS);
        snapshotModels.add(copy);
      }
    }
    for (int s = 0; s < snapshots.size(); s++) { // a snapshot held by an evaluation never moves
      Model m = snapshotModels.get(s);
      checkAgainst(rnd, snapshots.get(s), m, m.revisions.getLast()[0], seed, -s);
    }
  }

  private static void checkAgainst(SplittableRandom rnd, Changes c, Model model, long stamp, long seed, int step) {
    for (int q = 0; q < 40; q++) {
      int durability = rnd.nextInt(LEVELS);
      long inputs = rnd.nextInt(8) == 0 ? -1L : 1L << rnd.nextInt(64);
      long since = Math.max(0, stamp - rnd.nextInt(3 * Changes.WINDOW));
      assertThat(c.unchangedSince(durability, inputs, since))
          .as("seed %d step %d: durability %d inputs %x since %d", seed, step, durability, inputs, since)
          .isEqualTo(model.unchangedSince(durability, inputs, since));
      assertThat(c.classUnchangedSince(durability, since)).isEqualTo(model.lastChanged[durability] <= since);
    }
  }
}
