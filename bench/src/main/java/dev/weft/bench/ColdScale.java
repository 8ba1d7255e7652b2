package dev.weft.bench;

import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;

/**
 * The cold scaling series ({@code cold-scale-*}): trivial queries computed from an empty memo, one engine per
 * run, at 20k, 200k and 2M queries, against a recursive {@code HashMap} memo doing the same recursion.
 *
 * <ul>
 *   <li>{@code tree}: one binary tree under one root, heap-shaped (node {@code k} reads {@code 2k} and
 *       {@code 2k + 1} when they exist), 21 levels at 2M;</li>
 *   <li>{@code short-chain}: chains of {@value #SHORT} queries, each reading its predecessor, under one root
 *       that reads every chain's top: within one stack (below the engine's hop depth of 96);</li>
 *   <li>{@code deep-chain}: chains of {@value #DEEP} queries: the recursion continues on a fresh virtual thread
 *       every 96 levels, so the figure is per level of deep recursion (DESIGN.md section 8).</li>
 * </ul>
 *
 * A value is the key for a leaf, else 1 plus the sum of what it reads. Keys are boxed {@code Long}s on both
 * sides. Whether the heap was pre-touched changes these figures on a fresh JVM: {@code --pretouch-both} and
 * {@code --first-runs N} of the runner launch the JVMs to compare ({@link Launcher}).
 */
final class ColdScale {
  private ColdScale() {}

  static final int SHORT = 50;
  static final int DEEP = 1_000;
  static final int[] SIZES = {20_000, 200_000, 2_000_000};
  static final String WEFT = "Weft, one engine per run, parallel(1)";
  static final String MAP = "recursive HashMap memo";

  enum Kind {
    TREE("tree"), SHORT_CHAIN("short-chain"), DEEP_CHAIN("deep-chain");

    final String label;

    Kind(String label) {
      this.label = label;
    }
  }

  /** One shape at one size. */
  record Sized(Kind kind, int size) {
    String name() {
      return "cold-scale-" + kind.label + "-" + sizeLabel(size);
    }

    int length() {
      return kind == Kind.SHORT_CHAIN ? SHORT : DEEP;
    }

    int queries() {
      return kind == Kind.TREE ? size : size / length() * length();
    }

    boolean leaf(long k) {
      return kind == Kind.TREE ? 2 * k > size : k % length() == 0;
    }

    int arity(long k) {
      return kind == Kind.TREE ? (2 * k + 1 <= size ? 2 : 1) : 1;
    }

    long dep(long k, int i) {
      return kind == Kind.TREE ? 2 * k + i : k - 1;
    }

    long[] roots() {
      if (kind == Kind.TREE) {
        return new long[] {1};
      }
      int chains = size / length();
      long[] r = new long[chains];
      for (int c = 0; c < chains; c++) {
        r[c] = (long) c * length() + length() - 1;
      }
      return r;
    }

    String describe() {
      return switch (kind) {
        case TREE -> String.format(Locale.ROOT, "cold binary tree of %,d trivial queries under one root", size);
        case SHORT_CHAIN -> String.format(Locale.ROOT, "%,d cold trivial queries in %,d chains of %d (within one"
            + " stack)", queries(), size / length(), length());
        case DEEP_CHAIN -> String.format(Locale.ROOT, "%,d cold trivial queries in %,d chains of %,d (deep"
            + " recursion: a fresh virtual thread every 96 levels)", queries(), size / length(), length());
      };
    }
  }

  static String sizeLabel(int size) {
    return size >= 1_000_000 ? size / 1_000_000 + "m" : size / 1_000 + "k";
  }

  static List<Sized> shapes() {
    List<Sized> out = new ArrayList<>();
    for (Kind k : Kind.values()) {
      for (int s : SIZES) {
        out.add(new Sized(k, s));
      }
    }
    return out;
  }

  static List<Workload> workloads() {
    List<Workload> list = new ArrayList<>();
    for (Sized s : shapes()) {
      Workload.Builder b = Workload.builder(s.name(), s.describe())
          .unit("ns/query", s.queries()).minWarmup(3_000)
          .add(Alternative.weft(WEFT, () -> weft(s)))
          .add(Alternative.baseline(MAP, () -> map(s)));
      if (s.kind() == Kind.DEEP_CHAIN) {
        b.target("cold deep chains ≤ 250 ns per level", Workload.Verdict.atMost(WEFT, 250, "ns"));
      } else {
        b.target("cold trivial query inline ≤ 100 ns/query", Workload.Verdict.atMost(WEFT, 100, "ns"));
        b.target("issue 16: cold trivial query ≤ 2.5x a recursive HashMap memo (ratio shown inverted)",
            Workload.Verdict.ratioAtLeast(MAP, WEFT, 1 / 2.5));
      }
      list.add(b.build());
    }
    return list;
  }

  // ------------------------------------------------------------------------------------------ contenders

  private static Measured weft(Sized s) {
    Scheduler scheduler = Scheduler.parallel(1);
    long expected = expected(s);
    return new Measured() {
      @Override
      public long run(long iterations) {
        long total = 0;
        for (long i = 0; i < iterations; i++) {
          // New query objects per run: a query object keeps the table of the engine that used it last, so
          // reusing them would keep the previous run's memos reachable during this one (2 x 300 MB at 2M).
          Query<Integer, Long> root = queries(s);
          try (QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("cold").build()) {
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

  /** The root query of a shape: it reads every root of the shape through the node query. */
  static Query<Integer, Long> queries(Sized s) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Query<Long, Long>[] self = new Query[1];
    self[0] = Query.of("node", (ctx, k) -> {
      if (s.leaf(k)) {
        return k;
      }
      long v = 1;
      for (int i = 0, n = s.arity(k); i < n; i++) {
        v += ctx.get(self[0], s.dep(k, i));
      }
      return v;
    });
    Query<Long, Long> node = self[0];
    long[] roots = s.roots();
    return Query.of("roots", (ctx, unused) -> {
      long sum = 0;
      for (long r : roots) {
        sum += ctx.get(node, r);
      }
      return sum;
    });
  }

  private static Measured map(Sized s) {
    long expected = expected(s);
    return iterations -> {
      long total = 0;
      for (long i = 0; i < iterations; i++) {
        long t0 = System.nanoTime();
        long v = new MapMemo(s).solve();
        total += System.nanoTime() - t0;
        check(v, expected);
      }
      return total;
    };
  }

  private static final class MapMemo {
    private final Sized s;
    private final HashMap<Long, Long> memo = new HashMap<>();

    MapMemo(Sized s) {
      this.s = s;
    }

    long get(long k) {
      Long v = memo.get(k);
      if (v != null) {
        return v;
      }
      long value;
      if (s.leaf(k)) {
        value = k;
      } else {
        value = 1;
        for (int i = 0, n = s.arity(k); i < n; i++) {
          value += get(s.dep(k, i));
        }
      }
      memo.put(k, value);
      return value;
    }

    long solve() {
      long sum = 0;
      for (long r : s.roots()) {
        sum += get(r);
      }
      return sum;
    }
  }

  private static long expected(Sized s) {
    return new MapMemo(s).solve();
  }

  private static void check(long v, long expected) {
    if (v != expected) {
      throw new IllegalStateException("wrong result " + v + ", expected " + expected);
    }
  }

  // ------------------------------------------------------------------------------------------ summaries

  static String summary(Summaries.Results r) {
    return table(List.of(""), List.of(r));
  }

  /**
   * Per shape, one row per size: Weft and the HashMap memo per query, their ratio, and heap bytes and minor
   * page faults per query, for each labelled set of results (one per JVM configuration).
   */
  static String table(List<String> labels, List<Summaries.Results> results) {
    StringBuilder b = new StringBuilder();
    for (Kind k : Kind.values()) {
      boolean any = false;
      for (int size : SIZES) {
        for (Summaries.Results r : results) {
          any |= r.has(new Sized(k, size).name());
        }
      }
      if (!any) {
        continue;
      }
      b.append(String.format(Locale.ROOT, "%nCold %s, per query (medians; CPU = CPU time of all Java threads, the"
          + " figure that other processes disturb least; alloc = heap bytes allocated; faults = minor page faults,"
          + " whole process):%n%n", k.label));
      StringBuilder head = new StringBuilder("| queries |");
      StringBuilder rule = new StringBuilder("|---:|");
      for (String l : labels) {
        String p = l.isEmpty() ? "" : l + ": ";
        head.append(' ').append(p).append("Weft | ").append(p).append("HashMap | ").append(p)
            .append("Weft / HashMap | ").append(p).append("CPU Weft / HashMap | ").append(p)
            .append("alloc Weft / HashMap | ").append(p).append("faults Weft / HashMap |");
        rule.append("---:|---:|---:|---:|---:|---:|");
      }
      b.append(head).append('\n').append(rule).append('\n');
      for (int size : SIZES) {
        Sized s = new Sized(k, size);
        b.append(String.format(Locale.ROOT, "| %,d |", s.queries()));
        for (Summaries.Results r : results) {
          Double w = r.median(s.name(), WEFT);
          Double m = r.median(s.name(), MAP);
          b.append(' ').append(ns(w)).append(" | ").append(ns(m)).append(" | ").append(ToyWorkloads.ratio(w, m))
              .append(" | ").append(pair(r.cpu(s.name(), WEFT), r.cpu(s.name(), MAP), " ns")).append(" | ")
              .append(pair(r.alloc(s.name(), WEFT), r.alloc(s.name(), MAP), " B")).append(" | ")
              .append(pair(r.faults(s.name(), WEFT), r.faults(s.name(), MAP), "")).append(" |");
        }
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String ns(Double v) {
    return v == null ? "–" : Compare.fmt(v) + " ns";
  }

  private static String pair(Double a, Double b, String unit) {
    return (a == null ? "–" : Compare.fmt(a)) + " / " + (b == null ? "–" : Compare.fmt(b)) + unit;
  }
}
