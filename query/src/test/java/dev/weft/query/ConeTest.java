package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exact dirty cone ({@link Cone}): after an edit, a memo whose dependencies no change reached is current
 * without walking them, with many more inputs than the input filter has bits; and whatever the records do
 * between revisions (dependencies that change with the inputs, removals, durability changes, transactions),
 * no read is ever stale.
 */
@Timeout(120)
class ConeTest {
  static final int FILES = 512;
  static final int DEPTH = 12;

  /** file(i) → level(DEPTH, i) → ... → level(1, i) → file(i); total = sum of level(DEPTH, i) over a getAll. */
  private static final class Chains {
    final Input<Integer, Integer> file = Query.input("file");
    final Query<Long, Integer> level;
    final Query<String, Integer> total;
    final AtomicInteger runs = new AtomicInteger();

    Chains() {
      @SuppressWarnings("unchecked")
      Query<Long, Integer>[] self = new Query[1];
      level = Query.of("level", (ctx, k) -> {
        runs.incrementAndGet();
        int depth = (int) (k >>> 32);
        int i = (int) (long) k;
        return depth == 1 ? ctx.get(file, i) + 1 : ctx.get(self[0], key(depth - 1, i)) + 1;
      });
      self[0] = level;
      total = Query.of("total", (ctx, k) -> {
        List<Long> keys = new ArrayList<>(FILES);
        for (int i = 0; i < FILES; i++) {
          keys.add(key(DEPTH, i));
        }
        int sum = 0;
        for (int v : ctx.getAll(level, keys)) {
          sum += v;
        }
        return sum;
      });
    }

    static long key(int depth, int i) {
      return ((long) depth << 32) | i;
    }

    /** Verifications of one edit of file 7, read through total. */
    long verificationsOfOneEdit(QueryEngine e) {
      for (int i = 0; i < FILES; i++) {
        e.set(file, i, i);
      }
      assertThat(e.get(total, "")).isEqualTo(expected(7));
      e.set(file, 7, 1000); // the first revision after the evaluation builds the index
      assertThat(e.get(total, "")).isEqualTo(expected(1000));
      runs.set(0);
      EngineStats before = e.stats();
      e.set(file, 7, 2000);
      assertThat(e.get(total, "")).isEqualTo(expected(2000));
      assertThat(runs).as("the edited chain only").hasValue(DEPTH);
      return e.stats().verifications() - before.verifications();
    }

    static int expected(int seven) {
      int sum = 0;
      for (int i = 0; i < FILES; i++) {
        sum += (i == 7 ? seven : i) + DEPTH;
      }
      return sum;
    }
  }

  @Test
  void get_afterEdit_chainsOutsideTheConeCurrentWithoutWalkingThem() {
    long withCone;
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      withCone = new Chains().verificationsOfOneEdit(e);
    }
    // Each of the 511 untouched chain heads is verified in O(1), the edited chain walked once, total once.
    assertThat(withCone).isLessThanOrEqualTo(FILES - 1 + 2L * DEPTH + 2);

    long filterOnly;
    Query<Integer, Integer> lru = Query.<Integer, Integer>builder("lru").lru(4).build((ctx, k) -> k);
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      assertThat(e.get(lru, 1)).isEqualTo(1); // an LRU table turns the cone off: the input filter alone
      filterOnly = new Chains().verificationsOfOneEdit(e);
    }
    // 512 files share 64 filter bits: the chains whose file shares 7's bit are walked to the bottom.
    assertThat(filterOnly).isGreaterThan(withCone + DEPTH);
  }

  @Test
  void get_afterEditBeforeAnyIndex_noStaleValueAndIndexBuiltLater() {
    Chains c = new Chains();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int i = 0; i < FILES; i++) {
        e.set(c.file, i, i);
      }
      assertThat(e.get(c.level, Chains.key(DEPTH, 3))).isEqualTo(3 + DEPTH);
      e.set(c.file, 3, 50);
      assertThat(e.get(c.level, Chains.key(DEPTH, 3))).isEqualTo(50 + DEPTH);
      assertThat(e.get(c.total, "")).isEqualTo(Chains.expected(7) - 3 + 50);
      e.set(c.file, 3, 3);
      e.set(c.file, 7, 9);
      assertThat(e.get(c.total, "")).isEqualTo(Chains.expected(9));
      assertThat(e.get(c.level, Chains.key(DEPTH, 3))).isEqualTo(3 + DEPTH);
    }
  }

  @Test
  void evaluate_afterEditThatChangesNoReport_reusesTheLastCollection() {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
      int v = ctx.get(in, k);
      if (v < 0) {
        ctx.report(Diagnostic.warning("leaf " + k + " is " + v));
      }
      return v;
    });
    Query<String, Integer> root = Query.of("root", (ctx, k) -> {
      int sum = 0;
      for (int v : ctx.getAll(leaf, List.of(0, 1, 2, 3))) {
        sum += v;
      }
      return sum;
    });
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.update(tx -> tx.setAll(in, Map.of(0, -1, 1, 1, 2, -2, 3, 3)));
      List<Diagnostic> first = e.evaluate(root, "").diagnostics();
      assertThat(first).extracting(Diagnostic::message).containsExactly("leaf 0 is -1", "leaf 2 is -2");
      e.set(in, 1, 10); // leaf 1 and root re-execute; no report changes
      Evaluation<Integer> second = e.evaluate(root, "");
      assertThat(second.value()).isEqualTo(10);
      assertThat(second.diagnostics()).isSameAs(first);
      e.set(in, 2, -3); // leaf 2 reports another message
      assertThat(e.evaluate(root, "").diagnostics()).extracting(Diagnostic::message)
          .containsExactly("leaf 0 is -1", "leaf 2 is -3");
      e.set(in, 3, -4); // leaf 3 starts reporting
      assertThat(e.evaluate(root, "").diagnostics()).extracting(Diagnostic::message)
          .containsExactly("leaf 0 is -1", "leaf 2 is -3", "leaf 3 is -4");
      e.set(in, 0, 5); // leaf 0 stops
      assertThat(e.evaluate(root, "").diagnostics()).extracting(Diagnostic::message)
          .containsExactly("leaf 2 is -3", "leaf 3 is -4");
    }
  }

  // -------------------------------------------------------------------------------------- differential

  static final int INPUTS = 160;
  static final int PICKS = 48;
  static final int SUMS = 24;

  static Stream<Object[]> seeds() {
    SplittableRandom r = new SplittableRandom(0xc0e);
    List<Object[]> out = new ArrayList<>();
    for (Modes.Mode m : Modes.some()) {
      out.add(new Object[] {m, r.nextLong()});
    }
    return out.stream();
  }

  /**
   * A program whose records change with the inputs: pick(k) reads sel(k), then one of two inputs it names;
   * sum(k) reads a few picks, and above its own threshold also sum(k - 1); top reads every sum through a
   * getAll. Random revisions (values, removals, durability changes, several writes in one transaction), each
   * followed by random reads from outside and in a body, compared with the same functions computed from the
   * inputs directly.
   */
  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("seeds")
  void get_randomEditsWithChangingRecords_equalToFromScratch(Modes.Mode mode, long seed) {
    randomEdits(mode, seed, false);
  }

  /** The same programs on engines whose cone is off (an LRU table): the durability and filter checks alone. */
  @ParameterizedTest(name = "{0}, seed {1}")
  @MethodSource("seeds")
  void get_randomEditsConeOff_equalToFromScratch(Modes.Mode mode, long seed) {
    randomEdits(mode, seed, true);
  }

  void randomEdits(Modes.Mode mode, long seed, boolean coneOff) {
    Input<Integer, Integer> in = Query.input("in");
    Input<Integer, Integer> sel = Query.input("sel");
    Query<Integer, Integer> pick = Query.of("pick", (ctx, k) -> {
      int s = ctx.get(sel, k);
      try {
        int v = ctx.get(in, Math.floorMod(s, INPUTS));
        if (v % 7 == 0) {
          ctx.report(Diagnostic.warning("pick " + k + " is " + v));
        }
        return v;
      } catch (MissingInputException missing) {
        ctx.report(Diagnostic.error("pick " + k + " reads nothing"));
        return -1; // a removed input reads as never set
      }
    });
    @SuppressWarnings("unchecked")
    Query<Integer, Integer>[] sumSelf = new Query[1];
    Query<Integer, Integer> sum = Query.of("sum", (ctx, k) -> {
      int a = ctx.get(pick, k % PICKS) + ctx.get(pick, (k * 7 + 3) % PICKS);
      if (a > 60) {
        ctx.report(Diagnostic.info("sum " + k + " over 60"));
      }
      return a > 50 && k > 0 ? a + ctx.get(sumSelf[0], k - 1) : a;
    });
    sumSelf[0] = sum;
    Query<String, Integer> top = Query.of("top", (ctx, k) -> {
      List<Integer> keys = IntStream.range(0, SUMS).boxed().toList();
      int t = 0;
      for (int v : ctx.getAll(sum, keys)) {
        t = t * 31 + v;
      }
      return t;
    });
    SplittableRandom r = new SplittableRandom(seed);
    Map<Integer, Integer> ins = new HashMap<>();
    Map<Integer, Integer> sels = new HashMap<>();
    try (Scheduler s = mode.scheduler(); QueryEngine e = mode.engine(s)) {
      if (coneOff) {
        e.get(Query.<Integer, Integer>builder("lru").lru(4).build((ctx, k) -> k), 0);
      }
      e.update(tx -> {
        for (int i = 0; i < INPUTS; i++) {
          if (r.nextInt(8) != 0) {
            ins.put(i, r.nextInt(40));
            tx.set(in, i, ins.get(i), Durability.values()[r.nextInt(3)]);
          }
        }
        for (int k = 0; k < PICKS; k++) {
          sels.put(k, r.nextInt(INPUTS));
          tx.set(sel, k, sels.get(k));
        }
      });
      for (int round = 0; round < 30; round++) {
        int reads = 1 + r.nextInt(6);
        for (int i = 0; i < reads; i++) {
          if (r.nextInt(4) == 0) {
            assertThat(e.get(top, "")).as("round %d: top", round).isEqualTo(top(ins, sels));
          } else if (r.nextInt(3) == 0) {
            Evaluation<Integer> ev = e.evaluate(top, "");
            assertThat(ev.value()).as("round %d: evaluate(top)", round).isEqualTo(top(ins, sels));
            assertThat(ev.diagnostics()).as("round %d: diagnostics of top", round)
                .isEqualTo(fromScratch(top, sel, in, ins, sels));
          } else {
            int k = r.nextInt(SUMS);
            assertThat(e.get(sum, k)).as("round %d: sum(%d)", round, k).isEqualTo(sum(ins, sels, k));
          }
        }
        int writes = 1 + r.nextInt(r.nextBoolean() ? 2 : 6);
        e.update(tx -> {
          for (int w = 0; w < writes; w++) {
            switch (r.nextInt(5)) {
              case 0 -> {
                int k = r.nextInt(PICKS);
                sels.put(k, r.nextInt(INPUTS));
                tx.set(sel, k, sels.get(k));
              }
              case 1 -> {
                int i = r.nextInt(INPUTS);
                ins.remove(i);
                tx.remove(in, i);
              }
              case 2 -> {
                int i = r.nextInt(INPUTS);
                if (ins.containsKey(i)) {
                  tx.set(in, i, ins.get(i), Durability.values()[r.nextInt(3)]); // durability only
                }
              }
              default -> {
                int i = r.nextInt(INPUTS);
                ins.put(i, r.nextInt(40));
                tx.set(in, i, ins.get(i), Durability.values()[r.nextInt(3)]);
              }
            }
          }
        });
      }
      assertThat(e.get(top, "")).isEqualTo(top(ins, sels));
    }
  }

  /** The diagnostics of {@code top} on a fresh engine with the same inputs. */
  private static List<Diagnostic> fromScratch(Query<String, Integer> top, Input<Integer, Integer> sel,
      Input<Integer, Integer> in, Map<Integer, Integer> ins, Map<Integer, Integer> sels) {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.update(tx -> {
        tx.setAll(in, ins);
        tx.setAll(sel, sels);
      });
      return e.evaluate(top, "").diagnostics();
    }
  }

  private static int pick(Map<Integer, Integer> ins, Map<Integer, Integer> sels, int k) {
    Integer v = ins.get(Math.floorMod(sels.get(k), INPUTS));
    return v == null ? -1 : v;
  }

  private static int sum(Map<Integer, Integer> ins, Map<Integer, Integer> sels, int k) {
    int a = pick(ins, sels, k % PICKS) + pick(ins, sels, (k * 7 + 3) % PICKS);
    return a > 50 && k > 0 ? a + sum(ins, sels, k - 1) : a;
  }

  private static int top(Map<Integer, Integer> ins, Map<Integer, Integer> sels) {
    int t = 0;
    for (int k = 0; k < SUMS; k++) {
      t = t * 31 + sum(ins, sels, k);
    }
    return t;
  }
}
