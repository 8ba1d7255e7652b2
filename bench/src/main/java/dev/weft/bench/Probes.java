package dev.weft.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Process-wide counters read around each sample: CPU time of all Java threads (carriers run the virtual
 * threads, so it covers them; GC and JIT threads are not Java threads and are not counted; unlike wall time it
 * hardly moves when other processes compete for the cores), heap bytes allocated by all threads (virtual
 * threads allocate in their carrier's buffers, so their allocation is counted too), and minor page faults (Linux
 * {@code /proc/self/stat}; a fault is a first touch of a page, which a fresh heap pays and a pre-touched one does
 * not). Both include whatever else the JVM did meanwhile (the JIT allocates off-heap, so little), and both
 * return -1 where unavailable.
 */
final class Probes {
  private Probes() {}

  private static final com.sun.management.ThreadMXBean THREADS =
      ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
          && t.isThreadAllocatedMemorySupported() ? t : null;
  private static final Path STAT = Path.of("/proc/self/stat");

  static long threadsCpuNanos() {
    if (THREADS == null || !THREADS.isThreadCpuTimeSupported()) {
      return -1;
    }
    long sum = 0;
    for (long id : THREADS.getAllThreadIds()) {
      long c = THREADS.getThreadCpuTime(id);
      if (c > 0) {
        sum += c;
      }
    }
    return sum;
  }

  static long allocatedBytes() {
    return THREADS == null ? -1 : THREADS.getTotalThreadAllocatedBytes();
  }

  static long minorFaults() {
    try {
      String s = Files.readString(STAT);
      // Fields after the command name (which may contain spaces) start after the last ')'.
      String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[7]); // field 10, minflt
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
