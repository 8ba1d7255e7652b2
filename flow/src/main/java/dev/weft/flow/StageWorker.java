package dev.weft.flow;

import java.io.BufferedReader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The body of one virtual thread of a stage. Subclasses implement {@link #body}; this class registers the
 * thread with the run (so {@link FlowRun#cancel} can interrupt it), reports the first real failure, and always
 * releases its channels: its input as a consumer, its outputs as a producer, after flushing them on success.
 *
 * <p>Exception handling: once the run is stopped (cancelled or failed elsewhere), whatever the body throws
 * is a consequence of the stop and is dropped. A {@link ChannelAbandonedException} means nobody reads the
 * output any more and ends the worker normally. Anything else fails the run, naming the stage.
 */
abstract class StageWorker implements Callable<Void> {
  final FlowRun run;
  final String stage;
  final String threadName;
  final WorkerCounters counters;
  private Channel input;
  private final List<ChunkOutbox<?>> outputs = new ArrayList<>(1);

  StageWorker(FlowRun run, String stage, String threadName) {
    this.run = run;
    this.stage = stage;
    this.threadName = threadName;
    this.counters = new WorkerCounters(run.clock);
  }

  /** Registers this worker as the consumer of {@code channel}; call while wiring. */
  <T> ChunkInbox<T> input(Channel channel) {
    this.input = channel;
    channel.addConsumer();
    return new ChunkInbox<>(channel, counters, this);
  }

  /** Registers this worker as a producer of {@code channel}; call while wiring. */
  <T> ChunkOutbox<T> output(Channel channel) {
    channel.addProducer();
    ChunkOutbox<T> out = new ChunkOutbox<>(channel, counters, stage);
    outputs.add(out);
    return out;
  }

  abstract void body() throws Exception;

  /** Releases what the worker holds; runs last, also when the run stopped before {@link #body} started. */
  void release() {}

  /** Hands pending output downstream; called before blocking on input and at the end. */
  void flushOutputs() {
    for (ChunkOutbox<?> out : outputs) {
      out.flush();
    }
  }

  @Override
  public final Void call() {
    try {
      run.register(Thread.currentThread());
      body();
      flushOutputs();
    } catch (ChannelAbandonedException e) {
      // Every consumer downstream has stopped reading: a normal end for this worker.
    } catch (Throwable t) {
      if (!run.isStopped()) {
        run.fail(stage, t);
      }
    } finally {
      if (input != null) {
        input.closeConsumer();
      }
      for (ChunkOutbox<?> out : outputs) {
        out.channel().closeProducer();
      }
      release();
    }
    return null;
  }

  /** The first worker of a pipeline: reads {@code spec}'s items from wherever they come and pushes them. */
  abstract static class SourceWorker<S, T> extends StageWorker {
    final S spec;
    final ChunkOutbox<T> out;

    SourceWorker(FlowRun run, String stage, S spec, Channel out) {
      super(run, stage, stage);
      this.spec = spec;
      this.out = output(out);
    }

    final void pushAll(Iterator<? extends T> it) {
      while (it.hasNext()) {
        out.push(it.next());
      }
    }
  }

  /** Pushes the items of an {@link Iterable}, from a new iterator. */
  static final class IterableSource extends SourceWorker<Pipeline.IterableSpec, Object> {
    IterableSource(FlowRun run, String stage, Pipeline.IterableSpec spec, Channel out) {
      super(run, stage, spec, out);
    }

    @Override
    void body() {
      pushAll(spec.iterator());
    }
  }

  /** Pushes the items of a {@link Stream}, then closes it. */
  static final class StreamSource extends SourceWorker<Pipeline.StreamSpec, Object> {
    StreamSource(FlowRun run, String stage, Pipeline.StreamSpec spec, Channel out) {
      super(run, stage, spec, out);
    }

    @Override
    void body() {
      try (Stream<?> stream = spec.take()) {
        pushAll(stream.iterator());
      }
    }

    @Override
    void release() {
      try {
        spec.closeUnlessTaken(); // the run stopped before this source started: the stream is spent anyway
      } catch (RuntimeException e) {
        // The run has already stopped for another reason, which is what it reports.
      }
    }
  }

  /** Pushes the lines of a text file, then closes it. */
  static final class LinesSource extends SourceWorker<Pipeline.LinesSpec, String> {
    LinesSource(FlowRun run, String stage, Pipeline.LinesSpec spec, Channel out) {
      super(run, stage, spec, out);
    }

    @Override
    void body() throws Exception {
      try (BufferedReader reader = Files.newBufferedReader(spec.file(), spec.charset())) {
        for (String line; (line = reader.readLine()) != null; ) {
          out.push(line);
        }
      }
    }
  }

  /** Runs a user generator that pushes into an outbox. */
  static final class GeneratorSource<T> extends SourceWorker<Pipeline.Generator<T>, T> {
    GeneratorSource(FlowRun run, String stage, Pipeline.Generator<T> generator, Channel out) {
      super(run, stage, generator, out);
    }

    @Override
    void body() throws Exception {
      spec.generate(out);
    }
  }

  /**
   * One worker of a {@code map} stage. It maps whole chunks in place and passes them on, so a 1:1 stage costs
   * one function call per item and nothing else. With a {@link Sequencer}, chunks leave in the order they
   * were taken from the input. With {@code dropNulls} ({@code mapNotNull}, {@code mapOptional}, one worker),
   * the chunk is compacted as it is mapped and an emptied chunk is not passed on.
   */
  static final class MapWorker<T, R> extends StageWorker {
    private final Pipeline.StageFunction<? super T, ? extends R> fn;
    private final ChunkInbox<T> in;
    private final ChunkOutbox<R> out;
    private final Sequencer sequencer;
    private final boolean dropNulls;

    MapWorker(FlowRun run, String stage, String threadName, Pipeline.StageFunction<? super T, ? extends R> fn,
        Channel in, Channel out, Sequencer sequencer, boolean dropNulls) {
      super(run, stage, threadName);
      this.fn = fn;
      this.in = input(in);
      this.out = output(out);
      this.sequencer = sequencer;
      this.dropNulls = dropNulls;
    }

    @Override
    @SuppressWarnings("unchecked")
    void body() throws Exception {
      while (true) {
        if (sequencer != null) {
          sequencer.reserve(counters);
        }
        Chunk c = in.nextChunk();
        if (c == null) {
          if (sequencer != null) {
            sequencer.unreserve();
          }
          return;
        }
        Object[] items = c.items;
        if (dropNulls) {
          int kept = 0;
          for (int i = 0, n = c.size; i < n; i++) {
            Object r = fn.apply((T) items[i]);
            items[i] = null;
            if (r != null) {
              items[kept++] = r;
            }
          }
          c.size = kept;
          if (kept > 0) {
            out.putChunk(c);
          }
          continue;
        }
        for (int i = 0, n = c.size; i < n; i++) {
          Object r = fn.apply((T) items[i]);
          if (r == null) {
            throw new NullPointerException("stage '" + stage + "' produced a null item");
          }
          items[i] = r;
        }
        if (sequencer != null) {
          sequencer.deliver(c, out);
        } else {
          out.putChunk(c);
        }
      }
    }
  }

  /** {@code flatMap}: a function per item that pushes zero or more results. */
  static final class FlatMapWorker<T, R> extends StageWorker {
    private final Pipeline.FlatMapper<? super T, R> fn;
    private final ChunkInbox<T> in;
    private final ChunkOutbox<R> out;

    FlatMapWorker(FlowRun run, String stage, Pipeline.FlatMapper<? super T, R> fn, Channel in, Channel out) {
      super(run, stage, stage);
      this.fn = fn;
      this.in = input(in);
      this.out = output(out);
    }

    @Override
    void body() throws Exception {
      for (T item; (item = in.take()) != null; ) {
        fn.apply(item, out);
      }
    }
  }

  /** {@code filter}. */
  static final class FilterWorker<T> extends StageWorker {
    private final Pipeline.StagePredicate<? super T> predicate;
    private final ChunkInbox<T> in;
    private final ChunkOutbox<T> out;

    FilterWorker(FlowRun run, String stage, Pipeline.StagePredicate<? super T> predicate, Channel in, Channel out) {
      super(run, stage, stage);
      this.predicate = predicate;
      this.in = input(in);
      this.out = output(out);
    }

    @Override
    void body() throws Exception {
      for (T item; (item = in.take()) != null; ) {
        if (predicate.test(item)) {
          out.push(item);
        }
      }
    }
  }

  /** {@code batch(n)}: lists of exactly {@code n} items, the last one possibly shorter. */
  static final class BatchWorker<T> extends StageWorker {
    private final int size;
    private final ChunkInbox<T> in;
    private final ChunkOutbox<List<T>> out;

    BatchWorker(FlowRun run, String stage, int size, Channel in, Channel out) {
      super(run, stage, stage);
      this.size = size;
      this.in = input(in);
      this.out = output(out);
    }

    @Override
    void body() {
      List<T> batch = new ArrayList<>(size);
      for (T item; (item = in.take()) != null; ) {
        batch.add(item);
        if (batch.size() == size) {
          out.push(List.copyOf(batch));
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        out.push(List.copyOf(batch));
      }
    }
  }

  /** {@code transform}: the user drives the inbox and the outbox. */
  static final class TransformWorker<T, R> extends StageWorker {
    private final Pipeline.Transformer<T, R> fn;
    private final ChunkInbox<T> in;
    private final ChunkOutbox<R> out;

    TransformWorker(FlowRun run, String stage, Pipeline.Transformer<T, R> fn, Channel in, Channel out) {
      super(run, stage, stage);
      this.fn = fn;
      this.in = input(in);
      this.out = output(out);
    }

    @Override
    void body() throws Exception {
      fn.apply(in, out);
    }
  }

  /**
   * The fan-out of {@code fork}: every item to every branch. A branch whose consumers have all stopped is
   * dropped; the worker ends when no branch is left.
   */
  static final class ForkWorker<T> extends StageWorker {
    private final ChunkInbox<T> in;
    private final List<ChunkOutbox<T>> branches = new ArrayList<>();
    private boolean[] dropped;
    private int live;

    ForkWorker(FlowRun run, String stage, Channel in) {
      super(run, stage, stage);
      this.in = input(in);
    }

    void addBranch(Channel channel) {
      branches.add(output(channel));
    }

    @Override
    void body() {
      dropped = new boolean[branches.size()];
      live = branches.size();
      for (T item; (item = in.take()) != null; ) {
        for (int i = 0; i < branches.size(); i++) {
          if (!dropped[i]) {
            try {
              branches.get(i).push(item);
            } catch (ChannelAbandonedException e) {
              drop(i, e);
            }
          }
        }
      }
    }

    @Override
    void flushOutputs() {
      for (int i = 0; i < branches.size(); i++) {
        if (dropped == null || !dropped[i]) {
          try {
            branches.get(i).flush();
          } catch (ChannelAbandonedException e) {
            drop(i, e);
          }
        }
      }
    }

    private void drop(int i, ChannelAbandonedException e) {
      dropped[i] = true;
      if (--live == 0) {
        throw e;
      }
    }
  }

  /** The sink; it runs on the run's coordinator thread, so a stateful sink needs no lock. */
  static final class SinkWorker<T> extends StageWorker {
    private final Pipeline.Sink<? super T> sink;
    private final ChunkInbox<T> in;

    SinkWorker(FlowRun run, String stage, Pipeline.Sink<? super T> sink, Channel in) {
      super(run, stage, stage);
      this.sink = sink;
      this.in = input(in);
    }

    @Override
    @SuppressWarnings("unchecked")
    void body() throws Exception {
      for (Chunk c; (c = in.nextChunk()) != null; ) {
        Object[] items = c.items;
        for (int i = 0, n = c.size; i < n; i++) {
          sink.accept((T) items[i]);
        }
      }
    }
  }
}
