package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The open-addressing memo table and the memo-hit path built on it. */
@Timeout(60)
class MemoTableTest {

  /** Keys whose hash codes collide in every bit the table could use, so they share one probe run. */
  record Colliding(int id) {
    @Override
    public int hashCode() {
      return 42;
    }
  }

  private static Table table(QueryEngine engine) {
    return engine.table(Query.<Object, Object>of("t", (ctx, k) -> k));
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 7, 31, 1024, 65_536, 1L << 32})
  void memo_arithmeticKeys_oneMemoPerKeyAcrossGrowth(long stride) {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Table t = table(e);
      List<Memo> made = new ArrayList<>();
      for (long i = 0; i < 5_000; i++) {
        made.add(t.memo(i * stride));
      }
      assertThat(t.size()).isEqualTo(5_000);
      for (int i = 0; i < 5_000; i++) {
        Long key = i * stride; // a distinct but equal key object
        assertThat(t.find(key)).isSameAs(made.get(i));
        assertThat(t.memo(key)).isSameAs(made.get(i));
      }
      assertThat(t.find(-1L)).isNull();
    }
  }

  @Test
  void memo_collidingHashCodes_foundByEquality() {
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Table t = table(e);
      for (int i = 0; i < 300; i++) {
        t.memo(new Colliding(i));
      }
      assertThat(t.size()).isEqualTo(300);
      for (int i = 0; i < 300; i++) {
        assertThat(t.find(new Colliding(i)).key).isEqualTo(new Colliding(i));
      }
      assertThat(t.find(new Colliding(300))).isNull();
    }
  }

  /** Keys in 64 hash classes: long shared probe runs, so concurrent inserts meet on the same slots. */
  record Clustered(int id) {
    @Override
    public int hashCode() {
      return id % 64;
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void memo_concurrentInsertsAndLookups_everyCallerOfAKeyGetsOneMemo(int seed) throws Exception {
    boolean clustered = seed > 5; // seeds 6-8: clustered keys, fewer of them (every probe run is long)
    // more threads than cores: an insert is descheduled between its reservation and its slot, so a rebuild
    // waits for it to land
    int threads = clustered ? 8 : 4;
    int keys = clustered ? 3_000 : 20_000;
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Table t = table(e);
      CyclicBarrier start = new CyclicBarrier(threads);
      Memo[][] seen = new Memo[threads][keys];
      AtomicReference<Throwable> failure = new AtomicReference<>();
      List<Thread> workers = new ArrayList<>();
      for (int w = 0; w < threads; w++) {
        int me = w;
        Random order = new Random(seed * 31L + w);
        workers.add(Thread.ofPlatform().start(() -> {
          try {
            int[] perm = new int[keys];
            for (int i = 0; i < keys; i++) {
              perm[i] = i;
            }
            for (int i = keys - 1; i > 0; i--) {
              int j = order.nextInt(i + 1);
              int x = perm[i];
              perm[i] = perm[j];
              perm[j] = x;
            }
            start.await();
            for (int i : perm) {
              Object key = clustered ? new Clustered(i) : (Object) i;
              Memo m = t.memo(key);
              // A lock-free lookup may miss a memo another thread is inserting, never return a wrong one.
              Memo f = t.find(key);
              if (f != null && f != m) {
                throw new AssertionError("find returned another memo for " + key);
              }
              seen[me][i] = m;
            }
          } catch (Throwable x) {
            failure.compareAndSet(null, x);
          }
        }));
      }
      for (Thread w : workers) {
        w.join();
      }
      assertThat(failure.get()).isNull();
      IdentityHashMap<Memo, Boolean> distinct = new IdentityHashMap<>();
      for (int i = 0; i < keys; i++) {
        for (int w = 1; w < threads; w++) {
          assertThat(seen[w][i]).as("key %d", i).isSameAs(seen[0][i]);
        }
        Object key = clustered ? new Clustered(i) : (Object) i;
        assertThat(seen[0][i].key).isEqualTo(key);
        assertThat(t.find(key)).isSameAs(seen[0][i]);
        distinct.put(seen[0][i], true);
      }
      assertThat(distinct).hasSize(keys);
      assertThat(t.size()).isEqualTo(keys);
      // every insert that found its key inserted meanwhile gave its reservation back
      assertThat(t.slotsInUse()).isEqualTo(keys);
      assertThat(t.arrayLength()).as("at most half full").isGreaterThanOrEqualTo(2 * keys);
    }
  }

  /**
   * A reader's insert publishes a new memo already claimed for it: readers racing for the same new keys still
   * run each body once, whichever inserts first, on two carriers and in seeded interleavings.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6})
  void get_newKeysReadByManyBodiesAtOnce_eachBodyRunsOnce(int seed) {
    int readers = 48;
    int shared = 300;
    AtomicIntegerArray runs = new AtomicIntegerArray(shared);
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> {
      runs.incrementAndGet(k);
      return k * 2;
    });
    Query<Integer, Integer> reader = Query.of("reader", (ctx, r) -> {
      List<Integer> order = new ArrayList<>();
      for (int k = 0; k < shared; k++) {
        order.add(k);
      }
      Collections.shuffle(order, new Random(seed * 1_000L + r));
      int sum = 0;
      for (int k : order) {
        sum += ctx.get(leaf, k);
      }
      return sum;
    });
    Query<Integer, Integer> root = Query.of("root", (ctx, unused) -> {
      List<Integer> keys = new ArrayList<>();
      for (int r = 0; r < readers; r++) {
        keys.add(r);
      }
      return ctx.getAll(reader, keys).stream().mapToInt(Integer::intValue).sum();
    });
    try (Scheduler s = seed % 2 == 0 ? Scheduler.parallel(2) : Scheduler.deterministic(seed);
        QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      assertThat(e.get(root, 0)).isEqualTo(readers * shared * (shared - 1));
      for (int k = 0; k < shared; k++) {
        assertThat(runs.get(k)).as("leaf %d", k).isEqualTo(1);
      }
      assertThat(e.stats().executions()).isEqualTo(1 + readers + shared);
    }
  }

  @Test
  void table_secondEngine_startsAtTheSizeTheQueryReached() {
    Query<Object, Object> q = Query.of("sized", (ctx, k) -> k);
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      Table t = e.table(q);
      assertThat(t.arrayLength()).isEqualTo(Table.INITIAL);
      for (int i = 0; i < 3_000; i++) {
        t.memo(i);
      }
      int reached = t.arrayLength();
      assertThat(reached).isGreaterThanOrEqualTo(6_000);
      try (QueryEngine next = QueryEngine.builder().scheduler(s).build()) {
        Table u = next.table(q);
        assertThat(u.arrayLength()).as("no doublings again in the next engine").isEqualTo(reached);
        assertThat(u.size()).isZero();
        assertThat(u.find(1)).isNull();
        assertThat(u.memo(1)).isNotSameAs(t.memo(1));
      }
    }
  }

  @Test
  void table_hint_boundedAndNotForLruQueries() {
    Query<Object, Object> big = Query.of("big", (ctx, k) -> k);
    Query<Object, Object> lru = Query.<Object, Object>of("lru-sized", (ctx, k) -> k).withLru(1_000_000);
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int i = 0; i < 100_000; i++) {
        e.table(big).memo(i);
        e.table(lru).memo(i);
      }
      try (QueryEngine next = QueryEngine.builder().scheduler(s).build()) {
        assertThat(next.table(big).arrayLength()).isEqualTo(Table.MAX_HINT);
        assertThat(next.table(lru).arrayLength()).as("an LRU table's memory follows its use").isEqualTo(Table.INITIAL);
      }
    }
  }

  @Test
  void get_oneQueryObjectInTwoEngines_eachEngineSeesItsOwnMemos() {
    Input<String, Integer> base = Query.input("base");
    Query<String, Integer> twice = Query.of("twice", (ctx, k) -> 2 * ctx.get(base, k));
    try (Scheduler s = Scheduler.parallel(1);
        QueryEngine a = QueryEngine.builder().scheduler(s).name("a").build();
        QueryEngine b = QueryEngine.builder().scheduler(s).name("b").build()) {
      a.set(base, "x", 1);
      b.set(base, "x", 100);
      for (int i = 0; i < 3; i++) {
        assertThat(a.get(twice, "x")).isEqualTo(2);
        assertThat(b.get(twice, "x")).isEqualTo(200);
        assertThat(a.get(base, "x")).isEqualTo(1);
        assertThat(b.get(base, "x")).isEqualTo(100);
      }
      // Same revision numbers, different engines: a memo current in one is not current in the other.
      assertThat(a.revision()).isEqualTo(b.revision());
      b.set(base, "x", 7);
      assertThat(a.get(twice, "x")).isEqualTo(2);
      assertThat(b.get(twice, "x")).isEqualTo(14);
      assertThat(a.stats().executions()).isEqualTo(1);
      assertThat(b.stats().executions()).isEqualTo(2);
    }
  }

  @Test
  void stats_hitsFromOneThread_countedExactlyAndNeverDecrease() {
    Query<Integer, Integer> sq = Query.of("sq", (ctx, k) -> k * k);
    Query<Integer, Integer> sum = Query.of("sum", (ctx, n) -> {
      int total = 0;
      for (int i = 0; i < n; i++) {
        total += ctx.get(sq, i % 4);
      }
      return total;
    });
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      for (int i = 0; i < 4; i++) {
        e.get(sq, i);
      }
      long before = e.stats().hits();
      for (int r = 0; r < 1_000; r++) {
        assertThat(e.get(sq, r % 4)).isEqualTo((r % 4) * (r % 4));
      }
      assertThat(e.stats().hits()).isEqualTo(before + 1_000);
      e.get(sum, 10); // ten reads inside a body, all hits
      assertThat(e.stats().hits()).isEqualTo(before + 1_010);
      long last = 0;
      for (int r = 0; r < 100; r++) {
        long now = e.stats().hits();
        assertThat(now).isGreaterThanOrEqualTo(last);
        last = now;
      }
    }
  }

  @Test
  void get_lruQuery_hitsStillStampRecency() {
    AtomicReference<List<Integer>> runs = new AtomicReference<>(new ArrayList<>());
    Query<Integer, Integer> q = Query.<Integer, Integer>of("lru", (ctx, k) -> {
      runs.get().add(k);
      return k;
    }).withLru(2);
    try (Scheduler s = Scheduler.parallel(1); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.get(q, 1);
      e.get(q, 2);
      e.get(q, 1); // a hit: 1 is now more recent than 2
      e.get(q, 3); // evicts 2
      runs.get().clear();
      e.get(q, 1);
      assertThat(runs.get()).isEmpty();
      e.get(q, 2);
      assertThat(runs.get()).containsExactly(2);
      assertThat(q).isInstanceOf(QueryDef.class);
      assertThat(((QueryDef<?, ?>) q).table).as("an LRU query's table is cached; its hits stamp recency too")
          .isNotNull();
    }
  }
}
