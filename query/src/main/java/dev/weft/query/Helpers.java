package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.SchedulerStats;
import dev.weft.scheduler.internal.IdleHooks;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An engine's side of {@link FanOut}'s helpers: how many a getAll group starts, whether it starts them at once,
 * and where a carrier about to idle finds groups with keys nobody has taken.
 *
 * <p><b>Implementation overview.</b> A group starts {@link #perGroup} helpers at once (one per carrier beyond the
 * caller's; at least one under a deterministic scheduler, so that schedules explore siblings' races) only when
 * {@link #mayHaveIdleCarrier} says a carrier may be free: the nested groups of a parallel build, opened while
 * every carrier is busy, start none. Instead the scheduler's idle hook ({@link IdleHooks}, registered here for
 * the engine's life) runs {@link FanOut#helpIdle} on a carrier about to go idle, which looks through
 * {@link #runners}: each runner that has opened a group, from its first group to its end, oldest first. Its
 * open groups are published through {@link Runner#works}, so opening and closing a group writes nothing
 * shared; only a runner's first group and its end touch the list. A scheduler without idle hooks (not one of
 * Weft's) gets every group's helpers at once.
 */
final class Helpers {
  /** Helpers a group starts at once when a carrier may be idle. */
  final int perGroup;
  /** The runners that have opened a getAll group, oldest first, each listed once until it ends. */
  final ConcurrentLinkedQueue<Runner> runners = new ConcurrentLinkedQueue<>();
  /** The scheduler's idle hooks, or null when it offers none. */
  private final IdleHooks hooks;
  /** The registration of {@link FanOut#helpIdle}, or null. */
  private final AutoCloseable registration;

  Helpers(Scheduler scheduler) {
    SchedulerStats ss = scheduler.stats();
    this.perGroup = Math.max(ss.carriers() - 1, ss.deterministic() ? 1 : 0);
    this.hooks = scheduler instanceof IdleHooks h ? h : null;
    // The hook may run on a carrier at once, before the engine's constructor has stored this object: it must
    // not reach it through the engine. The runners' list is assigned before the hook is published.
    this.registration = hooks == null ? null : hooks.onIdle(() -> FanOut.helpIdle(this));
  }

  /** Whether a carrier about to idle starts helpers ({@link FanOut#helpIdle}). */
  boolean whenIdle() {
    return hooks != null;
  }

  /** Whether a carrier may be idle now, so that a new group should start its helpers at once. */
  boolean mayHaveIdleCarrier() {
    return hooks == null || hooks.mayHaveIdleCarrier();
  }

  /** Lists {@code r}, which opens its first group; its own thread only. */
  void list(Runner r) {
    if (!r.listed) {
      r.listed = true;
      runners.add(r);
    }
  }

  /** Takes {@code r} off the list at its end, if it was listed; its own thread only. */
  void unlist(Runner r) {
    if (r.listed) {
      runners.remove(r);
    }
  }

  /** Stops the idle hook; at the engine's close. */
  void close() {
    if (registration != null) {
      try {
        registration.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
