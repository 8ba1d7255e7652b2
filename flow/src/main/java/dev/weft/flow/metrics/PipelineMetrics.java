package dev.weft.flow.metrics;

import dev.weft.flow.PipelineRun;
import dev.weft.flow.StageStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the per-stage counters of a {@link PipelineRun} to Micrometer. Every meter reads the run's
 * {@link PipelineRun#stats()} snapshot when the registry polls it; nothing is added to the pipeline's own path.
 *
 * <p>Meters, each tagged {@code pipeline} (the name given here) and {@code stage}, plus any extra tags:
 * <ul>
 *   <li>{@code weft.pipeline.items} (function counter, tag {@code direction} = {@code in} or {@code out}):
 *       items received from the previous stage and handed to the next one;</li>
 *   <li>{@code weft.pipeline.starved} (function counter, base unit seconds): time blocked waiting for input;</li>
 *   <li>{@code weft.pipeline.backpressured} (function counter, base unit seconds): time blocked waiting for
 *       room downstream.</li>
 * </ul>
 *
 * {@snippet :
 * PipelineRun run = pipeline.start(scheduler, sink);
 * PipelineMetrics.monitor(registry, run, "ingest");
 * }
 */
public final class PipelineMetrics implements MeterBinder {
  private final PipelineRun run;
  private final Tags tags;

  /**
   * A binder for {@code run}, naming it {@code pipelineName} in the {@code pipeline} tag.
   *
   * @param extraTags tags added to every meter
   */
  public PipelineMetrics(PipelineRun run, String pipelineName, Iterable<Tag> extraTags) {
    this.run = Objects.requireNonNull(run, "run");
    this.tags = Tags.concat(extraTags, "pipeline", Objects.requireNonNull(pipelineName, "pipelineName"));
  }

  /** Binds the meters of {@code run} to {@code registry} and returns {@code run} unchanged. */
  public static PipelineRun monitor(MeterRegistry registry, PipelineRun run, String pipelineName, String... tags) {
    new PipelineMetrics(run, pipelineName, Tags.of(tags)).bindTo(registry);
    return run;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    List<StageStats> stages = run.stats();
    for (int i = 0; i < stages.size(); i++) {
      int index = i;
      Tags stageTags = tags.and("stage", stages.get(i).name());
      counter(registry, "weft.pipeline.items", stageTags.and("direction", "in"), null,
          "Items a pipeline stage received", r -> r.stats().get(index).itemsIn());
      counter(registry, "weft.pipeline.items", stageTags.and("direction", "out"), null,
          "Items a pipeline stage handed on", r -> r.stats().get(index).itemsOut());
      counter(registry, "weft.pipeline.starved", stageTags, "seconds",
          "Time a pipeline stage was blocked waiting for input",
          r -> seconds(r.stats().get(index).starved().toNanos()));
      counter(registry, "weft.pipeline.backpressured", stageTags, "seconds",
          "Time a pipeline stage was blocked waiting for room downstream",
          r -> seconds(r.stats().get(index).backpressured().toNanos()));
    }
  }

  private void counter(MeterRegistry registry, String name, Tags meterTags, String unit, String description,
      ToDoubleFunction<PipelineRun> value) {
    FunctionCounter.builder(name, run, value)
        .tags(meterTags)
        .baseUnit(unit)
        .description(description)
        .register(registry);
  }

  private static double seconds(long nanos) {
    return (double) nanos / TimeUnit.SECONDS.toNanos(1);
  }
}
