package dev.weft.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test method once per schedule: under {@code Scheduler.deterministic(seed)} for {@link #seeds} seeds
 * derived from {@link #baseSeed}, then optionally {@link #parallelRuns} times under
 * {@code Scheduler.parallel(carriers)}.
 *
 * <p>Each invocation gets a fresh {@link dev.weft.scheduler.Scheduler}, injected into parameters of type
 * {@code Scheduler} (test method, {@code @BeforeEach} and {@code @AfterEach} methods) and closed after the
 * invocation; a parameter of type {@link WeftRun} tells which schedule is running.
 *
 * <p>Rules:
 * <ul>
 *   <li>Seeds are {@code baseSeed, baseSeed + 1, ..., baseSeed + seeds - 1}, so a run is reproducible and a
 *       seed printed by a failure is the value to replay.</li>
 *   <li>By default ({@link #onScheduler}) the test body itself runs as a task on the injected scheduler, so in
 *       deterministic mode everything it starts is ordered by the seed. A body on the JUnit thread replays too,
 *       as long as it waits for its tasks on the scheduler ({@code Task.join}, {@code Scheduler.close}, a query
 *       engine's read): a deterministic scheduler starts tasks spawned from outside only during such a wait.
 *       Waiting on anything else (a latch, a future) is reported by the scheduler and may not replay.</li>
 *   <li>The first failing invocation fails with a message naming the seed and the one-line way to replay it:
 *       {@code -Dweft.seed=SEED} (a system property or JUnit configuration parameter; it replaces every
 *       {@code @WeftTest}'s schedules by that one seed) or {@code @WeftTest(replay = SEED)}. With
 *       {@link #stopAtFirstFailure} (the default), later schedules are not run.</li>
 *   <li>An invocation that does not finish within {@link #timeoutSeconds} fails with the body's stack and its
 *       seed instead of hanging the build; so does a scheduler whose tasks do not finish after the body.</li>
 *   <li>The configuration parameters (or system properties) {@code weft.seedFactor} (an integer multiplier of
 *       {@link #seeds} and {@link #parallelRuns}, for soak runs) and {@code weft.baseSeed} (replaces {@link #baseSeed}) widen an
 *       exploration without editing the test.</li>
 * </ul>
 *
 * <pre>{@code
 * @WeftTest(seeds = 200, parallelRuns = 1)
 * void cycle_anyInterleaving_sameOutcome(Scheduler scheduler) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ExtendWith(WeftExtension.class)
public @interface WeftTest {

  /** Number of deterministic seeds to run; must be at least 0. */
  int seeds() default 100;

  /** The first seed; the others follow it. Seed {@code 0} is the scheduler's FIFO order. */
  long baseSeed() default 1;

  /**
   * When not empty, run exactly these deterministic seeds and nothing else ({@link #seeds}, {@link #baseSeed}
   * and {@link #parallelRuns} are ignored). The {@code weft.seed} property takes precedence.
   */
  long[] replay() default {};

  /** Extra invocations on {@code Scheduler.parallel(carriers)} after the deterministic ones. */
  int parallelRuns() default 0;

  /** Carrier threads of the parallel invocations. */
  int carriers() default 2;

  /** Whether the test method body runs as a task on the injected scheduler (see the class comment). */
  boolean onScheduler() default true;

  /** Whether the remaining schedules are skipped once one has failed. */
  boolean stopAtFirstFailure() default true;

  /** Upper bound on one invocation (body, then closing its scheduler), as a guard against hangs. */
  long timeoutSeconds() default 60;

  /**
   * In deterministic mode with {@link #onScheduler}, fail an invocation whose tasks were woken from outside
   * the scheduler (timed {@code Thread.sleep}, contended monitors, I/O): its outcome does not replay from the
   * seed. Without it such wakeups are only logged.
   */
  boolean strict() default false;
}
