package dev.weft.query;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.Objects;

/**
 * Evaluates {@link Query queries}: memoized, on virtual threads of a {@link Scheduler}.
 */
public final class QueryEngine implements AutoCloseable {
  private final Scheduler scheduler;
  private final boolean ownsScheduler;
  private final String name;

  private QueryEngine(Scheduler scheduler, boolean ownsScheduler, String name) {
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    this.name = name;
  }

  /** An engine on a new {@link Scheduler#parallel()} scheduler, which {@link #close} also closes. */
  public static QueryEngine create() {
    return builder().build();
  }

  /** A builder: {@code .scheduler(s)}, {@code .name(n)}, then {@code .build()}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Reads {@code query} at {@code key} from any thread. */
  public <K, V> V get(Query<K, V> query, K key) {
    throw new UnsupportedOperationException();
  }

  /** Reads {@code query} at every key concurrently; values in key order. */
  public <K, V> List<V> getAll(Query<K, V> query, List<? extends K> keys) {
    throw new UnsupportedOperationException();
  }

  /** Evaluates {@code query} at {@code key}: value or failure, plus diagnostics. */
  public <K, V> Evaluation<V> evaluate(Query<K, V> query, K key) {
    throw new UnsupportedOperationException();
  }

  /** Sets an input value, starting a new revision unless equal to the current value. */
  public <K, V> void set(Input<K, V> input, K key, V value) {
    throw new UnsupportedOperationException();
  }

  /** The current revision. */
  public long revision() {
    throw new UnsupportedOperationException();
  }

  /** A snapshot of the counters. */
  public EngineStats stats() {
    throw new UnsupportedOperationException();
  }

  /** The engine's name. */
  public String name() {
    return name;
  }

  /** The scheduler this engine runs on. */
  public Scheduler scheduler() {
    return scheduler;
  }

  @Override
  public void close() {
    throw new UnsupportedOperationException();
  }

  /** Options for a {@link QueryEngine}. */
  public static final class Builder {
    private Scheduler scheduler;
    private String name = "weft";

    Builder() {}

    /** The scheduler to run on; the engine does not close it. Default: a new {@link Scheduler#parallel()}. */
    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** A name for messages and events. */
    public Builder name(String name) {
      Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("engine name must not be blank");
      }
      this.name = name;
      return this;
    }

    /** Builds the engine. */
    public QueryEngine build() {
      return scheduler == null
          ? new QueryEngine(Scheduler.parallel(), true, name)
          : new QueryEngine(scheduler, false, name);
    }
  }
}
