package dev.weft.bench;

/** A deterministic CPU-bound function that the JIT cannot remove or hoist. */
final class Cpu {
  private Cpu() {}

  /** About {@code rounds} dependent multiply-xorshift steps (roughly a nanosecond each). */
  static long work(long seed, int rounds) {
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < rounds; i++) {
      x = x * 6364136223846793005L + 1442695040888963407L;
      x ^= x >>> 29;
    }
    return x;
  }
}
