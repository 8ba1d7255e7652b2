package dev.weft.bench;

import com.softwaremill.jox.Channel;
import com.softwaremill.jox.ChannelClosed;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntUnaryOperator;
import java.util.stream.Gatherers;

/**
 * Pipelines as an adapter: a list of items flows through stages into a summing sink.
 *
 * <ul>
 *   <li>{@link Pipes#trivial}: four 1:1 stages {@code x + 1}, {@link #TRIVIAL_ITEMS} items;</li>
 *   <li>{@link Pipes#replicated}: one CPU-bound stage ({@link Cpu#work}, about 20 µs) with
 *       {@link #WORKERS} workers, {@link #HEAVY_ITEMS} items.</li>
 * </ul>
 * Channel-based kinds use buffers of {@link #BUFFER} items between stages.
 */
enum PipeKind {
  WEFT_PARALLEL_1("Weft Pipeline, parallel(1)"),
  WEFT_PARALLEL_2("Weft Pipeline, parallel(2)"),
  JOX("Jox 1.0.1 channels + virtual threads"),
  BLOCKING_QUEUE("ArrayBlockingQueue + platform threads"),
  MAP_CONCURRENT("Stream + Gatherers.mapConcurrent"),
  PARALLEL_STREAM("parallel Stream"),
  SEQUENTIAL_STREAM("sequential Stream (floor)");

  static final int TRIVIAL_ITEMS = 20_000;
  static final int STAGES = 4;
  static final int HEAVY_ITEMS = 500;
  static final int HEAVY_ROUNDS = 16_000;
  static final int WORKERS = 2;
  static final int BUFFER = 64;

  final String label;

  PipeKind(String label) {
    this.label = label;
  }

  static int step(int x) {
    return x + 1;
  }

  static int heavy(int x) {
    return (int) Cpu.work(x, HEAVY_ROUNDS);
  }

  static List<Integer> items(int n) {
    List<Integer> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(i);
    }
    return items;
  }

  static long expectedTrivial(List<Integer> items) {
    return items.stream().mapToLong(x -> x + STAGES).sum();
  }

  static long expectedReplicated(List<Integer> items) {
    return items.stream().mapToLong(PipeKind::heavy).sum();
  }

  interface Pipes extends AutoCloseable {
    long trivial(List<Integer> items) throws Exception;

    long replicated(List<Integer> items) throws Exception;

    @Override
    default void close() {}
  }

  Pipes open() {
    return switch (this) {
      case WEFT_PARALLEL_1 -> WeftSide.pipes(1);
      case WEFT_PARALLEL_2 -> WeftSide.pipes(2);
      case JOX -> new Threaded(true);
      case BLOCKING_QUEUE -> new Threaded(false);
      case MAP_CONCURRENT -> new Pipes() {
        @Override
        public long trivial(List<Integer> items) {
          return items.stream()
              .gather(Gatherers.mapConcurrent(BUFFER, PipeKind::step))
              .gather(Gatherers.mapConcurrent(BUFFER, PipeKind::step))
              .gather(Gatherers.mapConcurrent(BUFFER, PipeKind::step))
              .gather(Gatherers.mapConcurrent(BUFFER, PipeKind::step))
              .mapToLong(Integer::longValue).sum();
        }

        @Override
        public long replicated(List<Integer> items) {
          return items.stream().gather(Gatherers.mapConcurrent(WORKERS, PipeKind::heavy))
              .mapToLong(Integer::longValue).sum();
        }
      };
      case PARALLEL_STREAM -> new Pipes() {
        @Override
        public long trivial(List<Integer> items) {
          return items.parallelStream().map(PipeKind::step).map(PipeKind::step).map(PipeKind::step)
              .map(PipeKind::step).mapToLong(Integer::longValue).sum();
        }

        @Override
        public long replicated(List<Integer> items) {
          return items.parallelStream().map(PipeKind::heavy).mapToLong(Integer::longValue).sum();
        }
      };
      case SEQUENTIAL_STREAM -> new Pipes() {
        @Override
        public long trivial(List<Integer> items) {
          return items.stream().map(PipeKind::step).map(PipeKind::step).map(PipeKind::step)
              .map(PipeKind::step).mapToLong(Integer::longValue).sum();
        }

        @Override
        public long replicated(List<Integer> items) {
          return items.stream().map(PipeKind::heavy).mapToLong(Integer::longValue).sum();
        }
      };
    };
  }

  /** A hand-off between two stages: Jox channel or ArrayBlockingQueue with an end marker. */
  private interface Link {
    void put(Integer item) throws InterruptedException;

    void end() throws InterruptedException;

    /** The next item, or null at the end. */
    Integer take() throws InterruptedException;
  }

  private static final Integer END = Integer.MIN_VALUE; // a distinct object: compared by identity

  private static Link link(boolean jox, int workersBehind) {
    if (jox) {
      Channel<Integer> ch = Channel.newBufferedChannel(BUFFER);
      return new Link() {
        @Override
        public void put(Integer item) throws InterruptedException {
          ch.send(item);
        }

        @Override
        public void end() {
          ch.done();
        }

        @Override
        public Integer take() throws InterruptedException {
          Object r = ch.receiveOrClosed();
          return r instanceof ChannelClosed ? null : (Integer) r;
        }
      };
    }
    BlockingQueue<Integer> q = new ArrayBlockingQueue<>(BUFFER);
    return new Link() {
      @Override
      public void put(Integer item) throws InterruptedException {
        q.put(item);
      }

      @Override
      public void end() throws InterruptedException {
        for (int i = 0; i < workersBehind; i++) {
          q.put(END);
        }
      }

      @Override
      public Integer take() throws InterruptedException {
        Integer v = q.take();
        return v == END ? null : v;
      }
    };
  }

  /**
   * One thread per stage (virtual threads with Jox channels, platform threads with blocking queues), a
   * source thread, and the sink on the calling thread's own virtual or platform child.
   */
  private static final class Threaded implements Pipes {
    private final boolean jox;

    Threaded(boolean jox) {
      this.jox = jox;
    }

    private Thread start(List<Thread> threads, AtomicReference<Throwable> failure, Body body) {
      Runnable r = () -> {
        try {
          body.run();
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      };
      Thread t = jox ? Thread.ofVirtual().start(r) : Thread.ofPlatform().daemon(true).start(r);
      threads.add(t);
      return t;
    }

    private interface Body {
      void run() throws Exception;
    }

    private long run(List<Integer> items, int stages, int workers, IntUnaryOperator f) throws Exception {
      List<Thread> threads = new ArrayList<>();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Link first = link(jox, workers);
      Link in = first;
      start(threads, failure, () -> {
        for (Integer x : items) {
          first.put(x);
        }
        first.end();
      });
      for (int s = 0; s < stages; s++) {
        Link from = in;
        Link to = link(jox, 1);
        java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger(workers);
        for (int w = 0; w < workers; w++) {
          start(threads, failure, () -> {
            Integer x;
            while ((x = from.take()) != null) {
              to.put(f.applyAsInt(x));
            }
            if (live.decrementAndGet() == 0) {
              to.end();
            }
          });
        }
        in = to;
      }
      Link last = in;
      long[] sum = new long[1];
      Thread sink = start(threads, failure, () -> {
        Integer x;
        while ((x = last.take()) != null) {
          sum[0] += x;
        }
      });
      sink.join();
      for (Thread t : threads) {
        t.join();
      }
      if (failure.get() != null) {
        throw new IllegalStateException(failure.get());
      }
      return sum[0];
    }

    @Override
    public long trivial(List<Integer> items) throws Exception {
      return run(items, STAGES, 1, PipeKind::step);
    }

    @Override
    public long replicated(List<Integer> items) throws Exception {
      return run(items, 1, WORKERS, PipeKind::heavy);
    }
  }
}
