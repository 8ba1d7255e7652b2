package dev.weft.store;

import dev.weft.query.MemoStore;
import dev.weft.query.MemoStore.Trace;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The engine comparison of docs/adr/0037, run by hand (not by {@code verify}): {@link LocalStore} (an
 * append-only log of its own), SQLite ({@link SqliteStore}) and H2 MVStore ({@link MvStoreStore}) on the
 * demo-like workload of {@link TestTraces}: 15,000 memos, keys of ~60 bytes, values from 50 bytes to 20 KB,
 * 3 to 20 dependencies each, now and then a diagnostic.
 *
 * <p>Per engine and round, in a fresh directory: the first checkpoint; then, in a new store instance as a new
 * process would, open (loading the index), look up every memo, load every value, and write a no-op
 * checkpoint (everything used); then open again, look up every memo, and write a checkpoint in which 1% of
 * the memos changed. Rounds alternate the engines; medians of the rounds after the first are printed.
 *
 * <pre>
 * mvn -B -q -pl store -am test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath \
 *     -Dmdep.includeScope=test
 * java -cp store/target/test-classes:store/target/classes:$(cat store/target/test.classpath) \
 *     dev.weft.store.StoreEngineComparison [memos] [rounds]
 * </pre>
 */
public final class StoreEngineComparison {
  enum Engine { LOG, SQLITE, MVSTORE }

  enum Measure { FIRST_CHECKPOINT, OPEN, LOOKUPS, LOADS, NOOP_CHECKPOINT, CHANGED_CHECKPOINT, SIZE }

  private StoreEngineComparison() {}

  static MemoStore open(Engine e, Path dir) {
    return switch (e) {
      case LOG -> LocalStore.open(dir);
      case SQLITE -> new SqliteStore(dir.resolve("store.db"));
      case MVSTORE -> new MvStoreStore(dir.resolve("store.mv"));
    };
  }

  public static void main(String[] args) throws IOException {
    int memos = args.length > 0 ? Integer.parseInt(args[0]) : 15_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
    List<Trace> v1 = new ArrayList<>();
    long raw = 0;
    for (int m = 0; m < memos; m++) {
      Trace t = TestTraces.trace(m, 1);
      v1.add(t);
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      TraceFormat.write(t, new DataOutputStream(b));
      raw += b.size() + t.loadValue().length;
    }
    Random r = new Random(1);
    Set<Integer> changed = new HashSet<>();
    while (changed.size() < memos / 100) {
      changed.add(r.nextInt(memos));
    }
    Map<Engine, Map<Measure, List<Double>>> results = new EnumMap<>(Engine.class);
    for (int round = 0; round < rounds; round++) {
      Engine[] order = Engine.values();
      for (int i = 0; i < order.length; i++) {
        Engine e = order[(i + round) % order.length];
        Map<Measure, Double> m = round(e, v1, changed, memos);
        if (round > 0) {
          m.forEach((k, v) -> results.computeIfAbsent(e, x -> new EnumMap<>(Measure.class))
              .computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        System.err.printf(Locale.ROOT, "round %d %s %s%n", round, e, m);
      }
    }
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    System.out.printf(Locale.ROOT, "%d memos, raw %.1f MB (trace encodings + values), medians of %d rounds,"
        + " load average %.2f%n", memos, raw / 1e6, rounds - 1, load);
    System.out.println("| engine | first checkpoint | open | lookups | value loads | no-op checkpoint"
        + " | 1% checkpoint | size / raw |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    for (Engine e : Engine.values()) {
      Map<Measure, List<Double>> m = results.get(e);
      System.out.printf(Locale.ROOT, "| %s | %.0f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f |%n",
          e, median(m.get(Measure.FIRST_CHECKPOINT)), median(m.get(Measure.OPEN)), median(m.get(Measure.LOOKUPS)),
          median(m.get(Measure.LOADS)), median(m.get(Measure.NOOP_CHECKPOINT)),
          median(m.get(Measure.CHANGED_CHECKPOINT)), median(m.get(Measure.SIZE)) / raw);
    }
  }

  private static Map<Measure, Double> round(Engine e, List<Trace> v1, Set<Integer> changed, int memos)
      throws IOException {
    Map<Measure, Double> out = new EnumMap<>(Measure.class);
    Path dir = Files.createTempDirectory("weft-engines");
    try {
      try (MemoStore s = open(e, dir)) {
        long t0 = System.nanoTime();
        s.write(v1, List.of());
        out.put(Measure.FIRST_CHECKPOINT, ms(t0));
      }
      long t0 = System.nanoTime();
      try (MemoStore s = open(e, dir)) {
        out.put(Measure.OPEN, ms(t0));
        t0 = System.nanoTime();
        List<Trace> found = new ArrayList<>(memos);
        for (int m = 0; m < memos; m++) {
          found.addAll(s.traces(TestTraces.id(m)));
        }
        out.put(Measure.LOOKUPS, ms(t0));
        if (found.size() != memos) {
          throw new AssertionError(e + " found " + found.size());
        }
        t0 = System.nanoTime();
        long bytes = 0;
        for (Trace t : found) {
          bytes += t.loadValue().length;
        }
        out.put(Measure.LOADS, ms(t0));
        if (bytes == 0) {
          throw new AssertionError();
        }
        t0 = System.nanoTime();
        s.write(List.of(), found);
        out.put(Measure.NOOP_CHECKPOINT, ms(t0));
      }
      try (MemoStore s = open(e, dir)) {
        List<Trace> added = new ArrayList<>();
        List<Trace> used = new ArrayList<>();
        for (int m = 0; m < memos; m++) {
          if (changed.contains(m)) {
            added.add(TestTraces.trace(m, 2));
          } else {
            used.addAll(s.traces(TestTraces.id(m)));
          }
        }
        t0 = System.nanoTime();
        s.write(added, used);
        out.put(Measure.CHANGED_CHECKPOINT, ms(t0));
      }
      try (Stream<Path> files = Files.list(dir)) {
        out.put(Measure.SIZE, (double) files.mapToLong(p -> p.toFile().length()).sum());
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
          try {
            Files.deleteIfExists(p);
          } catch (IOException x) {
            throw new UncheckedIOException(x);
          }
        });
      }
    }
    return out;
  }

  private static double ms(long t0) {
    return (System.nanoTime() - t0) / 1e6;
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }
}
