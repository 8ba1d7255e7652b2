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

/** Durability classes and the input filter: stale memos that no change reached are current in O(1). */
@Timeout(60)
class DurabilityTest {

  @Test
  void get_afterLowChange_memoThatReadOnlyHighInputsCurrentWithoutWalking() {
    Input<Integer, Integer> lib = Query.input("lib");
    Input<String, String> file = Query.input("file");
    AtomicInteger runs = new AtomicInteger();
    @SuppressWarnings("unchecked")
    Query<Integer, Integer>[] self = new Query[1];
    Query<Integer, Integer> chain = Query.of("chain", (ctx, k) -> {
      runs.incrementAndGet();
      return k == 0 ? ctx.get(lib, 0) : ctx.get(lib, k) + ctx.get(self[0], k - 1);
    });
    self[0] = chain;
    Query<String, Integer> user = Query.of("user", (ctx, k) -> ctx.get(file, k).length() + ctx.get(chain, 50));
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int i = 0; i <= 50; i++) {
        e.set(lib, i, i, Durability.HIGH);
      }
      e.set(file, "A", "abc");
      assertThat(e.get(user, "A")).isEqualTo(3 + 1275);
      e.set(file, "A", "abcd"); // a LOW change
      runs.set(0);
      EngineStats before = e.stats();
      assertThat(e.get(chain, 50)).isEqualTo(1275);
      EngineStats after = e.stats();
      assertThat(after.verifications() - before.verifications()).as("current by its class: no walk").isZero();
      assertThat(after.hits() - before.hits()).as("chain(50) alone, by its durability").isEqualTo(1);
      assertThat(e.get(user, "A")).isEqualTo(4 + 1275);
      assertThat(e.stats().verifications() - after.verifications())
          .as("user(A), which re-executes, and chain(50): a read in a body stamps it").isEqualTo(2);
      assertThat(runs).hasValue(0);
    }
  }

  /**
   * A read from outside bodies leaves a memo current by its class unstamped: later LOW revisions keep it
   * current (a hit each time), and a later change of its own class is still seen.
   */
  @Test
  void get_outsideReadsAcrossManyLowRevisions_highChangeStillSeen() {
    Input<Integer, Integer> lib = Query.input("lib");
    Input<Integer, Integer> file = Query.input("file");
    AtomicInteger runs = new AtomicInteger();
    Query<Integer, Integer> twice = Query.of("twice", (ctx, k) -> {
      runs.incrementAndGet();
      return ctx.get(lib, k) * 2;
    });
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(lib, 1, 5, Durability.HIGH);
      assertThat(e.get(twice, 1)).isEqualTo(10);
      for (int i = 0; i < 3 * Changes.WINDOW; i++) { // past the filter's window: the class alone decides
        e.set(file, 0, i);
        assertThat(e.get(twice, 1)).isEqualTo(10);
        assertThat(e.get(twice, 1)).isEqualTo(10);
      }
      assertThat(runs).hasValue(1);
      e.set(lib, 1, 6, Durability.HIGH);
      assertThat(e.get(twice, 1)).isEqualTo(12);
      assertThat(runs).hasValue(2);
      e.set(file, 0, -1);
      assertThat(e.get(twice, 1)).isEqualTo(12);
      assertThat(runs).hasValue(2);
    }
  }

  /**
   * Platform threads read memos current by their class while a writer alternates LOW sets with HIGH changes:
   * a read that starts after a set returned never sees a value older than that set (no stale value), and
   * each reader's values never go back.
   */
  @Test
  @Timeout(120)
  void get_platformReadersDuringSets_neverStale() throws Exception {
    Input<Integer, Integer> lib = Query.input("lib");
    Input<Integer, Integer> file = Query.input("file");
    Query<Integer, Integer> twice = Query.of("twice", (ctx, k) -> ctx.get(lib, k) * 2);
    int keys = 16;
    int rounds = 300;
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int k = 0; k < keys; k++) {
        e.set(lib, k, 0, Durability.HIGH);
      }
      java.util.concurrent.atomic.AtomicLong published = new java.util.concurrent.atomic.AtomicLong();
      java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
      List<Thread> readers = new ArrayList<>();
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int t = 0; t < 2; t++) {
        Thread th = Thread.ofPlatform().start(() -> {
          int[] last = new int[keys];
          try {
            while (!done.get()) {
              for (int k = 0; k < keys; k++) {
                long floor = published.get();
                int v = e.get(twice, k);
                assertThat(v).as("key %d", k).isGreaterThanOrEqualTo((int) (2 * floor));
                assertThat(v).as("key %d never goes back", k).isGreaterThanOrEqualTo(last[k]);
                last[k] = v;
              }
            }
          } catch (CancelledException ignored) {
            // a read overlapping a set may be cancelled: the next one starts afresh
          } catch (Throwable x) {
            failures.add(x);
          }
        });
        readers.add(th);
      }
      for (int r = 1; r <= rounds && failures.isEmpty(); r++) {
        for (int i = 0; i < 3; i++) {
          e.set(file, 0, r * 10 + i); // LOW revisions: the readers' memos stay current by class
        }
        int round = r;
        e.update(tx -> {
          for (int k = 0; k < keys; k++) {
            tx.set(lib, k, round, Durability.HIGH);
          }
        });
        published.set(r);
      }
      done.set(true);
      for (Thread th : readers) {
        th.join();
      }
      assertThat(failures).isEmpty();
      for (int k = 0; k < keys; k++) {
        assertThat(e.get(twice, k)).isEqualTo(2 * rounds);
      }
    }
  }

  /** Lowering an input's durability must reach the memos that read it, even though its value is the same. */
  @Test
  void set_durabilityLoweredThenValueChanged_readersRecompute() {
    Input<Integer, Integer> lib = Query.input("lib");
    Query<Integer, Integer> twice = Query.of("twice", (ctx, k) -> ctx.get(lib, k) * 2);
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(lib, 1, 5, Durability.HIGH);
      assertThat(e.get(twice, 1)).isEqualTo(10);
      long rev = e.revision();
      e.set(lib, 1, 5, Durability.LOW); // same value, lower durability: a revision in which no value changed
      assertThat(e.revision()).isEqualTo(rev + 1);
      assertThat(e.get(twice, 1)).isEqualTo(10);
      e.set(lib, 1, 6); // a LOW change: twice(1), now LOW itself, must see it
      assertThat(e.get(twice, 1)).isEqualTo(12);
      e.set(lib, 1, 6, Durability.LOW);
      assertThat(e.revision()).as("same value, same durability: no revision").isEqualTo(rev + 2);
    }
  }

  /** A HIGH input changing counts as a change for LOW memos too. */
  @Test
  void set_highInputChanges_lowMemosReadingItRecompute() {
    Input<Integer, Integer> lib = Query.input("lib");
    Input<Integer, Integer> file = Query.input("file");
    Query<Integer, Integer> both = Query.of("both", (ctx, k) -> ctx.get(lib, k) + ctx.get(file, k));
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(lib, 1, 100, Durability.HIGH);
      e.set(file, 1, 1);
      assertThat(e.get(both, 1)).isEqualTo(101);
      e.set(lib, 1, 200, Durability.HIGH);
      assertThat(e.get(both, 1)).isEqualTo(201);
    }
  }

  static Stream<Long> seeds() {
    return IntStream.range(0, 24).mapToObj(i -> 0xD0AB1E5L * (i + 1));
  }

  /**
   * Random programs over inputs of random durabilities, edited by random sets, removes and transactions over
   * more revisions than the input filter's window: after every edit every derived value equals a fresh
   * engine's from-scratch value.
   */
  @ParameterizedTest
  @MethodSource("seeds")
  void randomEdits_everyValueEqualsFromScratch(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int inputs = 150;
    int derived = 120;
    Input<Integer, Integer> in = Query.input("in");
    List<int[]> reads = new ArrayList<>(); // per derived query: inputs (>= 0) and lower derived (< 0: ~index)
    for (int d = 0; d < derived; d++) {
      int n = 1 + rnd.nextInt(4);
      int[] r = new int[n];
      for (int i = 0; i < n; i++) {
        r[i] = d > 0 && rnd.nextInt(3) == 0 ? ~rnd.nextInt(d) : rnd.nextInt(inputs);
      }
      reads.add(r);
    }
    Query<Integer, Integer>[] q = program(in, reads);
    Map<Integer, Integer> values = new HashMap<>();
    Map<Integer, Durability> durabilities = new HashMap<>();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int i = 0; i < inputs; i++) {
        Durability dur = Durability.values()[rnd.nextInt(3)];
        int v = rnd.nextInt(5);
        e.set(in, i, v, dur);
        values.put(i, v);
        durabilities.put(i, dur);
      }
      for (int step = 0; step < 90; step++) {
        int kind = rnd.nextInt(10);
        if (kind < 6) {
          int i = rnd.nextInt(inputs);
          int v = rnd.nextInt(5);
          Durability dur = Durability.values()[rnd.nextInt(3)];
          e.set(in, i, v, dur);
          values.put(i, v);
        } else if (kind < 7) {
          int i = rnd.nextInt(inputs);
          e.remove(in, i);
          values.remove(i);
        } else {
          Map<Integer, Integer> batch = new HashMap<>();
          for (int k = 0; k < 1 + rnd.nextInt(6); k++) {
            batch.put(rnd.nextInt(inputs), rnd.nextInt(5));
          }
          e.update(tx -> batch.forEach((i, v) -> tx.set(in, i, v, Durability.values()[Math.abs(i) % 3])));
          values.putAll(batch);
        }
        // read a random subset, as a user would, then compare everything
        for (int k = 0; k < 10; k++) {
          read(e, q[rnd.nextInt(derived)], 0);
        }
        Map<Integer, Object> expected = fromScratch(in, reads, values);
        for (int d = 0; d < derived; d++) {
          assertThat(read(e, q[d], 0)).as("seed %d step %d d%d", seed, step, d).isEqualTo(expected.get(d));
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static Query<Integer, Integer>[] program(Input<Integer, Integer> in, List<int[]> reads) {
    Query<Integer, Integer>[] q = new Query[reads.size()];
    for (int d = 0; d < reads.size(); d++) {
      int[] r = reads.get(d);
      q[d] = Query.of("d" + d, (ctx, k) -> {
        int sum = 0;
        for (int x : r) {
          sum += x >= 0 ? ctx.get(in, x) : ctx.get(q[~x], 0);
        }
        return sum % 97;
      });
    }
    return q;
  }

  private static Map<Integer, Object> fromScratch(Input<Integer, Integer> in, List<int[]> reads,
      Map<Integer, Integer> values) {
    Query<Integer, Integer>[] fresh = program(in, reads);
    Map<Integer, Object> out = new HashMap<>();
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.update(tx -> tx.setAll(in, values));
      for (int d = 0; d < fresh.length; d++) {
        out.put(d, read(e, fresh[d], 0));
      }
    }
    return out;
  }

  private static Object read(QueryEngine e, Query<Integer, Integer> q, int key) {
    try {
      return e.get(q, key);
    } catch (MissingInputException m) {
      return "missing";
    }
  }
}
