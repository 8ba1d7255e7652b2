package dev.weft.query;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a {@link QueryEngine}, read from {@link QueryEngine#stats()} snapshots when scraped.
 * Every meter is tagged {@code engine} (the engine's name) plus the given tags.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>meaning</th></tr>
 *   <tr><td>{@code weft.query.executions}</td><td>counter, tags {@code query}, {@code outcome} (computed,
 *       failed, verified, restored, cycle, cancelled, reused)</td><td>verifications and executions since
 *       binding</td></tr>
 *   <tr><td>{@code weft.query.duration}</td><td>function timer, tag {@code query}</td><td>time verifying and
 *       executing, reads included, since binding</td></tr>
 *   <tr><td>{@code weft.query.hits}</td><td>counter</td><td>reads served from a current memo</td></tr>
 *   <tr><td>{@code weft.query.waits}</td><td>counter</td><td>reads that waited for another task</td></tr>
 *   <tr><td>{@code weft.query.cycles}</td><td>counter</td><td>dependency cycles detected</td></tr>
 *   <tr><td>{@code weft.query.verifications}</td><td>counter</td><td>memos checked in a newer revision</td></tr>
 *   <tr><td>{@code weft.query.reexecutions}</td><td>counter</td><td>verifications that re-ran the body</td></tr>
 *   <tr><td>{@code weft.query.cutoffs}</td><td>counter</td><td>re-executions with an unchanged value</td></tr>
 *   <tr><td>{@code weft.query.evictions}</td><td>counter</td><td>values dropped by an LRU</td></tr>
 *   <tr><td>{@code weft.query.cancellations}</td><td>counter</td><td>evaluations cancelled</td></tr>
 *   <tr><td>{@code weft.query.store.lookups}, {@code .reused}, {@code .mismatches}, {@code .values.loaded},
 *       {@code .stored}</td><td>counters</td><td>memos that asked the store, reused from a trace, traces not
 *       reused, values decoded, traces written</td></tr>
 *   <tr><td>{@code weft.query.store.checkpoint.time}</td><td>counter, seconds</td><td>time writing
 *       checkpoints</td></tr>
 *   <tr><td>{@code weft.query.memos.live}</td><td>gauge</td><td>memos holding a value or failure</td></tr>
 *   <tr><td>{@code weft.query.revision}</td><td>gauge</td><td>the current revision</td></tr>
 * </table>
 *
 * <p>Micrometer is an optional dependency of Weft; only this class needs it. The binder holds the engine
 * strongly; bind it for the engine's lifetime.
 *
 * {@snippet :
 * new QueryEngineMetrics(engine, Tags.of("job", "analysis")).bindTo(registry);
 * }
 */
public final class QueryEngineMetrics implements MeterBinder {
  private final QueryEngine engine;
  private final Tags tags;

  /** Meters tagged with the engine's name and {@code tags}. */
  public QueryEngineMetrics(QueryEngine engine, Iterable<Tag> tags) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("engine", engine.name());
  }

  /** Meters tagged with the engine's name. */
  public QueryEngineMetrics(QueryEngine engine) {
    this(engine, Tags.empty());
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    QueryTimings timings;
    timings = engine.counters.timings();
    timings.addListener(p -> {
      Tags queryTags = tags.and("query", p.query);
      for (int i = 0; i < Outcome.RUN.length; i++) {
        java.util.concurrent.atomic.LongAdder n = p.byOutcome[i];
        FunctionCounter.builder("weft.query.executions", n, java.util.concurrent.atomic.LongAdder::sum)
            .tags(queryTags.and("outcome", Outcome.RUN[i].label()))
            .description("Verifications and executions of a query, by outcome").register(registry);
      }
      FunctionTimer.builder("weft.query.duration", p, QueryTimings.PerQuery::count,
              x -> x.nanos.sum(), java.util.concurrent.TimeUnit.NANOSECONDS)
          .tags(queryTags).description("Time spent verifying and executing a query, its reads included")
          .register(registry);
    });
    counter(registry, "weft.query.hits", "Reads served from a current memo", s -> s.stats().hits());
    counter(registry, "weft.query.waits", "Reads that waited for another task", s -> s.stats().waits());
    counter(registry, "weft.query.cycles", "Dependency cycles detected", s -> s.stats().cycles());
    counter(registry, "weft.query.verifications", "Memos checked in a newer revision",
        s -> s.stats().verifications());
    counter(registry, "weft.query.reexecutions", "Verifications that re-ran the body",
        s -> s.stats().reExecutions());
    counter(registry, "weft.query.cutoffs", "Re-executions with an unchanged value", s -> s.stats().cutoffs());
    counter(registry, "weft.query.evictions", "Values dropped by an LRU", s -> s.stats().evictions());
    counter(registry, "weft.query.cancellations", "Evaluations cancelled", s -> s.stats().cancellations());
    counter(registry, "weft.query.store.lookups", "Memos that asked the store for traces",
        s -> s.stats().tracesLookedUp());
    counter(registry, "weft.query.store.reused", "Memos reused from a stored trace", s -> s.stats().tracesReused());
    counter(registry, "weft.query.store.mismatches", "Stored traces tried and not reused",
        s -> s.stats().tracesMismatched());
    counter(registry, "weft.query.store.values.loaded", "Stored values decoded", s -> s.stats().valuesLoaded());
    counter(registry, "weft.query.store.stored", "Traces written by checkpoints", s -> s.stats().tracesStored());
    FunctionCounter.builder("weft.query.store.checkpoint.time", engine,
            s -> s.stats().checkpointNanos() / 1e9).tags(tags).baseUnit("seconds")
        .description("Time spent writing checkpoints").register(registry);
    Gauge.builder("weft.query.memos.live", engine, s -> s.stats().liveMemos())
        .tags(tags).description("Memos holding a value or failure").baseUnit("memos").register(registry);
    Gauge.builder("weft.query.revision", engine, QueryEngine::revision)
        .tags(tags).description("The current revision").register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<QueryEngine> f) {
    FunctionCounter.builder(name, engine, f).tags(tags).description(description).register(registry);
  }
}
