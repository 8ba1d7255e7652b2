package dev.weft.bench;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code paired A.jar B.jar [--rounds N] [--warmup-ms M] [--sample-ms S] [--only TEXT] WORKLOAD...}: the same
 * workloads from two builds of the bench (two versions of the engine) in one JVM, each jar in a class loader of
 * its own, sampled in alternating rounds, so that both meet the same machine: on a noisy VM, runs in separate
 * JVMs differ by more than the changes worth measuring (a different JIT outcome per JVM, other processes), and
 * alternating JVMs cannot resolve a few percent.
 *
 * <p>Each round samples every alternative of jar A and then of jar B, or B and then A in odd rounds: whichever
 * runs second in a round tends to run a little faster, and alternating the order cancels that. Both jars run
 * the same number of iterations per sample (sized on A during the warm-up, to about {@code --sample-ms}). The
 * report gives each side's median and the median of the per-round ratios B / A with their quartiles; a ratio
 * below 1 means B is faster. Workloads measured once per round (memory, the demo) are not supported.
 */
final class Paired {
  private Paired() {}

  /** One alternative of one workload, from one jar. */
  private static final class Side {
    final Object measured;
    final Method run;
    final double units;
    final double scale;
    long iterations = 1;
    final List<Double> samples = new ArrayList<>();

    Side(Object measured, Method run, double units, double scale) {
      this.measured = measured;
      this.run = run;
      this.units = units;
      this.scale = scale;
    }

    /** Runs one sample; returns the raw nanoseconds and records the figure per unit if asked. */
    long sample(boolean record) throws Exception {
      long amount = (long) call(run, measured, iterations);
      if (record) {
        samples.add(amount / (iterations * units) / scale);
      }
      return amount;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: paired A.jar B.jar [--rounds N] [--warmup-ms M] [--sample-ms S] [--only TEXT]"
          + " WORKLOAD...");
      System.exit(2);
    }
    Path[] jars = {Path.of(args[0]), Path.of(args[1])};
    int rounds = 30;
    long warmupMs = 8_000;
    long sampleMs = 100;
    String only = null;
    List<String> selected = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      switch (args[i]) {
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--warmup-ms" -> warmupMs = Long.parseLong(args[++i]);
        case "--sample-ms" -> sampleMs = Long.parseLong(args[++i]);
        case "--only" -> only = args[++i].toLowerCase(Locale.ROOT);
        default -> selected.add(args[i]);
      }
    }
    for (Path j : jars) {
      if (!Files.isRegularFile(j)) {
        System.err.println("paired: no such jar: " + j);
        System.exit(2);
      }
    }
    System.out.printf("## Paired run%n%n- A: `%s`%n- B: `%s`%n- %d rounds after %d ms of warm-up per"
        + " alternative and jar, samples of ~%d ms, order A,B in even rounds and B,A in odd ones%n%n",
        jars[0], jars[1], rounds, warmupMs, sampleMs);
    System.out.println("| workload | alternative | A median | B median | B / A (median of rounds) | quartiles |");
    System.out.println("|---|---|---:|---:|---:|---:|");
    List<Map<String, Side>> sides = new ArrayList<>();
    for (String workload : selected) {
      sides.clear();
      String unit = null;
      for (Path jar : jars) {
        URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
            ClassLoader.getPlatformClassLoader());
        Object w = find(loader, workload);
        if (!(boolean) accessor(w, "calibrate")) {
          throw new IllegalArgumentException(workload + " runs once per round; not supported by paired");
        }
        unit = (String) accessor(w, "unit");
        sides.add(open(loader, w, only));
      }
      List<String> names = new ArrayList<>(sides.get(0).keySet());
      names.retainAll(sides.get(1).keySet());
      for (int k = 0; k < 2; k++) {
        for (String name : sides.get(k).keySet()) {
          if (!names.contains(name)) {
            System.err.println(workload + ": '" + name + "' is only in " + jars[k] + "; skipped");
          }
        }
      }
      long warmup = TimeUnit.MILLISECONDS.toNanos(warmupMs);
      long target = TimeUnit.MILLISECONDS.toNanos(sampleMs);
      for (String name : names) {
        Side a = sides.get(0).get(name);
        Side b = sides.get(1).get(name);
        for (long spent = 0; spent < 2 * warmup; ) {
          long t0 = System.nanoTime();
          long amount = a.sample(false);
          b.sample(false);
          spent += System.nanoTime() - t0;
          if (amount < target / 2) {
            a.iterations = Math.max(a.iterations + 1, (long) (a.iterations * Math.min(100, (double) target
                / Math.max(1, amount))));
          } else if (amount > 2 * target && a.iterations > 1) {
            a.iterations /= 2;
          }
          b.iterations = a.iterations;
        }
      }
      List<List<Double>> ratios = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        ratios.add(new ArrayList<>());
      }
      for (int r = 0; r < rounds; r++) {
        int[] order = r % 2 == 0 ? new int[] {0, 1} : new int[] {1, 0};
        for (int side : order) {
          for (String name : names) {
            sides.get(side).get(name).sample(true);
          }
        }
        for (int i = 0; i < names.size(); i++) {
          List<Double> sa = sides.get(0).get(names.get(i)).samples;
          List<Double> sb = sides.get(1).get(names.get(i)).samples;
          ratios.get(i).add(sb.get(r) / sa.get(r));
        }
      }
      for (int i = 0; i < names.size(); i++) {
        double[] q = sorted(ratios.get(i));
        System.out.printf(Locale.ROOT, "| %s | %s | %.4g %s | %.4g %s | **%.3f** | %.3f – %.3f |%n", workload,
            names.get(i), median(sides.get(0).get(names.get(i)).samples), unit,
            median(sides.get(1).get(names.get(i)).samples), unit, quantile(q, 0.5), quantile(q, 0.25),
            quantile(q, 0.75));
      }
      for (Map<String, Side> m : sides) {
        for (Side s : m.values()) {
          close(s.measured);
        }
      }
    }
  }

  private static Object find(ClassLoader loader, String name) throws Exception {
    Method all = loader.loadClass("dev.weft.bench.Workloads").getDeclaredMethod("all");
    all.setAccessible(true);
    for (Object w : (List<?>) all.invoke(null)) {
      if (name.equals(accessor(w, "name"))) {
        return w;
      }
    }
    throw new IllegalArgumentException("no workload named " + name + " in " + loader);
  }

  /** The alternatives of workload {@code w} whose names contain {@code only} (all if null), opened. */
  private static Map<String, Side> open(ClassLoader loader, Object w, String only) throws Exception {
    Method open = loader.loadClass("dev.weft.bench.Alternative$Opener").getDeclaredMethod("open");
    Class<?> measured = loader.loadClass("dev.weft.bench.Measured");
    Method run = measured.getDeclaredMethod("run", long.class);
    Method units = measured.getDeclaredMethod("unitsPerIteration");
    open.setAccessible(true);
    run.setAccessible(true);
    units.setAccessible(true);
    Map<String, Side> out = new LinkedHashMap<>();
    for (Object alt : (List<?>) accessor(w, "alternatives")) {
      String name = (String) accessor(alt, "name");
      if (only != null && !name.toLowerCase(Locale.ROOT).contains(only)) {
        continue;
      }
      Object m = call(open, accessor(alt, "opener"));
      double u = (double) call(units, m);
      out.put(name, new Side(m, run, Double.isNaN(u) ? (double) accessor(w, "unitsPerIteration") : u,
          (double) accessor(w, "scale")));
    }
    return out;
  }

  private static Object accessor(Object record, String name) throws Exception {
    Method m = record.getClass().getDeclaredMethod(name);
    m.setAccessible(true);
    return m.invoke(record);
  }

  private static void close(Object measured) throws Exception {
    Class<?> type = measured.getClass().getClassLoader().loadClass("dev.weft.bench.Measured");
    Method m = type.getDeclaredMethod("close");
    m.setAccessible(true);
    call(m, measured);
  }

  /** Invokes {@code m}, rethrowing what the method itself threw. */
  private static Object call(Method m, Object target, Object... args) throws Exception {
    try {
      return m.invoke(target, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      throw e;
    }
  }

  private static double[] sorted(List<Double> values) {
    double[] s = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(s);
    return s;
  }

  private static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  private static double median(List<Double> values) {
    return Compare.median(values);
  }
}
