package dev.weft.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.concurrent.Callable;

/**
 * Retained heap of a structure, measured as the difference of used heap after full collections before and
 * after building it, with the structure kept reachable in between. Keys are allocated before the first
 * measurement and values are small cached {@code Integer}s, so the difference is what the structure itself
 * costs beyond its keys and values. Precision is a few hundred KiB (TLABs, class metadata is off-heap), so
 * measure large structures: 100k entries give a few bytes per entry.
 */
final class Memory {
  private Memory() {}

  static final int ENTRIES = 100_000;

  /** Keys shared by every memory contender, allocated before measuring. */
  static Long[] keys() {
    Long[] keys = new Long[ENTRIES];
    for (int i = 0; i < ENTRIES; i++) {
      keys[i] = 1_000_000L + i;
    }
    return keys;
  }

  static Integer valueOf(long key) {
    return (int) (key & 63);
  }

  /** Bytes retained by what {@code build} returns. */
  static long retained(Callable<Object> build) throws Exception {
    return retained(build, s -> {});
  }

  /** Bytes retained by what {@code build} returns, which {@code release} then disposes of. */
  static long retained(Callable<Object> build, Release release) throws Exception {
    long before = usedAfterGc();
    Object structure = build.call();
    try {
      long after = usedAfterGc();
      Reference.reachabilityFence(structure);
      return after - before;
    } finally {
      release.release(structure);
    }
  }

  @FunctionalInterface
  interface Release {
    void release(Object structure) throws Exception;
  }

  private static long usedAfterGc() throws InterruptedException {
    MemoryMXBean bean = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 2; i++) {
      System.gc();
      Thread.sleep(5);
      used = Math.min(used, bean.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
