package dev.weft.bench;

import dev.weft.query.MemoStore.Fingerprint;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
