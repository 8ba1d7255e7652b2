package dev.weft.bench;

import dev.weft.query.MemoStore.Fingerprint;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The fingerprint of an encoded value (ADR 0036): {@code Fingerprint.of} (XXH3-128) next to SHA-256 truncated
 * to 128 bits, with a reused {@code MessageDigest} and with a new one per call.
 *
 * <ul>
 *   <li>{@code hash}: steady state, one value of {@code size} bytes per call (random bytes, average time).</li>
 *   <li>{@code firstPass}: a fresh JVM fingerprints 15,000 values once, sizes log-uniform from 50 bytes to
 *       20 KB (49 MB in all), as a short compiler process does on its first run: interpreter and JIT
 *       warm-up included, one shot per fork.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/weft-bench.jar FingerprintBenchmark}
 *
 * <p>On a shared machine, wall-clock scores swing with the other processes. {@link #main} measures the same
 * two things in thread CPU time, which other processes disturb far less: medians of 11 batches per size
 * after warm-up, and the first pass in 10 fresh JVMs per function, alternating:
 * {@code java -cp bench/target/weft-bench.jar dev.weft.bench.FingerprintBenchmark}
 */
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class FingerprintBenchmark {

  /** The functions compared. */
  public enum Algo {
    XXH3 {
      @Override
      Fingerprint apply(byte[] b, MessageDigest md) {
        return Fingerprint.of(b);
      }
    },
    SHA256 {
      @Override
      Fingerprint apply(byte[] b, MessageDigest md) {
        return truncate(md.digest(b));
      }
    },
    SHA256_NEW_DIGEST {
      @Override
      Fingerprint apply(byte[] b, MessageDigest md) {
        return truncate(sha256().digest(b));
      }
    };

    abstract Fingerprint apply(byte[] b, MessageDigest md);
  }

  /** One value size, steady state. */
  @State(Scope.Thread)
  public static class Sized {
    @Param({"16", "64", "256", "1024", "4096", "16384", "65536"})
    public int size;

    @Param
    public Algo algo;

    byte[] value;
    MessageDigest md;

    @Setup
    public void setUp() {
      value = new byte[size];
      new Random(size).nextBytes(value);
      md = sha256();
    }
  }

  /** 15,000 values of a compiler's sizes, hashed once per fresh JVM. */
  @State(Scope.Thread)
  public static class Workload {
    @Param
    public Algo algo;

    byte[][] values;
    MessageDigest md;

    @Setup
    public void setUp() {
      Random r = new Random(42);
      values = new byte[15_000][];
      for (int i = 0; i < values.length; i++) {
        values[i] = new byte[(int) Math.round(50 * Math.pow(400, r.nextDouble()))];
        r.nextBytes(values[i]);
      }
      md = sha256();
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @Warmup(iterations = 3, time = 1)
  @Measurement(iterations = 5, time = 1)
  public Fingerprint hash(Sized s) {
    return s.algo.apply(s.value, s.md);
  }

  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  @Fork(value = 10, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
  public void firstPass(Workload w, Blackhole bh) {
    for (byte[] v : w.values) {
      bh.consume(w.algo.apply(v, w.md));
    }
  }

  /** The CPU-time harness (see the class comment); {@code first ALGO} is one fresh JVM's first pass. */
  public static void main(String[] args) throws Exception {
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    if (args.length == 2 && args[0].equals("first")) {
      Workload w = new Workload();
      w.algo = Algo.valueOf(args[1]);
      w.setUp();
      long sink = 0;
      long t0 = cpu.getCurrentThreadCpuTime();
      for (byte[] v : w.values) {
        sink += w.algo.apply(v, w.md).low();
      }
      System.out.println((cpu.getCurrentThreadCpuTime() - t0) + " " + (sink & 1));
      return;
    }
    System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
    System.out.println("| size | XXH3 ns | SHA256 ns | SHA256_NEW_DIGEST ns | XXH3 GB/s | SHA256 GB/s | SHA256 / XXH3 |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int size : new int[] {16, 64, 256, 1024, 4096, 16384, 65536}) {
      double[] ns = new double[Algo.values().length];
      for (Algo a : Algo.values()) {
        Sized s = new Sized();
        s.size = size;
        s.algo = a;
        s.setUp();
        int iters = (int) Math.max(1_000, 50_000_000L / (size + 200));
        double[] batches = new double[11];
        long sink = 0;
        for (int b = -5; b < batches.length; b++) {
          long t0 = cpu.getCurrentThreadCpuTime();
          for (int i = 0; i < iters; i++) {
            sink += a.apply(s.value, s.md).low();
          }
          if (b >= 0) {
            batches[b] = (double) (cpu.getCurrentThreadCpuTime() - t0) / iters;
          }
        }
        Arrays.sort(batches);
        ns[a.ordinal()] = batches[batches.length / 2] + (sink & 1) * 1e-12;
      }
      System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.2f | %.2f | %.1fx |%n", size, ns[0], ns[1], ns[2],
          size / ns[0], size / ns[1], ns[1] / ns[0]);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Map<Algo, List<Double>> first = new EnumMap<>(Algo.class);
    for (int round = 0; round < 10; round++) {
      for (Algo a : Algo.values()) {
        Process p = new ProcessBuilder(java, "-Xms1g", "-Xmx1g", "-cp", cp, FingerprintBenchmark.class.getName(),
            "first", a.name()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor();
        first.computeIfAbsent(a, k -> new ArrayList<>()).add(Long.parseLong(out.split(" ")[0]) / 1e6);
      }
    }
    for (Algo a : Algo.values()) {
      List<Double> xs = first.get(a);
      xs.sort(null);
      System.out.printf(Locale.ROOT, "first pass in a fresh JVM, %s: median %.1f ms CPU (%.1f - %.1f)%n", a,
          (xs.get(4) + xs.get(5)) / 2, xs.get(0), xs.get(xs.size() - 1));
    }
    System.out.printf(Locale.ROOT, "load average %.2f%n", ManagementFactory.getOperatingSystemMXBean()
        .getSystemLoadAverage());
  }

  static Fingerprint truncate(byte[] digest) {
    ByteBuffer b = ByteBuffer.wrap(digest);
    return new Fingerprint(b.getLong(), b.getLong());
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
