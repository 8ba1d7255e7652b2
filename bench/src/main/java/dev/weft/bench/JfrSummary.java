package dev.weft.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Aggregates a JFR recording of a runner run into Markdown tables, the way {@code docs/benchmarks.md} quotes
 * profiles: execution samples by top frame (self time), by the first frame of a chosen package (who called into
 * the JDK or the allocator), and by every method on the stack (inclusive); allocation samples by class and by
 * the first frame of the package, weighted by the sampled bytes. Only samples whose stack has a frame of
 * {@code --within} count (default {@code dev.weft}), which leaves out the runner's own threads.
 *
 * <p>Usage: {@code java -cp weft-bench.jar dev.weft.bench.JfrSummary FILE.jfr [--within PREFIX] [--package PREFIX]
 * [--exclude TEXT]... [--top N]}; {@code --exclude} drops samples with a frame whose {@code Class.method} contains
 * TEXT (the untimed set-up of an alternative, for instance {@code measure$0}, the runner's call of the opener). Record with {@code -XX:StartFlightRecording=filename=FILE.jfr,settings=profile} on the runner
 * restricted to the rows to profile ({@code --only Weft}).
 */
public final class JfrSummary {
  private JfrSummary() {}

  public static void main(String[] args) throws IOException {
    Path file = null;
    String within = "dev.weft";
    String pkg = "dev.weft.query";
    int top = 25;
    List<String> exclude = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--within" -> within = args[++i];
        case "--package" -> pkg = args[++i];
        case "--top" -> top = Integer.parseInt(args[++i]);
        case "--exclude" -> exclude.add(args[++i]);
        default -> file = Path.of(args[i]);
      }
    }
    if (file == null) {
      System.err.println("usage: JfrSummary FILE.jfr [--within PREFIX] [--package PREFIX] [--exclude TEXT]... [--top N]");
      System.exit(2);
    }
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> firstInPackage = new HashMap<>();
    Map<String, Long> inclusive = new HashMap<>();
    Map<String, Long> allocByClass = new HashMap<>();
    Map<String, Long> allocBySite = new HashMap<>();
    Map<String, Long> allocByFrame = new HashMap<>();
    long samples = 0;
    long allocTotal = 0;
    Map<String, Long> threadStarts = new HashMap<>();
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      String type = e.getEventType().getName();
      if (type.equals("jdk.ThreadStart")) {
        String name = e.getThread("thread") == null ? "?" : String.valueOf(e.getThread("thread").getJavaName());
        threadStarts.merge(name.replaceAll("\\d+", "#"), 1L, Long::sum);
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null || !contains(st, within) || excluded(st, exclude)) {
        continue;
      }
      List<RecordedFrame> frames = st.getFrames();
      if (type.equals("jdk.ExecutionSample")) {
        samples++;
        self.merge(name(frames.get(0)), 1L, Long::sum);
        firstInPackage.merge(first(frames, pkg), 1L, Long::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame f : frames) {
          String n = name(f);
          if (seen.add(n)) {
            inclusive.merge(n, 1L, Long::sum);
          }
        }
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long w = e.getLong("weight");
        allocTotal += w;
        String cls = e.getClass("objectClass").getName();
        allocByClass.merge(cls, w, Long::sum);
        allocByFrame.merge(first(frames, pkg), w, Long::sum);
        allocBySite.merge(cls + " ← " + first(frames, pkg), w, Long::sum);
      }
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%s: %,d execution samples and %,.1f MiB of sampled allocation with a"
        + " %s frame on the stack%n", file.getFileName(), samples, allocTotal / 1048576.0, within));
    table(b, "execution samples by top frame (self)", self, samples, top, "samples");
    table(b, "execution samples by first " + pkg + " frame", firstInPackage, samples, top, "samples");
    table(b, "execution samples by method on the stack (inclusive)", inclusive, samples, top, "samples");
    table(b, "allocation by class", allocByClass, allocTotal, top, "bytes");
    table(b, "allocation by first " + pkg + " frame", allocByFrame, allocTotal, top, "bytes");
    table(b, "allocation by class and first " + pkg + " frame", allocBySite, allocTotal, top, "bytes");
    if (!threadStarts.isEmpty()) {
      table(b, "threads started (jdk.ThreadStart, digits folded)", threadStarts,
          threadStarts.values().stream().mapToLong(Long::longValue).sum(), top, "threads");
    }
    System.out.println(b);
  }

  private static boolean contains(RecordedStackTrace st, String prefix) {
    for (RecordedFrame f : st.getFrames()) {
      if (f.getMethod() != null && f.getMethod().getType().getName().startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static boolean excluded(RecordedStackTrace st, List<String> exclude) {
    for (RecordedFrame f : st.getFrames()) {
      String n = name(f);
      for (String x : exclude) {
        if (n.contains(x)) {
          return true;
        }
      }
    }
    return false;
  }

  private static String name(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    String cls = f.getMethod().getType().getName();
    return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  /** The first frame from the top in {@code pkg}, or the top frame if there is none. */
  private static String first(List<RecordedFrame> frames, String pkg) {
    for (RecordedFrame f : frames) {
      if (f.getMethod() != null && f.getMethod().getType().getName().startsWith(pkg)) {
        return name(f);
      }
    }
    return frames.isEmpty() ? "?" : name(frames.get(0));
  }

  private static void table(StringBuilder b, String title, Map<String, Long> counts, long total, int top,
      String unit) {
    if (counts.isEmpty()) {
      return;
    }
    b.append("\n").append(title).append(":\n\n| ").append(unit).append(" | share | frame |\n|---:|---:|---|\n");
    List<Map.Entry<String, Long>> sorted = new ArrayList<>(counts.entrySet());
    sorted.sort(Map.Entry.<String, Long>comparingByValue().reversed());
    for (Map.Entry<String, Long> e : sorted.subList(0, Math.min(top, sorted.size()))) {
      b.append(String.format(Locale.ROOT, "| %,d | %.1f%% | %s |%n", e.getValue(), 100.0 * e.getValue() / total,
          e.getKey()));
    }
  }
}
