package dev.weft.scheduler;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;

/**
 * Micrometer meters for a {@link Scheduler}, read from {@link Scheduler#stats()} snapshots when scraped.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code weft.scheduler.tasks.spawned}</td><td>counter</td><td>tasks spawned</td></tr>
 *   <tr><td>{@code weft.scheduler.tasks.completed}</td><td>counter</td><td>tasks finished</td></tr>
 *   <tr><td>{@code weft.scheduler.tasks.running}</td><td>gauge</td><td>tasks mounted on a carrier</td></tr>
 *   <tr><td>{@code weft.scheduler.tasks.queued}</td><td>gauge</td><td>tasks ready, waiting for a carrier</td></tr>
 *   <tr><td>{@code weft.scheduler.tasks.blocked}</td><td>gauge</td><td>live tasks parked or waiting</td></tr>
 *   <tr><td>{@code weft.scheduler.carriers}</td><td>gauge</td><td>carrier threads</td></tr>
 *   <tr><td>{@code weft.scheduler.foreign.wakeups}</td><td>counter</td><td>deterministic mode only</td></tr>
 * </table>
 *
 * <p>Micrometer is an optional dependency of Weft: this class is the only one that needs it. The binder holds
 * the scheduler strongly; bind it for the scheduler's lifetime.
 *
 * {@snippet :
 * new SchedulerMetrics(scheduler, Tags.of("scheduler", "analysis")).bindTo(registry);
 * }
 */
public final class SchedulerMetrics implements MeterBinder {
  private final Scheduler scheduler;
  private final Iterable<Tag> tags;

  /** Meters tagged with {@code tags} (for example the scheduler's role). */
  public SchedulerMetrics(Scheduler scheduler, Iterable<Tag> tags) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
  }

  /** Meters without extra tags. */
  public SchedulerMetrics(Scheduler scheduler) {
    this(scheduler, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Scheduler s = scheduler;
    FunctionCounter.builder("weft.scheduler.tasks.spawned", s, x -> x.stats().spawned())
        .tags(tags).description("Tasks spawned").baseUnit("tasks").register(registry);
    FunctionCounter.builder("weft.scheduler.tasks.completed", s, x -> x.stats().completed())
        .tags(tags).description("Tasks finished").baseUnit("tasks").register(registry);
    Gauge.builder("weft.scheduler.tasks.running", s, x -> x.stats().running())
        .tags(tags).description("Tasks mounted on a carrier").baseUnit("tasks").register(registry);
    Gauge.builder("weft.scheduler.tasks.queued", s, x -> x.stats().queued())
        .tags(tags).description("Tasks ready and waiting for a carrier").baseUnit("tasks").register(registry);
    Gauge.builder("weft.scheduler.tasks.blocked", s, x -> x.stats().blocked())
        .tags(tags).description("Live tasks that are parked or waiting").baseUnit("tasks").register(registry);
    Gauge.builder("weft.scheduler.carriers", s, x -> x.stats().carriers())
        .tags(tags).description("Carrier threads").baseUnit("threads").register(registry);
    FunctionCounter.builder("weft.scheduler.foreign.wakeups", s, x -> x.stats().foreignWakeups())
        .tags(tags).description("Wakeups from outside a deterministic scheduler").register(registry);
  }
}
