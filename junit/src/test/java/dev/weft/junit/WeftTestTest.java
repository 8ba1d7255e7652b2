package dev.weft.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs sample test classes through the Jupiter engine (EngineTestKit) and checks which schedules ran, which
 * seed failed, and what the failure says. The samples are nested classes enabled only under EngineTestKit.
 */
@Timeout(60)
class WeftTestTest {
  private static final String SAMPLES = "weft.samples";
  /** Seeds, in invocation order, seen by the sample that ran last. */
  static final List<Long> SEEN = new CopyOnWriteArrayList<>();
  static final List<Scheduler> SCHEDULERS = new CopyOnWriteArrayList<>();

  @BeforeEach
  void reset() {
    SEEN.clear();
    SCHEDULERS.clear();
  }

  private static EngineExecutionResults run(Class<?> sample, Map<String, String> config) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(SAMPLES, "true")
        .configurationParameters(config)
        .selectors(selectClass(sample))
        .execute();
  }

  private static EngineExecutionResults run(Class<?> sample) {
    return run(sample, Map.of());
  }

  private static List<Throwable> failures(EngineExecutionResults results) {
    return results.testEvents().failed().stream()
        .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow())
        .toList();
  }

  private static List<String> failedNames(EngineExecutionResults results) {
    return results.testEvents().failed().stream().map(Event::getTestDescriptor)
        .map(d -> d.getDisplayName()).toList();
  }

  // --- samples --------------------------------------------------------------------------------------------

  /** Enables the samples only when run by these tests. */
  static final class OnlyUnderTestKit implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      return context.getConfigurationParameter(SAMPLES).isPresent()
          ? ConditionEvaluationResult.enabled("run by WeftTestTest")
          : ConditionEvaluationResult.disabled("sample for WeftTestTest, run through EngineTestKit");
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class FailsOnSeedSeven {
    @WeftTest(seeds = 20)
    void body(WeftRun run, Scheduler scheduler) {
      SEEN.add(run.seed());
      assertThat(scheduler.isDeterministic()).isTrue();
      assertThat(run.seed()).isNotEqualTo(7L);
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class FailsOnSeedsThreeAndFiveWithoutStopping {
    @WeftTest(seeds = 6, stopAtFirstFailure = false)
    void body(WeftRun run) {
      SEEN.add(run.seed());
      if (run.seed() == 3 || run.seed() == 5) {
        throw new IllegalStateException("bad seed " + run.seed());
      }
    }
  }

  /** Fails exactly on the seeds whose schedule runs task b before task a. */
  @ExtendWith(OnlyUnderTestKit.class)
  static class OrderDependent {
    @WeftTest(seeds = 64)
    void body(WeftRun run, Scheduler scheduler) {
      SEEN.add(run.seed());
      List<String> order = Collections.synchronizedList(new ArrayList<>());
      Task<Boolean> a = scheduler.spawn("a", () -> order.add("a"));
      Task<Boolean> b = scheduler.spawn("b", () -> order.add("b"));
      a.join();
      b.join();
      assertEquals(List.of("a", "b"), order);
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class PassesWithParallelRuns {
    @WeftTest(seeds = 5, parallelRuns = 2, baseSeed = 40)
    void body(WeftRun run, Scheduler scheduler) {
      SEEN.add(run.seed());
      SCHEDULERS.add(scheduler);
      assertThat(scheduler.isDeterministic()).isEqualTo(run.deterministic());
      assertThat(scheduler.owns(Thread.currentThread())).as("body runs on the scheduler").isTrue();
      assertThat(scheduler.spawn("child", () -> 21 * 2).join()).isEqualTo(42);
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class OffScheduler {
    @WeftTest(seeds = 2, onScheduler = false)
    void body(Scheduler scheduler) {
      SEEN.add(1L);
      assertThat(scheduler.owns(Thread.currentThread())).isFalse();
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class ReplaysTwoSeeds {
    @WeftTest(replay = {11, 5}, seeds = 1000, parallelRuns = 3)
    void body(WeftRun run) {
      SEEN.add(run.seed());
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class Hangs {
    @WeftTest(seeds = 3, timeoutSeconds = 1)
    void body(WeftRun run) throws InterruptedException {
      SEEN.add(run.seed());
      new CountDownLatch(1).await();
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class LeaksTask {
    static final CountDownLatch NEVER = new CountDownLatch(1);

    @WeftTest(seeds = 1, timeoutSeconds = 1)
    void body(Scheduler scheduler) {
      SEEN.add(1L);
      scheduler.spawn("leaked", () -> {
        NEVER.await();
        return null;
      });
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class FailsAndLeaksTask {
    static final CountDownLatch NEVER = new CountDownLatch(1);

    @WeftTest(seeds = 3, timeoutSeconds = 1)
    void body(Scheduler scheduler) {
      SEEN.add(1L);
      scheduler.spawn("blocked", () -> {
        NEVER.await();
        return null;
      });
      throw new IllegalStateException("body failed");
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class ForeignWakeupStrict {
    @WeftTest(seeds = 1, strict = true)
    void body() {
      SEEN.add(1L);
      Thread task = Thread.currentThread();
      AtomicBoolean woken = new AtomicBoolean();
      // A platform thread unparks the task once it is parked, so the wakeup comes from outside the scheduler
      // whatever the load. (The timer of a timed park may fire before the task has finished parking; the task
      // then resubmits itself from its own carrier, which is no foreign wakeup.)
      Thread.ofPlatform().daemon(true).start(() -> {
        while (task.getState() != Thread.State.WAITING) {
          Thread.onSpinWait();
        }
        woken.set(true);
        LockSupport.unpark(task);
      });
      while (!woken.get()) {
        LockSupport.park();
      }
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class Aborts {
    @WeftTest(seeds = 2)
    void body(WeftRun run) {
      SEEN.add(run.seed());
      assumeTrue(false, "not applicable");
    }
  }

  /** A project's own shorthand for its exploration settings. */
  @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
  @java.lang.annotation.Target(java.lang.annotation.ElementType.METHOD)
  @WeftTest(seeds = 3, baseSeed = 500)
  @interface Explore {}

  @ExtendWith(OnlyUnderTestKit.class)
  static class MetaAnnotated {
    @Explore
    void body(WeftRun run) {
      SEEN.add(run.seed());
    }
  }

  @ExtendWith(OnlyUnderTestKit.class)
  static class NegativeSeeds {
    @WeftTest(seeds = -1)
    void body() {}
  }

  // --- tests ----------------------------------------------------------------------------------------------

  @Test
  void weftTest_failingSeed_stopsAndNamesSeedAndReplayLine() {
    EngineExecutionResults results = run(FailsOnSeedSeven.class);

    results.testEvents().assertStatistics(s -> s.started(7).succeeded(6).failed(1));
    assertThat(SEEN).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(failedNames(results)).containsExactly("seed 7");
    Throwable failure = failures(results).getFirst();
    assertThat(failure).hasMessageContaining("seed 7 failed")
        .hasMessageContaining("-Dweft.seed=7")
        .hasMessageContaining("@WeftTest(replay = 7)")
        .hasMessageContaining("FailsOnSeedSeven#body")
        .hasMessageContaining("schedule 7 of 20");
    assertThat(failure.getCause()).isInstanceOf(AssertionError.class);
  }

  @Test
  void weftTest_stopAtFirstFailureFalse_runsEverySeedAndReportsEachFailure() {
    EngineExecutionResults results = run(FailsOnSeedsThreeAndFiveWithoutStopping.class);

    results.testEvents().assertStatistics(s -> s.started(6).succeeded(4).failed(2));
    assertThat(failedNames(results)).containsExactly("seed 3", "seed 5");
    assertThat(failures(results)).allSatisfy(t -> assertThat(t.getCause()).isInstanceOf(IllegalStateException.class));
  }

  @Test
  void weftTest_scheduleDependentFailure_sameFirstSeedEveryRunAndReplayReproducesIt() {
    EngineExecutionResults first = run(OrderDependent.class);
    List<String> failed = failedNames(first);
    assertThat(failed).as("some of 64 seeds run b before a").hasSize(1);
    long seed = Long.parseLong(failed.getFirst().substring("seed ".length()));
    List<Long> firstSeen = List.copyOf(SEEN);

    SEEN.clear();
    EngineExecutionResults again = run(OrderDependent.class);
    assertThat(failedNames(again)).containsExactly("seed " + seed);
    assertThat(SEEN).isEqualTo(firstSeen);

    SEEN.clear();
    EngineExecutionResults replay = run(OrderDependent.class, Map.of(WeftExtension.SEED, Long.toString(seed)));
    replay.testEvents().assertStatistics(s -> s.started(1).failed(1));
    assertThat(SEEN).containsExactly(seed);

    if (seed > 1) {
      SEEN.clear();
      EngineExecutionResults passing =
          run(OrderDependent.class, Map.of(WeftExtension.SEED, Long.toString(seed - 1)));
      passing.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
    }
  }

  @Test
  void weftTest_parallelRuns_followDeterministicSeedsAndEverySchedulerIsClosed() {
    EngineExecutionResults results = run(PassesWithParallelRuns.class);

    results.testEvents().assertStatistics(s -> s.started(7).succeeded(7));
    assertThat(SEEN).containsExactly(40L, 41L, 42L, 43L, 44L, 45L, 46L);
    assertThat(results.testEvents().succeeded().stream().map(e -> e.getTestDescriptor().getDisplayName()))
        .containsExactly("seed 40", "seed 41", "seed 42", "seed 43", "seed 44",
            "parallel(2) data seed 45", "parallel(2) data seed 46");
    assertThat(SCHEDULERS).hasSize(7).doesNotHaveDuplicates().allSatisfy(s ->
        assertThatThrownBy(() -> s.spawn("late", () -> 1)).isInstanceOf(IllegalStateException.class));
  }

  @Test
  void weftTest_onSchedulerFalse_bodyRunsOnJUnitThread() {
    run(OffScheduler.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
  }

  @Test
  void weftTest_replayAttribute_runsExactlyThoseSeeds() {
    run(ReplaysTwoSeeds.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    assertThat(SEEN).containsExactly(11L, 5L);
  }

  @Test
  void weftTest_seedFactorAndBaseSeed_widenExploration() {
    run(ReplaysTwoSeeds.class, Map.of(WeftExtension.SEED_FACTOR, "3"));
    assertThat(SEEN).as("replay wins over the factor").containsExactly(11L, 5L);

    SEEN.clear();
    run(FailsOnSeedsThreeAndFiveWithoutStopping.class,
        Map.of(WeftExtension.SEED_FACTOR, "2", WeftExtension.BASE_SEED, "100"))
        .testEvents().assertStatistics(s -> s.started(12).succeeded(12));
    assertThat(SEEN).hasSize(12).startsWith(100L).endsWith(111L);

    SEEN.clear();
    run(PassesWithParallelRuns.class, Map.of(WeftExtension.SEED_FACTOR, "2"))
        .testEvents().assertStatistics(s -> s.started(14).succeeded(14));
    assertThat(SCHEDULERS.stream().filter(s -> !s.isDeterministic()).count()).as("parallel runs scale too")
        .isEqualTo(4);
  }

  @Test
  void weftTest_hangingBody_failsWithSeedAndStackInsteadOfHanging() {
    EngineExecutionResults results = run(Hangs.class);

    results.testEvents().assertStatistics(s -> s.started(1).failed(1));
    Throwable failure = failures(results).getFirst();
    assertThat(failure).hasMessageContaining("seed 1 did not finish within 1s")
        .hasMessageContaining("-Dweft.seed=1");
    assertThat(failure.getStackTrace()).anySatisfy(frame ->
        assertThat(frame.getClassName()).isEqualTo(CountDownLatch.class.getName()));
  }

  @Test
  void weftTest_taskOutlivingBody_failsWhenSchedulerCannotClose() {
    try {
      EngineExecutionResults results = run(LeaksTask.class);
      results.testEvents().assertStatistics(s -> s.started(1).failed(1));
      assertThat(failures(results).getFirst()).hasMessageContaining("tasks did not finish")
          .hasMessageContaining("1 tasks alive");
    } finally {
      LeaksTask.NEVER.countDown();
    }
  }

  @Test
  void weftTest_failingBodyLeavingBlockedTask_reportsTheBodyFailureOnly() {
    try {
      EngineExecutionResults results = run(FailsAndLeaksTask.class);
      results.testEvents().assertStatistics(s -> s.started(1).failed(1));
      Throwable failure = failures(results).getFirst();
      assertThat(failure).hasMessageContaining("seed 1 failed: java.lang.IllegalStateException: body failed");
      assertThat(failure.getSuppressed()).isEmpty();
    } finally {
      FailsAndLeaksTask.NEVER.countDown();
    }
  }

  @Test
  void weftTest_strictWithForeignWakeup_failsAsNotReplayable() {
    EngineExecutionResults results = run(ForeignWakeupStrict.class);

    results.testEvents().assertStatistics(s -> s.started(1).failed(1));
    assertThat(failures(results).getFirst()).hasMessageContaining("from outside the scheduler");
  }

  @Test
  void weftTest_asMetaAnnotation_usesItsSettings() {
    run(MetaAnnotated.class).testEvents().assertStatistics(s -> s.started(3).succeeded(3));
    assertThat(SEEN).containsExactly(500L, 501L, 502L);
  }

  @Test
  void weftTest_abortedBody_isSkippedNotWrapped() {
    EngineExecutionResults results = run(Aborts.class);

    results.testEvents().assertStatistics(s -> s.started(2).aborted(2).failed(0));
  }

  @Test
  void weftTest_negativeSeeds_failsTheContainerWithClearMessage() {
    EngineExecutionResults results = run(NegativeSeeds.class);

    results.testEvents().assertStatistics(s -> s.started(0));
    assertThat(results.containerEvents().failed().stream()
        .map(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage()))
        .anySatisfy(m -> assertThat(m).contains("@WeftTest(seeds) must be at least 0, got -1"));
  }

  @Test
  void samples_outsideTestKit_areDisabled() {
    EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
        .selectors(selectClass(FailsOnSeedSeven.class)).execute();

    results.testEvents().assertStatistics(s -> s.started(0));
    results.containerEvents().assertStatistics(s -> s.skipped(1));
  }
}
