package dev.weft.flow;

import dev.weft.scheduler.Scheduler;
import java.lang.ref.WeakReference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collector;
import java.util.stream.Stream;

/**
 * A dataflow pipeline: a source, stages connected by bounded channels, and a sink. Each stage runs on its
 * own virtual thread (a replicated stage on several) spawned on the {@link Scheduler} given to the terminal
 * call, and blocks on its input and output.
 *
 * {@snippet :
 * List<Integer> lengths = Pipeline.from(List.of("a", "bb", "ccc"))
 *     .map(String::length)
 *     .filter(n -> n > 1)
 *     .toList(scheduler); // [2, 3]
 * }
 *
 * <p><b>Description and runs.</b> A {@code Pipeline} is an immutable description; every method returns a new
 * one. A terminal call ({@link #toList}, {@link #forEach}, {@link #collect}, {@link #start}) runs it; the same
 * description can run many times. Each run asks its source afresh: an {@link #from(Iterable) Iterable} for a
 * new iterator, a {@link #generate generator} to run again, a {@link #lines file} to be read again. Two
 * sources can run only once, and a second run fails loudly instead of producing nothing: a
 * {@link #from(Stream) Stream}, and an {@code Iterable} that returns the same {@link Iterator} it returned to
 * an earlier run (such as {@code () -> iterator}).
 *
 * <p><b>Semantics.</b>
 * <ul>
 *   <li>Items are never {@code null}: a stage that produces {@code null} fails with
 *       {@link NullPointerException}.</li>
 *   <li>Order: single-worker stages and {@link #map(int, StageFunction)} keep input order;
 *       {@link #mapUnordered} and the merge after {@link #fork} do not (each branch keeps its own order).</li>
 *   <li>On success every item reaches the sink exactly once (per fork branch).</li>
 *   <li>Failure: the first exception thrown by any stage body stops every stage and is rethrown by the
 *       terminal call as {@link PipelineException} naming the stage, with the original exception as cause.
 *       Items in flight are discarded.</li>
 *   <li>Cancellation: {@link PipelineRun#cancel}, or an interrupt of a thread blocked in {@code toList},
 *       {@code forEach} or {@code collect}, stops every stage; those calls then throw
 *       {@link java.util.concurrent.CancellationException}. When a terminal call returns or throws, no task of
 *       the pipeline is left running.</li>
 *   <li>The sink runs on one virtual thread, so a stateful sink needs no lock.</li>
 * </ul>
 *
 * <p><b>Memory bound.</b> Every connection is a channel of {@code capacity} items (default
 * {@value #DEFAULT_CAPACITY}, set with {@link #buffer}) that moves items in chunks of
 * {@code k = clamp(capacity / 4, 1, 64)}. Each producer and each consumer of a channel holds at most one
 * chunk of its own, so the items alive between the source and the sink never exceed the sum over channels of
 * {@code capacity + (producers + consumers) * k}, plus {@code 2 * workers} chunks of input per
 * order-keeping replicated {@code map}, plus one partial list per {@code batch}, plus whatever a
 * {@code flatMap} or {@code transform} body holds itself.
 *
 * <p><b>Hand-offs.</b> A producer hands a chunk over when it is full, when the consumer is idle waiting, when
 * the producer is about to wait for its own input, and at the end; so trivial items do not pay a context
 * switch each, and an idle stage is never left waiting for items that already exist.
 *
 * <p><b>Stats.</b> {@link PipelineRun#stats} reports per stage the items in and out and the time blocked
 * waiting for input (starved) and for room downstream (backpressured). Each run also emits one
 * {@code weft.StageStats} JFR event per stage when that event is enabled.
 *
 * <p><b>Type inference.</b> Java infers a stage's output type from what its lambda returns. A lambda that only
 * pushes into an {@link Outbox} returns nothing, so with implicitly typed parameters {@link #generate(Generator)},
 * {@link #flatMap(FlatMapper)} and {@link #transform(Transformer)} would produce {@code Pipeline<Object>}, and
 * the next stage fails to compile ("Object cannot be converted to ..."). The forms that infer:
 * <ul>
 *   <li>a 1:n stage whose lambda returns the items: {@code .flatMap(line -> List.of(line.split(" ")))};</li>
 *   <li>the item type as a witness: {@code Pipeline.generate(Integer.class, out -> ...)},
 *       {@code .flatMap(String.class, (line, out) -> ...)}, {@code .transform(Integer.class, (in, out) -> ...)};</li>
 *   <li>for a generic item type, an explicit type argument: {@code .<List<String>>transform((in, out) -> ...)},
 *       or a target type: {@code Pipeline<Integer> source = Pipeline.generate(out -> ...);}.</li>
 * </ul>
 *
 * <p><b>Deterministic runs.</b> On {@code Scheduler.deterministic(seed)} the same seed gives the same item
 * order, the same failures and the same counts (not the same times). A terminal call from a thread outside
 * the scheduler starts the run with one spawn, which the scheduler counts as a foreign wakeup; every later
 * wakeup comes from the run's own tasks.
 *
 * @param <T> the type of the items leaving the last stage
 */
public final class Pipeline<T> {
  /** Capacity of a channel between two stages unless {@link #buffer} says otherwise. */
  public static final int DEFAULT_CAPACITY = 256;

  final Pipeline<?> upstream;
  final Spec spec;
  final int capacity;
  final String name;
  private final String prefix;
  private final int index;

  private Pipeline(Pipeline<?> upstream, Spec spec, int capacity, String name, String prefix, int index) {
    this.upstream = upstream;
    this.spec = spec;
    this.capacity = capacity;
    this.name = name;
    this.prefix = prefix;
    this.index = index;
  }

  // ---- sources

  /**
   * A pipeline whose source emits the items of {@code items}, in iteration order, asking {@code items} for a
   * new {@link Iterator} on every run. An {@code Iterable} that hands out the same iterator again (such as
   * {@code () -> iterator}) can run once: a later run fails with a {@link PipelineException} caused by an
   * {@link IllegalStateException}, instead of finding the iterator exhausted and producing nothing.
   */
  public static <T> Pipeline<T> from(Iterable<? extends T> items) {
    Objects.requireNonNull(items, "items");
    return new Pipeline<>(null, new IterableSpec(items), DEFAULT_CAPACITY, "source", "", 0);
  }

  /**
   * A pipeline whose source emits the items of {@code stream}, in encounter order, and closes the stream
   * when the run ends (so {@code Files.lines} or {@code Files.walk} release their files). A stream can be
   * consumed once, so this pipeline can run once: a second run fails with a {@link PipelineException} caused
   * by an {@link IllegalStateException}. For a source read again on every run, use {@link #from(Iterable)},
   * {@link #lines(Path)} or {@link #generate(Generator)}.
   */
  public static <T> Pipeline<T> from(Stream<? extends T> stream) {
    Objects.requireNonNull(stream, "stream");
    return new Pipeline<>(null, new StreamSpec(stream), DEFAULT_CAPACITY, "source", "", 0);
  }

  /**
   * A pipeline whose source emits the lines of the UTF-8 text file {@code file}, without line terminators,
   * reading the file anew on every run and closing it when the run ends. A missing file, a read error or
   * malformed input fails the run with a {@link PipelineException} naming the source, whose cause is the
   * {@link java.io.IOException} ({@code NoSuchFileException}, {@code MalformedInputException}, ...).
   */
  public static Pipeline<String> lines(Path file) {
    return lines(file, StandardCharsets.UTF_8);
  }

  /** The lines of {@code file} in {@code charset}; see {@link #lines(Path)}. */
  public static Pipeline<String> lines(Path file, Charset charset) {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(charset, "charset");
    return new Pipeline<>(null, new LinesSpec(file, charset), DEFAULT_CAPACITY, "source", "", 0);
  }

  /**
   * A pipeline whose source is {@code generator}, run once per run on its own virtual thread, pushing items
   * into the outbox it is given; the source ends when the generator returns. With an implicitly typed
   * lambda, Java infers {@code T} only from a target type; see {@link #generate(Class, Generator)}.
   */
  public static <T> Pipeline<T> generate(Generator<T> generator) {
    Objects.requireNonNull(generator, "generator");
    return new Pipeline<>(null, new GeneratorSpec(generator), DEFAULT_CAPACITY, "source", "", 0);
  }

  /**
   * {@link #generate(Generator)} with the item type given, so that an implicitly typed lambda infers it:
   * {@code Pipeline.generate(Integer.class, out -> { for (int i = 0; i < 3; i++) out.push(i); })}.
   */
  public static <T> Pipeline<T> generate(Class<T> itemType, Generator<T> generator) {
    Objects.requireNonNull(itemType, "itemType");
    return generate(generator);
  }

  // ---- stages

  private <R> Pipeline<R> then(String kind, Spec next) {
    int i = index + 1;
    return new Pipeline<>(this, next, DEFAULT_CAPACITY, prefix + kind + "#" + i, prefix, i);
  }

  /** A 1:1 stage on one worker. */
  public <R> Pipeline<R> map(StageFunction<? super T, ? extends R> fn) {
    return map(1, fn);
  }

  /**
   * A 1:1 stage replicated on {@code workers} workers; items leave in input order.
   *
   * @throws IllegalArgumentException if {@code workers < 1}
   */
  public <R> Pipeline<R> map(int workers, StageFunction<? super T, ? extends R> fn) {
    return then("map", new MapSpec(checkWorkers(workers), true, Objects.requireNonNull(fn, "fn"), false));
  }

  /**
   * A 1:1 stage replicated on {@code workers} workers; items leave in completion order.
   *
   * @throws IllegalArgumentException if {@code workers < 1}
   */
  public <R> Pipeline<R> mapUnordered(int workers, StageFunction<? super T, ? extends R> fn) {
    return then("mapUnordered", new MapSpec(checkWorkers(workers), false, Objects.requireNonNull(fn, "fn"), false));
  }

  /**
   * A 1:1 stage on one worker that drops the items for which {@code fn} returns {@code null}.
   */
  public <R> Pipeline<R> mapNotNull(StageFunction<? super T, ? extends R> fn) {
    return then("mapNotNull", new MapSpec(1, true, Objects.requireNonNull(fn, "fn"), true));
  }

  /**
   * A 1:1 stage on one worker that keeps the values of the non-empty {@link Optional}s {@code fn} returns and
   * drops the items for which it returns an empty one. Returning {@code null} fails the stage.
   */
  public <R> Pipeline<R> mapOptional(StageFunction<? super T, ? extends Optional<? extends R>> fn) {
    Objects.requireNonNull(fn, "fn");
    String stage = "mapOptional#" + (index + 1);
    StageFunction<T, R> unwrap = item -> {
      Optional<? extends R> r = fn.apply(item);
      if (r == null) {
        throw new NullPointerException("stage '" + stage + "' returned a null Optional");
      }
      return r.orElse(null);
    };
    return then("mapOptional", new MapSpec(1, true, unwrap, true));
  }

  /**
   * A 1:n stage: {@code fn} is called once per item and pushes any number of results. With an implicitly
   * typed lambda, Java cannot infer {@code R} from pushes; see {@link #flatMap(Class, FlatMapper)} and
   * {@link #flatMap(StageFunction)}.
   */
  public <R> Pipeline<R> flatMap(FlatMapper<? super T, R> fn) {
    return then("flatMap", new FlatMapSpec(Objects.requireNonNull(fn, "fn")));
  }

  /**
   * {@link #flatMap(FlatMapper)} with the output type given, so that an implicitly typed lambda infers it:
   * {@code .flatMap(String.class, (line, out) -> { for (String w : line.split(" ")) out.push(w); })}.
   */
  public <R> Pipeline<R> flatMap(Class<R> itemType, FlatMapper<? super T, R> fn) {
    Objects.requireNonNull(itemType, "itemType");
    return flatMap(fn);
  }

  /**
   * A 1:n stage whose function returns the results for one item, in order:
   * {@code .flatMap(line -> List.of(line.split(" ")))}. The output type is inferred from what the function
   * returns. Returning {@code null}, or an {@code Iterable} that yields {@code null}, fails the stage.
   */
  public <R> Pipeline<R> flatMap(StageFunction<? super T, ? extends Iterable<? extends R>> fn) {
    Objects.requireNonNull(fn, "fn");
    String stage = "flatMap#" + (index + 1);
    FlatMapper<T, R> pushAll = (item, out) -> {
      Iterable<? extends R> results = fn.apply(item);
      if (results == null) {
        throw new NullPointerException("stage '" + stage + "' returned a null Iterable");
      }
      for (R r : results) {
        out.push(r);
      }
    };
    return then("flatMap", new FlatMapSpec(pushAll));
  }

  /** Keeps the items for which {@code predicate} is true. */
  public Pipeline<T> filter(StagePredicate<? super T> predicate) {
    return then("filter", new FilterSpec(Objects.requireNonNull(predicate, "predicate")));
  }

  /**
   * Groups consecutive items into immutable lists of {@code size}; the last list may be shorter. A batch is
   * emitted only when full (or at the end of input), never early because input is slow.
   *
   * @throws IllegalArgumentException if {@code size < 1}
   */
  public Pipeline<List<T>> batch(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("batch size must be at least 1, got " + size);
    }
    return then("batch", new BatchSpec(size));
  }

  /**
   * An n:m stage: {@code fn} runs once, reading from the {@link Inbox} and writing to the {@link Outbox} at
   * its own pace. If it returns before the inbox is exhausted, the upstream stages stop and their remaining
   * items are dropped (like {@code limit}); that is not a failure.
   */
  public <R> Pipeline<R> transform(Transformer<T, R> fn) {
    return then("transform", new TransformSpec(Objects.requireNonNull(fn, "fn")));
  }

  /**
   * {@link #transform(Transformer)} with the output type given, so that an implicitly typed lambda infers it:
   * {@code .transform(Integer.class, (in, out) -> { int sum = 0; for (int x : in) sum += x; out.push(sum); })}.
   */
  public <R> Pipeline<R> transform(Class<R> itemType, Transformer<T, R> fn) {
    Objects.requireNonNull(itemType, "itemType");
    return transform(fn);
  }

  /**
   * Sets the capacity, in items, of the channel from the last stage into the next one.
   *
   * @throws IllegalArgumentException if {@code capacity < 1}
   */
  public Pipeline<T> buffer(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("buffer capacity must be at least 1, got " + capacity);
    }
    return new Pipeline<>(upstream, spec, capacity, name, prefix, index);
  }

  /** Renames the last stage (for stats and failure messages). */
  public Pipeline<T> named(String stageName) {
    java.util.Objects.requireNonNull(stageName, "stageName");
    if (stageName.isBlank()) {
      throw new IllegalArgumentException("stage name must not be blank");
    }
    return new Pipeline<>(upstream, spec, capacity, stageName, prefix, index);
  }

  /**
   * Fan-out: every item goes to every branch; the branches' outputs are merged, without a defined order
   * between branches. Each function receives the head of its branch and returns the branch, which must be
   * built on that head (for example {@code p -> p.map(f)}; {@code p -> p} passes items through). The
   * capacity of the merged channel is set by {@link #buffer} after {@code fork}; a {@code buffer} on a
   * branch's last stage has no effect.
   *
   * @throws IllegalArgumentException if no branch is given or a branch is not built on its head
   */
  @SafeVarargs
  public final <R> Pipeline<R> fork(Function<? super Pipeline<T>, ? extends Pipeline<R>>... branches) {
    if (branches.length == 0) {
      throw new IllegalArgumentException("fork needs at least one branch");
    }
    int i = index + 1;
    String forkName = prefix + "fork#" + i;
    List<Pipeline<?>> tails = new ArrayList<>(branches.length);
    List<HeadSpec> heads = new ArrayList<>(branches.length);
    for (int b = 0; b < branches.length; b++) {
      HeadSpec head = new HeadSpec();
      Pipeline<T> start = new Pipeline<>(null, head, DEFAULT_CAPACITY, forkName + "[" + b + "]",
          forkName + "[" + b + "]/", 0);
      Pipeline<R> tail = Objects.requireNonNull(branches[b], "branch").apply(start);
      Pipeline<?> p = tail;
      while (p != null && p.spec != head) {
        p = p.upstream;
      }
      if (p == null) {
        throw new IllegalArgumentException("fork branch " + b + " must be built on the pipeline it is given");
      }
      tails.add(tail);
      heads.add(head);
    }
    return then("fork", new ForkSpec(List.copyOf(tails), List.copyOf(heads)));
  }

  // ---- terminals

  /** Runs the pipeline and returns every item in arrival order. */
  public List<T> toList(Scheduler scheduler) {
    List<T> out = new ArrayList<>();
    forEach(scheduler, out::add);
    return out;
  }

  /**
   * Runs the pipeline, calling {@code sink} for every item on one virtual thread, and waits for the end.
   *
   * @throws PipelineException if a stage (the sink included, named {@code "sink"}) failed
   * @throws java.util.concurrent.CancellationException if the calling thread was interrupted (the pipeline
   *     is cancelled and awaited first; the interrupt flag is restored)
   */
  public void forEach(Scheduler scheduler, Sink<? super T> sink) {
    FlowRun.start(this, Objects.requireNonNull(scheduler, "scheduler"), Objects.requireNonNull(sink, "sink"))
        .joinOrCancel();
  }

  /** Runs the pipeline into {@code collector}, whose accumulator runs on one virtual thread. */
  public <A, R> R collect(Scheduler scheduler, Collector<? super T, A, R> collector) {
    A container = collector.supplier().get();
    BiConsumer<A, ? super T> acc = collector.accumulator();
    forEach(scheduler, item -> acc.accept(container, item));
    return collector.finisher().apply(container);
  }

  /** Starts the pipeline and returns at once; see {@link PipelineRun}. */
  public PipelineRun start(Scheduler scheduler, Sink<? super T> sink) {
    return FlowRun.start(this, Objects.requireNonNull(scheduler, "scheduler"), Objects.requireNonNull(sink, "sink"));
  }

  private static int checkWorkers(int workers) {
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1, got " + workers);
    }
    return workers;
  }

  @Override
  public String toString() {
    List<String> names = new ArrayList<>();
    for (Pipeline<?> p = this; p != null; p = p.upstream) {
      names.addFirst(p.name);
    }
    return "Pipeline" + names;
  }

  // ---- stage bodies

  /** The body of a {@link #map} stage. */
  @FunctionalInterface
  public interface StageFunction<T, R> {
    /** Maps one item; must not return {@code null}. */
    R apply(T item) throws Exception;
  }

  /** The body of a {@link #filter} stage. */
  @FunctionalInterface
  public interface StagePredicate<T> {
    /** Whether to keep {@code item}. */
    boolean test(T item) throws Exception;
  }

  /** The body of a {@link #flatMap} stage. */
  @FunctionalInterface
  public interface FlatMapper<T, R> {
    /** Pushes the results for one item. */
    void apply(T item, Outbox<R> out) throws Exception;
  }

  /** The body of a {@link #transform} stage. */
  @FunctionalInterface
  public interface Transformer<T, R> {
    /** Reads from {@code in} and writes to {@code out} until done. */
    void apply(Inbox<T> in, Outbox<R> out) throws Exception;
  }

  /** The body of a {@link #generate} source. */
  @FunctionalInterface
  public interface Generator<T> {
    /** Pushes every item of the source, then returns. */
    void generate(Outbox<T> out) throws Exception;
  }

  /** The consumer at the end of a pipeline; always called from one thread. */
  @FunctionalInterface
  public interface Sink<T> {
    /** Consumes one item. */
    void accept(T item) throws Exception;
  }

  // ---- descriptions of the stages, read by FlowRun

  sealed interface Spec
      permits IterableSpec, StreamSpec, LinesSpec, GeneratorSpec, HeadSpec, MapSpec, FlatMapSpec, FilterSpec,
          BatchSpec, TransformSpec, ForkSpec {}

  /**
   * An {@code Iterable} source. It remembers, weakly, the iterator of the last run, to refuse one handed out
   * again; the swap is atomic, so two concurrent runs that get the same iterator cannot both pass.
   */
  static final class IterableSpec implements Spec {
    final Iterable<?> items;
    private final AtomicReference<WeakReference<Iterator<?>>> last = new AtomicReference<>(new WeakReference<>(null));

    IterableSpec(Iterable<?> items) {
      this.items = items;
    }

    /** A new iterator for one run. */
    Iterator<?> iterator() {
      Iterator<?> it = Objects.requireNonNull(items.iterator(), "Iterable.iterator() returned null");
      if (last.getAndSet(new WeakReference<>(it)).get() == it) {
        throw new IllegalStateException("the source's Iterable returned the same Iterator as in an earlier run,"
            + " which consumed it; pass an Iterable that creates a new Iterator per call (a collection, or"
            + " () -> list.iterator()), or build a new pipeline per run");
      }
      return it;
    }
  }

  /** A {@code Stream} source; it can be taken by one run only. */
  static final class StreamSpec implements Spec {
    private final Stream<?> stream;
    private final AtomicBoolean taken = new AtomicBoolean();

    StreamSpec(Stream<?> stream) {
      this.stream = stream;
    }

    /** The stream, for the first run to ask. */
    Stream<?> take() {
      if (taken.getAndSet(true)) {
        throw new IllegalStateException("a pipeline built with Pipeline.from(Stream) runs once, and this one"
            + " already ran; build a new pipeline per run, or use Pipeline.from(Iterable) or Pipeline.lines");
      }
      return stream;
    }

    /** Closes the stream if no run took it: a run that stopped before its source started still spends it. */
    void closeUnlessTaken() {
      if (!taken.getAndSet(true)) {
        stream.close();
      }
    }
  }

  record LinesSpec(Path file, Charset charset) implements Spec {}

  record GeneratorSpec(Generator<?> generator) implements Spec {}

  /** The start of a fork branch; identity matters, so not a record. */
  static final class HeadSpec implements Spec {}

  /** {@code dropNulls}: a {@code null} result drops the item instead of failing the stage. */
  record MapSpec(int workers, boolean ordered, StageFunction<?, ?> fn, boolean dropNulls) implements Spec {}

  record FlatMapSpec(FlatMapper<?, ?> fn) implements Spec {}

  record FilterSpec(StagePredicate<?> predicate) implements Spec {}

  record BatchSpec(int size) implements Spec {}

  record TransformSpec(Transformer<?, ?> fn) implements Spec {}

  record ForkSpec(List<Pipeline<?>> branches, List<HeadSpec> heads) implements Spec {}
}
