package dev.weft.junit;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * The per-invocation half of {@link WeftTest}: owns one scheduler, resolves it, runs the body on it, names
 * the seed in any failure and closes the scheduler afterwards.
 *
 * <p>States: no scheduler → scheduler created (first parameter resolution or the body, whichever is first)
 * → closed in {@link #afterEach}. Everything here runs on the JUnit thread of one invocation, so the fields
 * need no synchronization; the body task only touches its own latch and references.
 */
final class RunExtension
    implements ParameterResolver, InvocationInterceptor, TestExecutionExceptionHandler, AfterEachCallback {
  private static final System.Logger LOG = System.getLogger("dev.weft.junit");
  /** How long closing waits for tasks after the invocation has already failed. */
  private static final long FAILED_CLOSE_SECONDS = 10;

  private final WeftRun run;
  private final int total;
  private final WeftTest spec;
  private final String testName;
  private final AtomicBoolean failed;
  private Scheduler scheduler;
  private boolean hung;

  RunExtension(WeftRun run, int total, WeftTest spec, String testName, AtomicBoolean failed) {
    this.run = run;
    this.total = total;
    this.spec = spec;
    this.testName = testName;
    this.failed = failed;
  }

  WeftRun run() {
    return run;
  }

  private Scheduler scheduler() {
    if (scheduler == null) {
      String name = "weft-test-" + (run.deterministic() ? "seed-" + run.seed() : "parallel-" + run.index());
      Scheduler.Builder b = Scheduler.builder().name(name);
      scheduler = (run.deterministic() ? b.deterministic(run.seed()) : b.parallel(run.carriers())).build();
    }
    return scheduler;
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == Scheduler.class || type == WeftRun.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == WeftRun.class ? run : scheduler();
  }

  @Override
  public void interceptTestTemplateMethod(
      Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext, ExtensionContext context)
      throws Throwable {
    if (!spec.onScheduler()) {
      invocation.proceed();
      return;
    }
    Scheduler s = scheduler();
    long foreignBefore = s.stats().foreignWakeups();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicReference<Thread> bodyThread = new AtomicReference<>();
    Task<Void> task = s.spawn("weft-test-body", () -> {
      bodyThread.set(Thread.currentThread());
      try {
        invocation.proceed();
      } catch (Throwable t) {
        failure.set(t);
      }
      return null;
    });
    // The body runs while a thread waits on the scheduler (a deterministic scheduler starts tasks spawned from
    // outside only then); a joining thread of our own does, so that this one can time out.
    Thread joiner = Thread.ofPlatform().daemon(true).name("weft-test-join").start(() -> {
      try {
        task.join();
      } catch (RuntimeException | Error ignored) {
        // the body's own failure is in `failure`; a cancellation after a hang is reported below
      }
    });
    if (!joiner.join(Duration.ofSeconds(spec.timeoutSeconds()))) {
      hung = true;
      Thread body = bodyThread.get();
      SeedFailedError error = new SeedFailedError(describe("did not finish within " + spec.timeoutSeconds()
          + "s (" + s.stats().alive() + " tasks alive); the trace below is the body's stack"), null);
      if (body != null) {
        error.setStackTrace(body.getStackTrace());
      }
      task.cancel();
      throw error;
    }
    Throwable t = failure.get();
    if (t != null) {
      throw t;
    }
    // The body's own start from the JUnit thread is an entry point, not a foreign wakeup.
    long foreign = s.stats().foreignWakeups() - foreignBefore;
    if (run.deterministic() && foreign > 0) {
      String what = foreign + " wakeup(s) came from outside the scheduler (timed Thread.sleep, contended "
          + "monitors, I/O, platform threads), so this run may not replay from its seed";
      if (spec.strict()) {
        throw new SeedFailedError(describe(what + "; use Scheduler.sleep and avoid platform-thread handoffs"),
            null);
      }
      LOG.log(System.Logger.Level.WARNING, "{0} {1}: {2}", testName, run, what);
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    if (throwable instanceof TestAbortedException || throwable instanceof SeedFailedError) {
      throw throwable;
    }
    throw new SeedFailedError(describe("failed: " + throwable), throwable);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    try {
      if (scheduler != null) {
        close(scheduler, context.getExecutionException().filter(t -> !(t instanceof TestAbortedException))
            .isPresent());
      }
    } finally {
      // An aborted invocation (a failed assumption) is not a failure and does not stop the exploration.
      if (context.getExecutionException().filter(t -> !(t instanceof TestAbortedException)).isPresent()) {
        failed.set(true);
      }
    }
  }

  private void close(Scheduler s, boolean alreadyFailed) {
    AtomicReference<Throwable> error = new AtomicReference<>();
    Thread closer = Thread.ofPlatform().daemon(true).name("weft-test-close").start(() -> {
      try {
        s.close();
      } catch (Throwable t) {
        error.set(t);
      }
    });
    // After a hang the body is still stuck: do not wait a second full timeout. After a failure, tasks the body
    // left blocked are likely; wait a little for them, then report.
    Duration wait = hung ? Duration.ofSeconds(1)
        : alreadyFailed ? Duration.ofSeconds(Math.min(spec.timeoutSeconds(), FAILED_CLOSE_SECONDS))
        : Duration.ofSeconds(spec.timeoutSeconds());
    boolean closed;
    try {
      closed = closer.join(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = false;
    }
    if (!closed) {
      if (hung || alreadyFailed) {
        // The invocation already failed; the scheduler's daemon carriers are abandoned.
        LOG.log(System.Logger.Level.WARNING, "{0} {1}: scheduler not closed, {2} tasks still alive",
            testName, run, s.stats().alive());
        return;
      }
      failed.set(true);
      throw new SeedFailedError(describe("body returned but the scheduler's tasks did not finish within "
          + spec.timeoutSeconds() + "s (" + s.stats().alive() + " tasks alive)"), null);
    }
    if (error.get() != null) {
      failed.set(true);
      throw new SeedFailedError(describe("closing the scheduler failed: " + error.get()), error.get());
    }
  }

  /** The failure message: what happened, which schedule, and the one line that replays it. */
  String describe(String what) {
    StringBuilder sb = new StringBuilder();
    sb.append(testName).append(' ').append(run).append(' ').append(what)
        .append("\n  schedule ").append(run.index()).append(" of ").append(total);
    if (run.deterministic()) {
      sb.append("\n  replay: mvn test -Dtest=").append(testName).append(" -Dweft.seed=").append(run.seed())
          .append("   or   @WeftTest(replay = ").append(run.seed()).append(')');
    } else {
      sb.append("\n  ").append(run.replayHint());
    }
    return sb.toString();
  }
}
