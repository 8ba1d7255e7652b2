package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.SchedulerStats;
import dev.weft.scheduler.Task;
import dev.weft.scheduler.internal.IdleHooks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * When a getAll starts helper threads: at once only while a carrier may be idle; otherwise when a carrier goes
 * idle with keys of the group still untaken.
 */
@Timeout(30)
class FanOutTest {
  private Scheduler scheduler;
  private QueryEngine engine;
  /** Holds a carrier busy (a body that spins does not unmount) until the test releases it. */
  private volatile boolean release;
  private final CountDownLatch spinning = new CountDownLatch(1);
  private final Query<String, String> spin = Query.of("spin", (ctx, k) -> {
    spinning.countDown();
    while (!release) {
      Thread.onSpinWait();
    }
    return k;
  });

  @BeforeEach
  void setUp() {
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).name("fanout").build();
  }

  @AfterEach
  void tearDown() {
    release = true;
    engine.close();
    scheduler.close();
  }

  /** Occupies one of the two carriers with {@link #spin} and waits until it runs. */
  private Task<String> occupyOneCarrier() throws InterruptedException {
    Task<String> busy = scheduler.spawn("busy", () -> engine.get(spin, "busy"));
    spinning.await();
    return busy;
  }

  @Test
  void getAll_everyCarrierBusy_trivialKeysStartNoThread() throws Exception {
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k * 2);
    AtomicLong threadsDuringGroup = new AtomicLong(-1);
    Query<String, Integer> sum = Query.of("sum", (ctx, k) -> {
      List<Integer> keys = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        keys.add(i);
      }
      long before = scheduler.stats().spawned();
      int total = 0;
      for (int v : ctx.getAll(leaf, keys)) {
        total += v;
      }
      threadsDuringGroup.set(scheduler.stats().spawned() - before);
      return total;
    });
    Task<String> busy = occupyOneCarrier();
    assertThat(engine.get(sum, "s")).isEqualTo(2 * (199 * 200 / 2));
    // the other carrier spun and this one never idled: the caller took every key itself
    assertThat(threadsDuringGroup.get()).isZero();
    release = true;
    assertThat(busy.join()).isEqualTo("busy");
  }

  /**
   * Keys whose first (the caller's own, in a getAll) blocks outside the engine until another key runs: only
   * a helper can run that one. Each key's value is itself plus {@code plus}.
   */
  private static Query<Integer, Integer> blockedUntilAnotherRuns(int plus) {
    CountDownLatch another = new CountDownLatch(1);
    return Query.of("key", (ctx, k) -> {
      if (k == 0) {
        another.await();
      } else {
        another.countDown();
      }
      return k + plus;
    });
  }

  @Test
  void getAll_everyCarrierBusy_keysBlockedOnEachOtherStillComplete() throws Exception {
    // the caller's carrier goes idle when key 0 blocks: the helper it starts then runs key 1
    Query<Integer, Integer> key = blockedUntilAnotherRuns(10);
    Query<String, List<Integer>> group = Query.of("group", (ctx, k) -> ctx.getAll(key, List.of(0, 1)));
    Task<String> busy = occupyOneCarrier();
    assertThat(engine.get(group, "g")).containsExactly(10, 11);
    release = true;
    assertThat(busy.join()).isEqualTo("busy");
  }

  @Test
  void getAll_aCarrierIdle_helperStartsAtOnce() throws Exception {
    Query<Integer, Integer> key = blockedUntilAnotherRuns(0);
    Query<String, List<Integer>> group = Query.of("group", (ctx, k) -> ctx.getAll(key, List.of(0, 1, 2, 3)));
    assertThat(engine.get(group, "g")).containsExactly(0, 1, 2, 3);
  }

  /**
   * A helper that has not started by the time its parent has taken every key is skipped, not waited for. The
   * deterministic scheduler runs the parent until it parks, so a group of keys that never park ends before its
   * helper ran: the parent goes on at once, and the helper later leaves the revision gate having done nothing
   * (the next write does not wait forever, and the next evaluation reads every key again).
   */
  @ParameterizedTest
  @ValueSource(longs = {0, 1, 2, 3, 7, 42})
  void getAll_helperNotStartedWhenKeysRunOut_isSkipped(long seed) {
    Input<String, Integer> base = Query.input("base");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k + ctx.get(base, "b"));
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      keys.add(i);
    }
    AtomicLong startedInGroup = new AtomicLong(-1);
    AtomicLong endedInGroup = new AtomicLong(-1);
    Query<String, Integer> sum = Query.of("sum", (ctx, k) -> {
      SchedulerStats before = ctx.scheduler().stats();
      int total = 0;
      for (int v : ctx.getAll(leaf, keys)) {
        total += v;
      }
      SchedulerStats after = ctx.scheduler().stats();
      startedInGroup.set(after.spawned() - before.spawned());
      endedInGroup.set(after.completed() - before.completed());
      return total;
    });
    try (Scheduler s = Scheduler.deterministic(seed); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
      e.set(base, "b", 1);
      assertThat(e.get(sum, "s")).isEqualTo(64 * 63 / 2 + 64);
      assertThat(startedInGroup.get()).isPositive(); // the group started a helper
      assertThat(endedInGroup.get()).isZero(); // and went on before any helper ended
      e.set(base, "b", 2);
      assertThat(e.get(sum, "s")).isEqualTo(64 * 63 / 2 + 128);
      assertThat(e.stats().executions()).isEqualTo(2 * 65);
    }
  }

  /**
   * On real carriers a helper and its parent race for the helper's start: with a fresh {@code parallel(2)} per
   * round, whose second carrier starts while the group runs, both outcomes occur (a counting probe saw 48 of
   * the 400 groups' helpers begin and 352 skipped). Whichever wins, no value is lost, every key executes once
   * per revision, and the write after the group and the scheduler's close find nothing left running.
   */
  @Test
  void getAll_helperRacesItsParentOnAFreshScheduler_nothingLost() {
    Input<String, Integer> base = Query.input("base");
    Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k + ctx.get(base, "b"));
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      keys.add(i);
    }
    Query<String, Integer> sum = Query.of("sum", (ctx, k) -> {
      int total = 0;
      for (int v : ctx.getAll(leaf, keys)) {
        total += v;
      }
      return total;
    });
    for (int round = 0; round < 200; round++) {
      try (Scheduler s = Scheduler.parallel(2); QueryEngine e = QueryEngine.builder().scheduler(s).build()) {
        e.set(base, "b", round);
        assertThat(e.get(sum, "s")).isEqualTo(64 * 63 / 2 + 64 * round);
        e.set(base, "b", round + 1);
        assertThat(e.get(sum, "s")).isEqualTo(64 * 63 / 2 + 64 * (round + 1));
        assertThat(e.stats().executions()).isEqualTo(2 * 65);
      }
    }
  }

  /**
   * A carrier of a scheduler that other engines keep busy may find nothing to run while a new engine is being
   * built, and run that engine's idle hook before its constructor has returned. The hook must find the engine's
   * helpers as they are (none to help), not fail: the scheduler would log every such failure as an error.
   */
  @Test
  void idleHook_runWhileItsEngineIsBuilt_findsNothingToHelp() {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    Scheduler idleAtOnce = new IdleAtRegistration(scheduler, failures);
    try (QueryEngine e = QueryEngine.builder().scheduler(idleAtOnce).name("idle-at-once").build()) {
      assertThat(failures).isEmpty();
      Query<Integer, Integer> leaf = Query.of("leaf", (ctx, k) -> k * 2);
      Query<String, List<Integer>> group = Query.of("group", (ctx, k) -> ctx.getAll(leaf, List.of(1, 2, 3)));
      assertThat(e.get(group, "g")).containsExactly(2, 4, 6);
    }
    assertThat(failures).isEmpty();
  }

  /**
   * The engine's scheduler, except that a hook registered for idle carriers is also run once on the registering
   * thread, at once: what a carrier going idle at that moment does. What the hook throws is collected.
   */
  private record IdleAtRegistration(Scheduler delegate, List<Throwable> failures) implements Scheduler, IdleHooks {
    @Override
    public AutoCloseable onIdle(Runnable hook) {
      try {
        hook.run();
      } catch (RuntimeException | Error e) {
        failures.add(e);
      }
      return ((IdleHooks) delegate).onIdle(hook);
    }

    @Override
    public boolean mayHaveIdleCarrier() {
      return ((IdleHooks) delegate).mayHaveIdleCarrier();
    }

    @Override
    public <T> Task<T> spawn(String name, Callable<T> body) {
      return delegate.spawn(name, body);
    }

    @Override
    public void sleep(Duration duration) {
      delegate.sleep(duration);
    }

    @Override
    public Instant now() {
      return delegate.now();
    }

    @Override
    public boolean owns(Thread thread) {
      return delegate.owns(thread);
    }

    @Override
    public boolean isDeterministic() {
      return delegate.isDeterministic();
    }

    @Override
    public SchedulerStats stats() {
      return delegate.stats();
    }

    @Override
    public void close() {
      // the test's scheduler is closed after each test
    }
  }
}
