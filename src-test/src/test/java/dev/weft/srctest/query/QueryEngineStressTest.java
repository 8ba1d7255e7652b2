package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.CancelledException;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many threads hammering one engine: virtual-thread tasks and platform threads reading through
 * {@code get}, {@code getAll} and {@code evaluate} while a writer calls {@code set}. Afterwards:
 * <ul>
 *   <li>every value a reader got equals the sequential answer for the inputs of some revision between the
 *       start and the end of its call (nothing stale is returned);</li>
 *   <li>the only exception readers see is {@link CancelledException}, from a {@code set} cancelling an
 *       evaluation in flight;</li>
 *   <li>the engine, read again once quiet, agrees with the final inputs everywhere.</li>
 * </ul>
 * Sizes scale with {@code -Dweft.stressFactor} (the soak profile raises it).
 */
@Timeout(120)
class QueryEngineStressTest {
  static final int FACTOR = Integer.getInteger("weft.stressFactor", 1);
  static final int KEYS = 16;
  static final int READS_PER_READER = 5_000 * FACTOR;
  static final int SETS = 500 * FACTOR;
  static final int TASK_READERS = 4;
  static final int PLATFORM_READERS = 2;

  /** One observation: a value read at some point within [before, after] revisions. */
  record Read(String what, long before, long after, Object value) {}

  @Test
  void manyReadersAndOneWriter_readsMatchSomeRevisionAndFinalStateMatches() throws Exception {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer> pair = Query.of("pair", (ctx, k) -> ctx.get(in, k) + ctx.get(in, (k + 1) % KEYS));
    Query<Integer, Integer> total = Query.of("total", (ctx, k) -> {
      int sum = 0;
      for (int v : ctx.getAll(pair, IntStream.range(0, KEYS).boxed().toList())) {
        sum += v;
      }
      return sum;
    });
    Map<Long, int[]> history = new ConcurrentHashMap<>();
    List<Read> reads = new CopyOnWriteArrayList<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    AtomicInteger cancelled = new AtomicInteger();
    try (Scheduler scheduler = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("stress").build()) {
      int[] inputs = new int[KEYS];
      for (int k = 0; k < KEYS; k++) {
        inputs[k] = k;
        engine.set(in, k, k);
      }
      history.put(engine.revision(), inputs.clone());
      int parties = TASK_READERS + PLATFORM_READERS + 1;
      CyclicBarrier start = new CyclicBarrier(parties);

      Runnable reader = () -> {
        SplittableRandom r = new SplittableRandom(Thread.currentThread().threadId());
        List<Read> mine = new ArrayList<>();
        try {
          start.await();
          for (int i = 0; i < READS_PER_READER; i++) {
            long before = engine.revision();
            String what;
            Object value;
            try {
              switch (r.nextInt(4)) {
                case 0 -> {
                  what = "total";
                  value = engine.get(total, 0);
                }
                case 1 -> {
                  int k = r.nextInt(KEYS);
                  what = "pair" + k;
                  value = engine.get(pair, k);
                }
                case 2 -> {
                  what = "pairs";
                  value = engine.getAll(pair, IntStream.range(0, KEYS).boxed().toList());
                }
                default -> {
                  what = "total";
                  var e = engine.evaluate(total, 0);
                  if (e.failure().isPresent()) {
                    throw new AssertionError("evaluate(total) failed", e.failure().get());
                  }
                  value = e.value();
                }
              }
            } catch (CancelledException e) {
              cancelled.incrementAndGet();
              continue;
            }
            mine.add(new Read(what, before, engine.revision(), value));
          }
        } catch (Throwable t) {
          unexpected.add(t);
        } finally {
          reads.addAll(mine);
        }
      };
      List<Task<Void>> tasks = new ArrayList<>();
      for (int i = 0; i < TASK_READERS; i++) {
        tasks.add(scheduler.spawn("reader-" + i, () -> {
          reader.run();
          return null;
        }));
      }
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < PLATFORM_READERS; i++) {
        threads.add(Thread.ofPlatform().name("platform-reader-" + i).start(reader));
      }
      Thread writer = Thread.ofPlatform().name("writer").start(() -> {
        SplittableRandom r = new SplittableRandom(42);
        try {
          start.await();
          for (int i = 0; i < SETS; i++) {
            int k = r.nextInt(KEYS);
            int v = r.nextInt(1000);
            engine.set(in, k, v);
            inputs[k] = v;
            history.put(engine.revision(), inputs.clone());
          }
        } catch (Throwable t) {
          unexpected.add(t);
        }
      });
      for (Task<Void> t : tasks) {
        t.join();
      }
      for (Thread t : threads) {
        t.join();
      }
      writer.join();
      assertThat(unexpected).isEmpty();

      // Every read matches the inputs of a revision within its call.
      List<String> stale = new ArrayList<>();
      for (Read read : reads) {
        boolean ok = false;
        for (long rev = read.before(); rev <= read.after() && !ok; rev++) {
          int[] at = history.get(rev);
          ok = at != null && expected(read.what(), at).equals(read.value());
        }
        if (!ok) {
          stale.add(read.toString());
        }
      }
      assertThat(stale).as("reads matching no revision within their call").isEmpty();

      // Quiet again: everything agrees with the final inputs.
      int[] last = history.get(engine.revision());
      assertThat(last).isEqualTo(inputs);
      assertThat(engine.get(total, 0)).isEqualTo(expected("total", inputs));
      for (int k = 0; k < KEYS; k++) {
        assertThat(engine.get(pair, k)).isEqualTo(expected("pair" + k, inputs));
      }
      assertThat(reads.size() + cancelled.get() + 0L)
          .isEqualTo((long) READS_PER_READER * (TASK_READERS + PLATFORM_READERS));
    }
  }

  // A cycle that exists only while in(0) is even: a(k) reads in(0) and, if even, b(k); b(k) reads a(k).
  // a has a fallback, b has none. Readers hammer a, b and an off-cycle reader while a writer flips in(0).
  @Test
  void cycleFlippedBySets_readersSeeTheOutcomeOfSomeRevisionInTheirCall() throws Exception {
    Input<Integer, Integer> in = Query.input("in");
    Query<Integer, Integer>[] b = holder();
    Query<Integer, Integer> a = Query.<Integer, Integer>of("a", (ctx, k) -> {
      int v = ctx.get(in, 0);
      return v % 2 == 0 ? 1 + ctx.get(b[0], k) : k + v;
    }).withCycleFallback((k, cycle) -> -k);
    b[0] = Query.of("b", (ctx, k) -> 2 * ctx.get(a, k));
    Query<Integer, Integer> reader = Query.of("reader", (ctx, k) -> {
      try {
        return 1000 + ctx.get(b[0], k);
      } catch (dev.weft.query.CycleException e) {
        return -1000;
      }
    });
    Map<Long, Integer> history = new ConcurrentHashMap<>();
    List<Read> reads = new CopyOnWriteArrayList<>();
    List<Throwable> unexpected = new CopyOnWriteArrayList<>();
    AtomicInteger cancelled = new AtomicInteger();
    try (Scheduler scheduler = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("stress-cycle").build()) {
      engine.set(in, 0, 1);
      history.put(engine.revision(), 1);
      CyclicBarrier start = new CyclicBarrier(TASK_READERS + 1);
      List<Task<Void>> tasks = new ArrayList<>();
      for (int i = 0; i < TASK_READERS; i++) {
        long seed = i;
        tasks.add(scheduler.spawn("reader-" + i, () -> {
          SplittableRandom r = new SplittableRandom(seed);
          List<Read> mine = new ArrayList<>();
          try {
            start.await();
            for (int n = 0; n < READS_PER_READER / 2; n++) {
              int k = 1 + r.nextInt(3);
              long before = engine.revision();
              String what = switch (r.nextInt(3)) {
                case 0 -> "a";
                case 1 -> "b";
                default -> "reader";
              };
              Object value;
              try {
                value = engine.get(what.equals("a") ? a : what.equals("b") ? b[0] : reader, k);
              } catch (CancelledException e) {
                cancelled.incrementAndGet();
                continue;
              } catch (RuntimeException e) {
                value = Outcome.of(e);
              }
              mine.add(new Read(what + k, before, engine.revision(), value));
            }
          } catch (Throwable t) {
            unexpected.add(t);
          } finally {
            reads.addAll(mine);
          }
          return null;
        }));
      }
      start.await();
      SplittableRandom r = new SplittableRandom(7);
      for (int i = 0; i < SETS; i++) {
        int v = r.nextInt(100);
        engine.set(in, 0, v);
        history.put(engine.revision(), v);
      }
      for (Task<Void> t : tasks) {
        t.join();
      }
      assertThat(unexpected).isEmpty();
      List<String> wrong = new ArrayList<>();
      for (Read read : reads) {
        boolean ok = false;
        for (long rev = read.before(); rev <= read.after() && !ok; rev++) {
          Integer v = history.get(rev);
          ok = v != null && cycleExpected(read.what(), v).equals(read.value());
        }
        if (!ok) {
          wrong.add(read.toString());
        }
      }
      assertThat(wrong).as("reads matching no revision within their call").isEmpty();
      int last = history.get(engine.revision());
      for (int k = 1; k <= 3; k++) {
        assertThat(engine.get(reader, k)).isEqualTo(cycleExpected("reader" + k, last));
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Query<Integer, Integer>[] holder() {
    return new Query[1];
  }

  private static Object cycleExpected(String what, int in0) {
    int k = what.charAt(what.length() - 1) - '0';
    String q = what.substring(0, what.length() - 1);
    String message = "cycle detected when computing a(" + k + ")\n  ...which requires computing b(" + k
        + ")\n  ...which again requires computing a(" + k + "), completing the cycle";
    boolean cycle = in0 % 2 == 0;
    return switch (q) {
      case "a" -> cycle ? -k : k + in0;
      case "b" -> cycle ? new Outcome.Cycle(message) : 2 * (k + in0);
      default -> cycle ? -1000 : 1000 + 2 * (k + in0);
    };
  }

  private static Object expected(String what, int[] in) {
    if (what.equals("total")) {
      int sum = 0;
      for (int k = 0; k < KEYS; k++) {
        sum += in[k] + in[(k + 1) % KEYS];
      }
      return sum;
    }
    if (what.equals("pairs")) {
      List<Integer> all = new ArrayList<>();
      for (int k = 0; k < KEYS; k++) {
        all.add(in[k] + in[(k + 1) % KEYS]);
      }
      return all;
    }
    int k = Integer.parseInt(what.substring("pair".length()));
    return in[k] + in[(k + 1) % KEYS];
  }
}
