package dev.weft.bench;

import dev.weft.flow.Graph;
import dev.weft.flow.Node;
import dev.weft.flow.Pipeline;
import dev.weft.flow.Source;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.List;

/**
 * The Weft side of the workloads that use the query engine or the flow module, in one place. An operation
 * the engine does not implement yet throws {@link UnsupportedOperationException}, which the runner reports
 * as "n/a (not implemented)".
 */
final class WeftSide {
  private WeftSide() {}

  private static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).name("bench").build();
  }

  // ---------------------------------------------------------------- memo hit

  static MemoKind.Lookup memoHit(Long[] keys) {
    Scheduler scheduler = Scheduler.parallel(1);
    try {
      QueryEngine engine = engine(scheduler);
      Query<Long, Long> square = Query.of("square", (ctx, k) -> MemoKind.valueOf(k));
      engine.getAll(square, List.of(keys));
      return new MemoKind.Lookup() {
        @Override
        public Object get(Long key) {
          return engine.get(square, key);
        }

        @Override
        public long loop(Long[] keys, long n) {
          int mask = keys.length - 1;
          long s = 0;
          long t0 = System.nanoTime();
          for (long i = 0; i < n; i++) {
            s += engine.get(square, keys[(int) i & mask]);
          }
          long t = System.nanoTime() - t0;
          MemoKind.sink += s;
          return t;
        }

        @Override
        public void close() {
          engine.close();
          scheduler.close();
        }
      };
    } catch (RuntimeException | Error e) {
      scheduler.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- durability

  /**
   * Reads of {@code keys.length} memos that read only HIGH inputs, in blocks of one pass over the keys. With
   * {@code afterLowSet}, a LOW input is set before each block (untimed), so every timed read is the first of
   * its memo in a new revision and must find it current by durability alone; without, the same reads are
   * memo hits. Returns the nanoseconds of the reads.
   */
  static Measured durabilityRead(Long[] keys, boolean afterLowSet) {
    return durabilityRead(keys, afterLowSet, false);
  }

  /**
   * As {@link #durabilityRead(Long[], boolean)}; with {@code inBody}, the reads are a body's: each block is one
   * execution of a fresh root (an LRU query of 16) whose body reads every key through its context.
   */
  static Measured durabilityRead(Long[] keys, boolean afterLowSet, boolean inBody) {
    Scheduler scheduler = Scheduler.parallel(1);
    try {
      QueryEngine engine = engine(scheduler);
      Input<Long, Long> config = Query.input("config");
      Input<Long, Long> source = Query.input("source");
      Query<Long, Long> settled = Query.of("settled", (ctx, k) -> ctx.get(config, k & 15) + k);
      Query<Long, Long> edited = Query.of("edited", (ctx, k) -> ctx.get(source, 0L) + k);
      engine.update(tx -> {
        for (long c = 0; c < 16; c++) {
          tx.set(config, c, c * 7, dev.weft.query.Durability.HIGH);
        }
        tx.set(source, 0L, 0L);
      });
      long[] inBodyNanos = {0}; // the reads alone: a root read from this platform thread waits for a carrier
      Query<Long, Long> sum = Query.<Long, Long>builder("sum").lru(16).build((ctx, round) -> {
        long total = 0;
        long t0 = System.nanoTime();
        for (Long k : keys) {
          total += ctx.get(settled, k);
        }
        inBodyNanos[0] += System.nanoTime() - t0;
        return total;
      });
      engine.getAll(settled, List.of(keys));
      engine.get(edited, 1L);
      long[] edits = {0};
      long[] rounds = {0};
      return new Measured() {
        @Override
        public long run(long n) {
          long t = 0;
          long s = 0;
          long done = 0;
          while (done < n) {
            if (afterLowSet) {
              engine.set(source, 0L, ++edits[0]);
            }
            int block = (int) Math.min(keys.length, n - done);
            if (inBody) {
              long before = inBodyNanos[0];
              s += engine.get(sum, ++rounds[0]);
              t += inBodyNanos[0] - before;
              block = keys.length;
            } else {
              long t0 = System.nanoTime();
              for (int i = 0; i < block; i++) {
                s += engine.get(settled, keys[i]);
              }
              t += System.nanoTime() - t0;
            }
            done += block;
          }
          MemoKind.sink += s;
          return done > n ? t * n / done : t; // a body reads whole blocks: scale to the n reads asked for
        }

        @Override
        public String note() {
          return afterLowSet ? "LOW sets: " + edits[0] + "; executions " + engine.stats().executions()
              + " (the " + keys.length + " HIGH-only memos and one LOW reader ran once" + (inBody ? "; one root per"
              + " block" : "") + ")" : null;
        }

        @Override
        public void close() {
          engine.close();
          scheduler.close();
        }
      };
    } catch (RuntimeException | Error e) {
      scheduler.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------- cold queries

  /** The shape's nodes as one query, and a root query reading every root in order. */
  private static final class ShapeQueries {
    final Query<Long, Long> node;
    final Query<Integer, Long> root;

    ShapeQueries(Shape shape) {
      @SuppressWarnings({"unchecked", "rawtypes"})
      Query<Long, Long>[] self = new Query[1];
      self[0] = Query.of("node", (ctx, k) -> {
        if (shape.leaf(k)) {
          return k;
        }
        long v = 1;
        for (int i = 0, n = shape.arity(k); i < n; i++) {
          v += ctx.get(self[0], shape.dep(k, i));
        }
        return v;
      });
      this.node = self[0];
      long[] roots = shape.roots();
      Query<Long, Long> nodes = this.node;
      this.root = Query.of("roots", (ctx, unused) -> {
        long sum = 0;
        for (long r : roots) {
          sum += ctx.get(nodes, r);
        }
        return sum;
      });
    }
  }

  static ColdMemo.Solver cold(Shape shape) {
    Scheduler scheduler = Scheduler.parallel(1);
    ShapeQueries queries = new ShapeQueries(shape);
    return new ColdMemo.Solver() {
      private QueryEngine engine;

      @Override
      public void reset() {
        if (engine != null) {
          engine.close();
        }
        engine = engine(scheduler);
      }

      @Override
      public long solve() {
        return engine.get(queries.root, 0);
      }

      @Override
      public void close() {
        if (engine != null) {
          engine.close();
        }
        scheduler.close();
      }
    };
  }

  // ---------------------------------------------------------------- waiting

  static WaitKind.Waiting waiting(Scheduler scheduler) {
    Query<Integer, Integer> slow = Query.of("slow", (ctx, k) -> {
      Thread.yield();
      return k;
    });
    return new WaitKind.Waiting() {
      @Override
      public long run(int keys) {
        try (QueryEngine engine = engine(scheduler)) {
          return WaitKind.twoReaders(scheduler, () -> {
            for (int k = 0; k < keys; k++) {
              engine.get(slow, k);
            }
          });
        }
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  // ---------------------------------------------------------------- wide DAG

  static DagKind.Dag dag(int carriers) {
    Scheduler scheduler = Scheduler.parallel(carriers);
    Query<Integer, Long> leaf = Query.of("leaf", (ctx, k) -> DagKind.leaf(k));
    Query<Integer, Long> group = Query.of("group", (ctx, g) -> {
      List<Integer> keys = new ArrayList<>(DagKind.FAN);
      for (int i = 0; i < DagKind.FAN; i++) {
        keys.add(g * DagKind.FAN + i);
      }
      return ctx.getAll(leaf, keys).stream().mapToLong(Long::longValue).sum();
    });
    List<Integer> groups = new ArrayList<>();
    for (int g = 0; g < DagKind.GROUPS; g++) {
      groups.add(g);
    }
    Query<Integer, Long> root = Query.of("root", (ctx, unused) ->
        ctx.getAll(group, groups).stream().mapToLong(Long::longValue).sum());
    return new DagKind.Dag() {
      @Override
      public long compute() {
        try (QueryEngine engine = engine(scheduler)) {
          return engine.get(root, 0);
        }
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  // ---------------------------------------------------------------- synthetic analysis

  /** {@link Analysis} as queries; a fresh engine per run; the root reads every check with getAll. */
  static Measured analysis(int carriers) {
    Scheduler scheduler = Scheduler.parallel(carriers);
    Query<Integer, Long> parse = Query.of("parse", (ctx, f) -> Analysis.parse(f));
    Query<Integer, Long> decls = Query.of("declarations", (ctx, f) -> Analysis.declarations(ctx.get(parse, f)));
    Query<Integer, Long> resolve = Query.of("resolve", (ctx, f) -> {
      long resolution = ctx.get(decls, f);
      for (int i = 0; i < Analysis.IMPORTS; i++) {
        resolution = resolution * 31 + ctx.get(decls, Analysis.imported(f, i));
      }
      return resolution;
    });
    Query<Integer, Long> check = Query.of("check", (ctx, f) -> Analysis.check(f, ctx.get(resolve, f)));
    List<Integer> files = new ArrayList<>();
    for (int f = 0; f < Analysis.FILES; f++) {
      files.add(f);
    }
    Query<Integer, Long> root = Query.of("root", (ctx, unused) ->
        ctx.getAll(check, files).stream().mapToLong(Long::longValue).sum());
    long expected = Analysis.sequential();
    return new Measured() {
      @Override
      public long run(long iterations) {
        long total = 0;
        for (long i = 0; i < iterations; i++) {
          try (QueryEngine engine = engine(scheduler)) {
            long t0 = System.nanoTime();
            long v = engine.get(root, 0);
            total += System.nanoTime() - t0;
            check(v, expected);
          }
        }
        return total;
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  // ---------------------------------------------------------------- incremental

  /** The queries of {@link IncrementalGraph}. */
  private static final class Incremental {
    final Input<Integer, Integer> src = Query.input("src");
    final Query<Integer, Integer> mid = Query.of("mid", (ctx, i) -> IncrementalGraph.midOf(ctx.get(src, i)));
    final Query<Integer, Integer> leaf = Query.of("leaf", (ctx, j) ->
        IncrementalGraph.leafOf(j, ctx.get(mid, j % IncrementalGraph.SOURCES)));
    final Query<Integer, Long> group = Query.of("group", (ctx, g) -> {
      long sum = 0;
      for (int j = g * IncrementalGraph.PER_GROUP; j < (g + 1) * IncrementalGraph.PER_GROUP; j++) {
        sum += ctx.get(leaf, j);
      }
      return sum;
    });
    final Query<Integer, Long> root = Query.of("root", (ctx, unused) -> {
      long sum = 0;
      for (int g = 0; g < IncrementalGraph.GROUPS; g++) {
        sum += ctx.get(group, g);
      }
      return sum;
    });

    void load(QueryEngine engine) {
      for (int i = 0; i < IncrementalGraph.SOURCES; i++) {
        engine.set(src, i, i + 1);
      }
    }
  }

  static Measured incremental() {
    Scheduler scheduler = Scheduler.parallel(2);
    Incremental q = new Incremental();
    QueryEngine engine = engine(scheduler);
    long expected = IncrementalGraph.expectedRoot();
    try {
      q.load(engine);
      check(engine.get(q.root, 0), expected);
    } catch (RuntimeException | Error e) {
      engine.close();
      scheduler.close();
      throw e;
    }
    return new Measured() {
      private int value = 1;

      @Override
      public long run(long iterations) {
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
          value = value % 1_000_000 + 1;
          engine.set(q.src, 0, value);
          check(engine.get(q.root, 0), expected);
        }
        return System.nanoTime() - t0;
      }

      @Override
      public void close() {
        engine.close();
        scheduler.close();
      }
    };
  }

  static Measured incrementalScratch() {
    Scheduler scheduler = Scheduler.parallel(2);
    Incremental q = new Incremental();
    long expected = IncrementalGraph.expectedRoot();
    return new Measured() {
      @Override
      public long run(long iterations) {
        long total = 0;
        for (long i = 0; i < iterations; i++) {
          try (QueryEngine engine = engine(scheduler)) {
            q.load(engine);
            long t0 = System.nanoTime();
            long v = engine.get(q.root, 0);
            total += System.nanoTime() - t0;
            check(v, expected);
          }
        }
        return total;
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  private static void check(long value, long expected) {
    if (value != expected) {
      throw new IllegalStateException("wrong result " + value + ", expected " + expected);
    }
  }

  // ---------------------------------------------------------------- memory

  /**
   * An engine holding {@link Memory#ENTRIES} leaf memos (keys from {@code keys}, cached {@code Integer}
   * values), read by 100 group memos and one root memo; returned with its scheduler so both stay reachable.
   */
  static Object memos(Long[] keys) {
    int groups = 100;
    int perGroup = keys.length / groups;
    Query<Long, Integer> leaf = Query.of("leaf", (ctx, k) -> Memory.valueOf(k));
    Query<Integer, Integer> group = Query.of("group", (ctx, g) -> {
      int sum = 0;
      for (int i = g * perGroup; i < (g + 1) * perGroup; i++) {
        sum += ctx.get(leaf, keys[i]);
      }
      return sum & 63;
    });
    Query<Integer, Integer> root = Query.of("root", (ctx, unused) -> {
      int sum = 0;
      for (int g = 0; g < groups; g++) {
        sum += ctx.get(group, g);
      }
      return sum & 63;
    });
    Scheduler scheduler = Scheduler.parallel(1);
    QueryEngine engine = engine(scheduler);
    try {
      engine.get(root, 0);
    } catch (RuntimeException | Error e) {
      engine.close();
      scheduler.close();
      throw e;
    }
    return new AutoCloseable[] {engine, scheduler};
  }

  /** Releases what {@link #memos} returned. */
  static void release(Object memos) throws Exception {
    for (AutoCloseable c : (AutoCloseable[]) memos) {
      c.close();
    }
  }

  // ---------------------------------------------------------------- pipelines

  static PipeKind.Pipes pipes(int carriers) {
    Scheduler scheduler = Scheduler.parallel(carriers);
    return new PipeKind.Pipes() {
      @Override
      public long trivial(List<Integer> items) {
        long[] sum = new long[1];
        Pipeline.from(items).buffer(PipeKind.BUFFER)
            .map(PipeKind::step).buffer(PipeKind.BUFFER)
            .map(PipeKind::step).buffer(PipeKind.BUFFER)
            .map(PipeKind::step).buffer(PipeKind.BUFFER)
            .map(PipeKind::step).buffer(PipeKind.BUFFER)
            .forEach(scheduler, x -> sum[0] += x);
        return sum[0];
      }

      @Override
      public long replicated(List<Integer> items) {
        long[] sum = new long[1];
        Pipeline.from(items).buffer(PipeKind.BUFFER)
            .map(PipeKind.WORKERS, PipeKind::heavy).buffer(PipeKind.BUFFER)
            .forEach(scheduler, x -> sum[0] += x);
        return sum[0];
      }

      @Override
      public void close() {
        scheduler.close();
      }
    };
  }

  // ---------------------------------------------------------------- static graphs

  static GraphKind.Chain graph(int carriers) {
    Scheduler scheduler = Scheduler.parallel(carriers);
    try {
      Graph.Builder b = Graph.builder();
      Source<Integer> source = b.source(0);
      Node<Integer> last = b.node(x -> x + 1, source);
      for (int i = 1; i < GraphKind.NODES; i++) {
        last = b.node(x -> x + 1, last);
      }
      Graph g = b.build(scheduler);
      Node<Integer> end = last;
      return new GraphKind.Chain() {
        @Override
        public long change(int value) {
          g.set(source, value);
          g.stabilize();
          return g.get(end);
        }

        @Override
        public void noChange() {
          g.stabilize();
        }

        @Override
        public void close() {
          scheduler.close();
        }
      };
    } catch (RuntimeException | Error e) {
      scheduler.close();
      throw e;
    }
  }
}
