package dev.weft.bench;

import java.util.Arrays;

/**
 * Entry point of {@code weft-bench.jar}: {@code compare [args]} runs the comparison runner
 * ({@link Compare}), {@code paired A.jar B.jar [args]} two builds of it side by side in one JVM ({@link Paired});
 * anything else is handed to JMH's own main ({@code -l} lists the benchmarks, {@code -h}
 * shows JMH's options).
 */
public final class BenchMain {
  private BenchMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("compare")) {
      Compare.main(Arrays.copyOfRange(args, 1, args.length));
    } else if (args.length > 0 && args[0].equals("paired")) {
      Paired.main(Arrays.copyOfRange(args, 1, args.length));
    } else {
      org.openjdk.jmh.Main.main(args);
    }
  }
}
