package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Pipeline.StageFunction;
import dev.weft.flow.Schedulers.Config;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class PipelineTest {
  private static final String ALL = "dev.weft.flow.Schedulers#all";
  /** Scales every per-item delay below (real time on parallel schedulers, virtual time on deterministic ones). */
  private static final int DELAY_SCALE = 1;
  /** Upper bound of the random per-item delay of a slow replicated stage. */
  private static final int ITEM_DELAY_NANOS = 20_000 * DELAY_SCALE;
  /** Per-item delay of a slow sink. */
  private static final Duration SINK_DELAY = Duration.ofNanos(2_000L * DELAY_SCALE);

  private static List<Integer> range(int n) {
    return IntStream.range(0, n).boxed().toList();
  }

  /** A per-item delay in [0, maxNanos), a pure function of the item so runs are comparable. */
  private static Duration delay(int item, int maxNanos) {
    int h = item * 0x9E3779B9;
    h ^= h >>> 16;
    return Duration.ofNanos(Math.floorMod(h, maxNanos));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void toList_everyShape_producesExpectedItems(Config config) {
    Scheduler s = config.create();
    try {
      List<String> out = Pipeline.from(range(1000))
          .map(x -> x + 1)
          .filter(x -> x % 2 == 0)
          .flatMap((Integer x, Outbox<Integer> o) -> {
            o.push(x);
            o.push(-x);
          })
          .batch(3)
          .transform((Inbox<List<Integer>> in, Outbox<String> o) -> {
            for (List<Integer> b : in) {
              o.push(b.size() + ":" + b.stream().mapToInt(Integer::intValue).sum());
            }
          })
          .buffer(5)
          .map(x -> "<" + x + ">")
          .toList(s);
      // Reference: the same steps on a plain list.
      List<Integer> flat = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        int x = i + 1;
        if (x % 2 == 0) {
          flat.add(x);
          flat.add(-x);
        }
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < flat.size(); i += 3) {
        List<Integer> b = flat.subList(i, Math.min(flat.size(), i + 3));
        expected.add("<" + b.size() + ":" + b.stream().mapToInt(Integer::intValue).sum() + ">");
      }
      assertThat(out).isEqualTo(expected);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void generate_pushingSource_feedsStages(Config config) {
    Scheduler s = config.create();
    try {
      List<String> out = Pipeline.<Integer>generate(o -> {
        for (int i = 0; i < 100; i++) {
          o.push(i);
        }
      }).map(String::valueOf).buffer(1).toList(s);
      assertThat(out).isEqualTo(range(100).stream().map(String::valueOf).toList());
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void map_replicatedWithRandomDelays_keepsInputOrder(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> out = Pipeline.from(range(2000))
          .buffer(8)
          .map(4, x -> {
            s.sleep(delay(x, ITEM_DELAY_NANOS));
            return x;
          })
          .map(3, x -> {
            if (x % 3 == 0) {
              Thread.yield();
            }
            return x * 2;
          })
          .toList(s);
      assertThat(out).isEqualTo(range(2000).stream().map(x -> x * 2).toList());
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void mapUnordered_randomDelays_deliversEveryItemOnce(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> out = Pipeline.from(range(2000))
          .buffer(4)
          .mapUnordered(4, x -> {
            s.sleep(delay(x, ITEM_DELAY_NANOS));
            return x;
          })
          .toList(s);
      assertThat(out).containsExactlyInAnyOrderElementsOf(range(2000));
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void fork_twoBranches_everyItemToEveryBranchAndBranchOrderKept(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> out = Pipeline.from(range(1, 3000))
          .fork(p -> p.map(x -> x * 2), p -> p.buffer(3).filter(x -> x % 5 == 0).map(x -> -x))
          .toList(s);
      List<Integer> positive = out.stream().filter(x -> x > 0).toList();
      List<Integer> negative = out.stream().filter(x -> x < 0).toList();
      assertThat(positive).isEqualTo(range(1, 3000).stream().map(x -> x * 2).toList());
      assertThat(negative).isEqualTo(range(1, 3000).stream().filter(x -> x % 5 == 0).map(x -> -x).toList());
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void fork_intoStatefulSummingSink_sumsWithoutLock(Config config) {
    Scheduler s = config.create();
    try {
      long[] sum = new long[1];
      long[] count = new long[1];
      Pipeline.from(range(10_000))
          .fork(p -> p, p -> p.map(x -> x * 3), p -> p.mapUnordered(2, x -> -x))
          .forEach(s, x -> {
            sum[0] += x; // plain fields: the sink is one thread
            count[0]++;
          });
      long base = 10_000L * 9_999 / 2;
      assertThat(count[0]).isEqualTo(30_000);
      assertThat(sum[0]).isEqualTo(base + 3 * base - base);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void fork_branchNotBuiltOnItsHead_isRejected() {
    assertThatThrownBy(() -> Pipeline.from(range(3)).fork(p -> Pipeline.from(range(2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("branch 0");
  }

  // ---- failure and cancellation at every stage position

  /** Stage names of {@link #probed}, by position. */
  private static final List<String> POSITIONS = List.of("source", "map#1", "map#2", "mapUnordered#3", "filter#4",
      "flatMap#5", "transform#7", "fork#9[0]/map#1", "sink");

  /** A pipeline with every stage shape; each calls {@code probe.at(position, item)}. */
  private static Pipeline<Integer> probed(Probe probe, int items) {
    return Pipeline.<Integer>generate(o -> {
      for (int i = 0; i < items; i++) {
        probe.at(0, i);
        o.push(i);
      }
    })
        .map(x -> probe.at(1, x))
        .map(3, x -> probe.at(2, x))
        .mapUnordered(2, x -> probe.at(3, x))
        .filter(x -> probe.at(4, x) >= 0)
        .flatMap((Integer x, Outbox<Integer> o) -> o.push(probe.at(5, x)))
        .batch(7)
        .transform((Inbox<List<Integer>> in, Outbox<List<Integer>> o) -> {
          for (List<Integer> b : in) {
            for (int x : b) {
              probe.at(6, x);
            }
            o.push(b);
          }
        })
        .flatMap((List<Integer> b, Outbox<Integer> o) -> b.forEach(o::push))
        .fork(p -> p.map(x -> probe.at(7, x)), p -> p.filter(x -> false));
  }

  @FunctionalInterface
  private interface Probe {
    int at(int position, int item) throws Exception;
  }

  static Stream<Arguments> positionsAndSchedulers() {
    return Schedulers.all().flatMap(c -> IntStream.range(0, POSITIONS.size()).mapToObj(i -> Arguments.of(c, i)));
  }

  @ParameterizedTest(name = "{0} position {1}")
  @MethodSource("positionsAndSchedulers")
  void forEach_stageThrows_rethrowsNamingStageAndLeavesNoTask(Config config, int position) {
    Scheduler s = config.create();
    try {
      Probe probe = (at, x) -> {
        if (at == position && x == 300) {
          throw new IOException("boom at " + at);
        }
        return x;
      };
      assertThatThrownBy(() -> probed(probe, 1000).forEach(s, x -> probe.at(8, x)))
          .isInstanceOfSatisfying(PipelineException.class, e -> {
            assertThat(e.stage()).isEqualTo(POSITIONS.get(position));
            assertThat(e.getMessage()).contains(POSITIONS.get(position));
          })
          .cause()
          .isInstanceOf(IOException.class)
          .hasMessage("boom at " + position);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0} position {1}")
  @MethodSource("positionsAndSchedulers")
  void cancel_stageBlockedInUserCode_stopsEverythingAndLeavesNoTask(Config config, int position)
      throws InterruptedException {
    Scheduler s = config.create();
    try {
      CountDownLatch reached = new CountDownLatch(1);
      CountDownLatch never = new CountDownLatch(1);
      Probe probe = (at, x) -> {
        if (at == position && x == 300) {
          reached.countDown();
          never.await();
        }
        return x;
      };
      PipelineRun run = probed(probe, 100_000).start(s, x -> probe.at(8, x));
      assertThat(awaitLatch(s, reached)).isTrue();
      run.cancel();
      assertThatThrownBy(run::join).isInstanceOf(CancellationException.class);
      assertThat(run.isDone()).isTrue();
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void cancel_infiniteSourceBlockedOnBackpressure_stops(Config config) {
    Scheduler s = config.create();
    try {
      CountDownLatch reached = new CountDownLatch(1);
      CountDownLatch never = new CountDownLatch(1);
      PipelineRun run = Pipeline.<Integer>generate(o -> {
        for (int i = 0; ; i++) {
          o.push(i);
        }
      }).map(x -> x + 1).start(s, x -> {
        reached.countDown();
        never.await();
      });
      assertThat(awaitLatch(s, reached)).isTrue();
      run.cancel();
      run.cancel();
      assertThatThrownBy(run::join).isInstanceOf(CancellationException.class);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  /**
   * Waits for {@code latch} through a task of {@code s}, so that a deterministic scheduler sees an outside
   * thread waiting on it (its tasks run only then); the test's timeout guards a latch never counted down.
   */
  private static boolean awaitLatch(Scheduler s, CountDownLatch latch) {
    return s.spawn("await-latch", () -> {
      latch.await();
      return true;
    }).join();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void toList_callerInterrupted_cancelsAndThrows(Config config) {
    Scheduler s = config.create();
    try {
      Pipeline<Integer> infinite = Pipeline.generate(o -> {
        for (int i = 0; ; i++) {
          o.push(i);
        }
      });
      Thread.currentThread().interrupt();
      assertThatThrownBy(() -> infinite.toList(s)).isInstanceOf(CancellationException.class);
      assertThat(Thread.interrupted()).isTrue();
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void cancel_afterSuccess_hasNoEffect(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> seen = new ArrayList<>();
      PipelineRun run = Pipeline.from(range(10)).start(s, seen::add);
      run.join();
      run.cancel();
      run.join();
      assertThat(seen).isEqualTo(range(10));
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void map_returnsNull_failsNamingStage(Config config) {
    Scheduler s = config.create();
    try {
      assertThatThrownBy(() -> Pipeline.from(range(100)).map(x -> x == 50 ? null : x).named("parse").toList(s))
          .isInstanceOfSatisfying(PipelineException.class, e -> assertThat(e.stage()).isEqualTo("parse"))
          .cause()
          .isInstanceOf(NullPointerException.class);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void transform_returnsEarlyOnInfiniteSource_stopsUpstreamNormally(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> out = Pipeline.<Integer>generate(o -> {
        for (int i = 0; ; i++) {
          o.push(i);
        }
      })
          .map(x -> x * 2)
          .transform((Inbox<Integer> in, Outbox<Integer> o) -> {
            for (int i = 0; i < 10; i++) {
              o.push(in.take());
            }
          })
          .toList(s);
      assertThat(out).isEqualTo(range(10).stream().map(x -> x * 2).toList());
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void inbox_afterEnd_keepsReturningNull(Config config) {
    Scheduler s = config.create();
    try {
      List<String> out = Pipeline.from(range(3)).transform((Inbox<Integer> in, Outbox<String> o) -> {
        int n = 0;
        while (in.take() != null) {
          n++;
        }
        o.push(n + ":" + in.take() + ":" + in.iterator().hasNext());
      }).toList(s);
      assertThat(out).containsExactly("3:null:false");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void collect_collector_accumulatesOnOneThread(Config config) {
    Scheduler s = config.create();
    try {
      String joined = Pipeline.from(range(5)).map(String::valueOf).collect(s, Collectors.joining(","));
      assertThat(joined).isEqualTo("0,1,2,3,4");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void forEach_millionItems_noLossNoDuplication(Config config) {
    if (config.name().startsWith("deterministic") && !config.name().equals("deterministic(42)")) {
      return; // one deterministic seed is enough for the large run
    }
    Scheduler s = config.create();
    try {
      int n = 1_000_000;
      Iterable<Integer> source = () -> new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < n;
        }

        @Override
        public Integer next() {
          return next++;
        }
      };
      long[] sum = new long[1];
      long[] count = new long[1];
      Pipeline.from(source)
          .map(x -> x + 1)
          .filter(x -> x % 3 != 0)
          .map(2, x -> (long) x * 2)
          .mapUnordered(2, x -> x + 1)
          .forEach(s, x -> {
            sum[0] += x;
            count[0]++;
          });
      long expectedSum = 0;
      long expectedCount = 0;
      for (int i = 0; i < n; i++) {
        int x = i + 1;
        if (x % 3 != 0) {
          expectedSum += (long) x * 2 + 1;
          expectedCount++;
        }
      }
      assertThat(count[0]).isEqualTo(expectedCount);
      assertThat(sum[0]).isEqualTo(expectedSum);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void forEach_fastSourceSlowSink_inFlightStaysWithinDocumentedBound(Config config) {
    Scheduler s = config.create();
    try {
      AtomicLong produced = new AtomicLong();
      AtomicLong consumed = new AtomicLong();
      long[] maxInFlight = new long[1];
      int n = 3000;
      Iterable<Integer> source = () -> new Iterator<>() {
        int next;

        @Override
        public boolean hasNext() {
          return next < n;
        }

        @Override
        public Integer next() {
          produced.incrementAndGet();
          return next++;
        }
      };
      Pipeline.from(source).map(x -> x).buffer(16).forEach(s, x -> {
        maxInFlight[0] = Math.max(maxInFlight[0], produced.get() - consumed.get());
        s.sleep(SINK_DELAY);
        consumed.incrementAndGet();
      });
      // Channels: source→map (256, chunk 64, 1 producer + 1 consumer), map→sink (16, chunk 4, 1 + 1).
      long bound = (256 + 2 * 64) + (16 + 2 * 4);
      assertThat(consumed.get()).isEqualTo(n);
      assertThat(maxInFlight[0]).isPositive().isLessThanOrEqualTo(bound);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void stats_afterRun_countItemsPerStage(Config config) {
    Scheduler s = config.create();
    try {
      PipelineRun run = Pipeline.from(range(1000))
          .map(x -> x + 1)
          .filter(x -> x % 2 == 0)
          .map(3, x -> x)
          .start(s, x -> { });
      run.join();
      List<StageStats> stats = run.stats();
      assertThat(stats).extracting(StageStats::name).containsExactly("source", "map#1", "filter#2", "map#3", "sink");
      assertThat(stats).extracting(StageStats::workers).containsExactly(1, 1, 1, 3, 1);
      assertThat(stats).extracting(StageStats::itemsIn).containsExactly(0L, 1000L, 1000L, 500L, 500L);
      assertThat(stats).extracting(StageStats::itemsOut).containsExactly(1000L, 1000L, 500L, 500L, 0L);
      assertThat(stats).allSatisfy(st -> {
        assertThat(st.starved().isNegative()).isFalse();
        assertThat(st.backpressured().isNegative()).isFalse();
      });
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("dev.weft.flow.Schedulers#seeds")
  void deterministic_sameSeed_sameOutputOrderAndStats(long seed) {
    assertThat(unorderedRun(seed)).isEqualTo(unorderedRun(seed));
  }

  /** Output order of a pipeline whose order depends on scheduling, plus its item counts. */
  private static List<Object> unorderedRun(long seed) {
    Scheduler s = Scheduler.deterministic(seed);
    try {
      PipelineRun run;
      List<Object> out = new ArrayList<>();
      run = Pipeline.from(range(500))
          .buffer(8)
          .mapUnordered(3, x -> {
            s.sleep(delay(x, ITEM_DELAY_NANOS / 4));
            return x;
          })
          .fork(p -> p.map(x -> "a" + x), p -> p.filter(x -> x % 7 == 0).map(x -> "b" + x))
          .start(s, out::add);
      run.join();
      out.add(run.stats().stream().map(st -> st.name() + ":" + st.itemsIn() + ":" + st.itemsOut()).toList());
      out.add(s.now());
      // Starting the run from this thread is an entry point, not a foreign wakeup.
      assertThat(s.stats().foreignWakeups()).isZero();
      return out;
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void builders_badArguments_areRejected() {
    Pipeline<Integer> p = Pipeline.from(range(3));
    assertThatThrownBy(() -> p.map(0, x -> x)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.mapUnordered(-1, x -> x)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.batch(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.buffer(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.fork()).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.named(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThat(p.map(x -> x).filter(x -> true).named("keep").toString()).isEqualTo("Pipeline[source, map#1, keep]");
  }

  private static Pipeline<Integer> naturals() {
    return Pipeline.generate(o -> {
      for (int i = 0; ; i++) {
        o.push(i);
      }
    });
  }

  private static <T> Pipeline.Transformer<T, T> first(int n) {
    return (in, out) -> {
      for (int i = 0; i < n; i++) {
        T item = in.take();
        if (item == null) {
          return;
        }
        out.push(item);
      }
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void transform_returnsEarlyAfterReplicatedStages_stopsEveryWorker(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> ordered = naturals().map(4, x -> {
        s.sleep(delay(x, ITEM_DELAY_NANOS / 8));
        return x;
      }).transform(first(50)).toList(s);
      assertThat(ordered).isEqualTo(range(50));
      List<Integer> unordered = naturals().mapUnordered(3, x -> x).transform(first(50)).toList(s);
      assertThat(unordered).hasSize(50).doesNotHaveDuplicates();
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void fork_oneBranchStopsEarly_otherBranchesGetEverything(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> out = Pipeline.from(range(1000))
          .fork(p -> p.transform(first(5)).map(x -> -1 - x), p -> p.map(x -> x))
          .toList(s);
      assertThat(out.stream().filter(x -> x < 0).toList()).containsExactly(-1, -2, -3, -4, -5);
      assertThat(out.stream().filter(x -> x >= 0).toList()).isEqualTo(range(1000));
      List<Integer> infinite = naturals().fork(p -> p.transform(first(3)), p -> p.transform(first(4))).toList(s);
      assertThat(infinite).hasSize(7);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void fork_branchFails_rethrowsNamingBranchStage(Config config) {
    Scheduler s = config.create();
    try {
      assertThatThrownBy(() -> Pipeline.from(range(1000))
          .fork(p -> p.map(x -> x), p -> p.filter(x -> 1 / (x - 700) != 5).named("picky"))
          .toList(s))
          .isInstanceOfSatisfying(PipelineException.class, e -> assertThat(e.stage()).isEqualTo("picky"))
          .hasCauseInstanceOf(ArithmeticException.class);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void toList_sameDescriptionTwice_runsTwiceIndependently(Config config) {
    Scheduler s = config.create();
    try {
      Pipeline<Integer> p = Pipeline.from(range(300)).map(2, x -> x + 1).filter(x -> x % 2 == 1);
      List<Integer> first = p.toList(s);
      assertThat(p.toList(s)).isEqualTo(first).hasSize(150);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void forEach_orderedReplicatedStageSlowSink_inFlightStaysWithinDocumentedBound(Config config) {
    Scheduler s = config.create();
    try {
      AtomicLong produced = new AtomicLong();
      AtomicLong consumed = new AtomicLong();
      long[] maxInFlight = new long[1];
      int n = 3000;
      Pipeline.<Integer>generate(o -> {
        for (int i = 0; i < n; i++) {
          produced.incrementAndGet();
          o.push(i);
        }
      }).buffer(32).map(3, x -> x).buffer(8).forEach(s, x -> {
        maxInFlight[0] = Math.max(maxInFlight[0], produced.get() - consumed.get());
        s.sleep(SINK_DELAY);
        consumed.incrementAndGet();
      });
      // source→map: capacity 32, chunk 8, 1 producer + 3 consumers; map→sink: capacity 8, chunk 2, 3 + 1;
      // plus 2 * 3 chunks of input (8 each) held by the order-keeping map.
      long bound = (32 + 4 * 8) + (8 + 4 * 2) + 2 * 3 * 8;
      assertThat(consumed.get()).isEqualTo(n);
      assertThat(maxInFlight[0]).isPositive().isLessThanOrEqualTo(bound);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void start_jfrEnabled_recordsOneStageStatsEventPerStage() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("weft-flow", ".jfr");
    Scheduler s = Scheduler.parallel(2);
    try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
      recording.enable("weft.StageStats");
      recording.start();
      Pipeline.from(range(100)).map(x -> x * 2).named("double").forEach(s, x -> { });
      recording.stop();
      recording.dump(file);
      List<String> seen = new ArrayList<>();
      for (jdk.jfr.consumer.RecordedEvent e : jdk.jfr.consumer.RecordingFile.readAllEvents(file)) {
        if (e.getEventType().getName().equals("weft.StageStats")) {
          seen.add(e.getString("stage") + ":" + e.getLong("itemsIn") + ":" + e.getLong("itemsOut") + ":"
              + e.getString("outcome"));
        }
      }
      assertThat(seen).containsExactlyInAnyOrder("source:0:100:completed", "double:100:100:completed",
          "sink:100:0:completed");
    } finally {
      java.nio.file.Files.deleteIfExists(file);
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @MethodSource("dev.weft.flow.Schedulers#seeds")
  void stats_deterministicSlowStage_showsAsBottleneckOnVirtualClock(long seed) {
    Scheduler s = Scheduler.deterministic(seed);
    try {
      PipelineRun run = Pipeline.from(range(2000))
          .map(x -> x).named("before")
          .map(x -> {
            s.sleep(Duration.ofMillis(1));
            return x;
          }).named("slow")
          .map(x -> x).named("after")
          .start(s, x -> { });
      run.join();
      var byName = run.stats().stream().collect(Collectors.toMap(StageStats::name, st -> st));
      // 2000 items at 1 ms each take 2 s of virtual time; only the slow stage never waits. (The source
      // finishes once the rest fits in the buffers, after about 1.4 s.)
      assertThat(byName.get("slow").starved()).isZero();
      assertThat(byName.get("slow").backpressured()).isZero();
      assertThat(byName.get("source").backpressured()).isGreaterThan(Duration.ofSeconds(1));
      assertThat(byName.get("before").backpressured()).isGreaterThan(Duration.ofSeconds(1));
      assertThat(byName.get("after").starved()).isGreaterThan(Duration.ofSeconds(1));
      assertThat(byName.get("sink").starved()).isGreaterThan(Duration.ofSeconds(1));
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  // ---- differential: random pipelines against the same steps on a plain list

  private static int f(int x, int k) {
    return Math.floorMod(x * 31 + k, 100_003);
  }

  /** A random pipeline, the reference computation of its output, and whether its output order is defined. */
  private record RandomPipeline(Pipeline<Integer> pipeline, Function<List<Integer>, List<Integer>> reference,
      boolean ordered, String shape) {}

  private static RandomPipeline randomPipeline(long seed, Scheduler s) {
    SplittableRandom r = new SplittableRandom(seed);
    Pipeline<Integer> p = Pipeline.from(range(400));
    Function<List<Integer>, List<Integer>> ref = l -> l;
    boolean ordered = true;
    int stages = 2 + r.nextInt(6);
    for (int i = 0; i < stages; i++) {
      int k = r.nextInt(1000);
      int kind = r.nextInt(8);
      if (kind == 6 && !ordered) {
        kind = 0; // pairing is order-sensitive; only meaningful while the order is defined
      }
      switch (kind) {
        case 0 -> {
          p = p.map(x -> f(x, k));
          ref = ref.andThen(l -> l.stream().map(x -> f(x, k)).toList());
        }
        case 1, 2 -> {
          int workers = 1 + r.nextInt(4);
          StageFunction<Integer, Integer> fn = x -> {
            if (x % 16 == 0) {
              s.sleep(delay(x, ITEM_DELAY_NANOS / 2));
            }
            return f(x, k);
          };
          p = kind == 1 ? p.map(workers, fn) : p.mapUnordered(workers, fn);
          ref = ref.andThen(l -> l.stream().map(x -> f(x, k)).toList());
          ordered &= kind == 1 || workers == 1;
        }
        case 3 -> {
          p = p.filter(x -> x % 3 != k % 3);
          ref = ref.andThen(l -> l.stream().filter(x -> x % 3 != k % 3).toList());
        }
        case 4 -> {
          p = p.flatMap((Integer x, Outbox<Integer> o) -> {
            o.push(x);
            if (x % 2 == 0) {
              o.push(f(x, k));
            }
          });
          ref = ref.andThen(l -> l.stream()
              .flatMap(x -> x % 2 == 0 ? Stream.of(x, f(x, k)) : Stream.of(x))
              .toList());
        }
        case 5 -> {
          p = p.batch(1 + r.nextInt(10)).flatMap((List<Integer> b, Outbox<Integer> o) -> b.forEach(o::push));
        }
        case 6 -> {
          p = p.transform((Inbox<Integer> in, Outbox<Integer> o) -> {
            for (Integer a; (a = in.take()) != null; ) {
              Integer b = in.take();
              o.push(b == null ? a : f(a + b, k));
            }
          });
          ref = ref.andThen(l -> {
            List<Integer> out = new ArrayList<>();
            for (int j = 0; j < l.size(); j += 2) {
              out.add(j + 1 < l.size() ? f(l.get(j) + l.get(j + 1), k) : l.get(j));
            }
            return out;
          });
        }
        default -> {
          p = p.fork(q -> q.map(x -> f(x, k)), q -> q.buffer(1 + r.nextInt(20)).filter(x -> x % 2 == 0));
          ref = ref.andThen(l -> {
            List<Integer> out = new ArrayList<>(l.stream().map(x -> f(x, k)).toList());
            out.addAll(l.stream().filter(x -> x % 2 == 0).toList());
            return out;
          });
          ordered = false;
        }
      }
      if (r.nextInt(3) == 0) {
        p = p.buffer(1 + r.nextInt(300));
      }
    }
    return new RandomPipeline(p, ref, ordered, p.toString());
  }

  static Stream<Arguments> seedsAndSchedulers() {
    return Schedulers.all().flatMap(c -> LongStream.rangeClosed(1, 12).mapToObj(seed -> Arguments.of(c, seed)));
  }

  @ParameterizedTest(name = "{0} seed {1}")
  @MethodSource("seedsAndSchedulers")
  void toList_randomPipeline_matchesListComputation(Config config, long seed) {
    Scheduler s = config.create();
    try {
      RandomPipeline rp = randomPipeline(seed, s);
      List<Integer> expected = rp.reference().apply(range(400));
      List<Integer> actual = rp.pipeline().toList(s);
      if (rp.ordered()) {
        assertThat(actual).as(rp.shape()).isEqualTo(expected);
      } else {
        assertThat(actual).as(rp.shape()).containsExactlyInAnyOrderElementsOf(expected);
      }
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void toList_emptySource_everyShapeEndsEmpty(Config config) {
    Scheduler s = config.create();
    try {
      List<Integer> none = List.of();
      assertThat(Pipeline.from(none).map(x -> x).map(3, x -> x).mapUnordered(2, x -> x).filter(x -> true)
          .batch(4).flatMap((List<Integer> b, Outbox<Integer> o) -> b.forEach(o::push))
          .fork(p -> p, p -> p.map(x -> x))
          .toList(s)).isEmpty();
      assertThat(Pipeline.<Integer>generate(o -> { }).batch(3).toList(s)).isEmpty();
      assertThat(Pipeline.from(List.of(7)).batch(3).toList(s)).containsExactly(List.of(7));
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }
}
