package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobserver client against the machine's real GNU make. {@code make -j3} runs four JVMs that each want
 * {@code parallel(4)} ({@link JobserverChild}) and log when their carriers run CPU work; then a sub-make in the
 * same jobserver needs all three slots at once (three jobs that wait for each other), which only works if
 * every token came back, including those of the JVM that exits without closing its scheduler.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class JobserverMakeTest {
  private static final Duration MAKE_TIMEOUT = Duration.ofSeconds(150);
  private static final String LOST = "jobserver tokens available"; // make's own complaint about lost tokens

  @TempDir
  Path dir;

  @BeforeAll
  static void makeIsGnuMake() throws Exception {
    Process p = new ProcessBuilder("make", "--version").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).isZero();
    assertThat(out).as("the tests need GNU make on the PATH").startsWith("GNU Make");
  }

  @Test
  void makeJ3_fourJvmsWantingFourCarriers_neverMoreThanThreeBusyAndNoTokenLost() throws Exception {
    String java = javaCommand();
    Files.writeString(dir.resolve("Makefile"), """
        all: check
        jvms: j1 j2 j3 j4
        j1 j2 j3:
        \t+%1$s work $@.log 6 120
        j4:
        \t+%1$s exit $@.log 6 120
        check: jvms
        \t+$(MAKE) -f rendezvous.mk
        """.formatted(java));
    Files.writeString(dir.resolve("rendezvous.mk"), RENDEZVOUS);
    String out = make(dir, 3);
    List<long[]> intervals = new ArrayList<>();
    StringBuilder summary = new StringBuilder();
    for (String jvm : List.of("j1", "j2", "j3", "j4")) {
      List<long[]> own = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve(jvm + ".log"))) {
        if (line.startsWith("#")) {
          summary.append(jvm).append(line.substring(1)).append(';');
        } else {
          String[] f = line.split(" ");
          own.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
        }
      }
      summary.append(' ').append(jvm).append(" at most ").append(maxOverlap(own)).append(" busy; ");
      intervals.addAll(own);
    }
    int max = maxOverlap(intervals);
    System.out.println("make -j3: at most " + max + " carriers busy across the JVMs; " + summary);
    assertThat(intervals).hasSize(24);
    assertThat(max).as("carriers busy at once across the JVMs\n%s", out).isLessThanOrEqualTo(3);
    assertThat(out).doesNotContain(LOST).contains("all three slots at once");
  }

  /**
   * Token churn under {@code make -j3}: bursts of 8 tiny tasks back to back, then with idle gaps longer than
   * the linger period (the worst case: every burst takes its tokens again). Every token read is written back,
   * back-to-back bursts read almost none, and a burst reads about the two tokens {@code -j3} has in its
   * pipe (at most one more when a carrier is descheduled past the linger mid-burst). The measurement for docs/scheduler.md is printed.
   */
  @Test
  void makeJ3_burstsOfTinyTasks_tokenChurnBoundedAndNothingLost() throws Exception {
    Files.writeString(dir.resolve("Makefile"), """
        all: check
        back-to-back:
        \t+%1$s churn back-to-back.log 2000 0
        gaps: back-to-back
        \t+%1$s churn gaps.log 200 %2$d
        check: gaps
        \t+$(MAKE) -f rendezvous.mk
        """.formatted(javaCommand(), TimeUnit.NANOSECONDS.toMicros(Jobserver.LINGER_NANOS) * 2));
    Files.writeString(dir.resolve("rendezvous.mk"), RENDEZVOUS);
    String out = make(dir, 3);
    for (String run : List.of("back-to-back", "gaps")) {
      String line = Files.readAllLines(dir.resolve(run + ".log")).getFirst();
      System.out.println("jobserver " + line + " (load " + loadAverage() + ")");
      TreeMap<String, Long> v = new TreeMap<>();
      for (String kv : line.substring("churn ".length()).split(" ")) {
        String[] p = kv.split("=");
        v.put(p[0], Long.parseLong(p[1]));
      }
      assertThat(v.get("reads")).as(line).isEqualTo(v.get("writes"));
      assertThat(v.get("held")).as(line).isZero();
      long bursts = v.get("tasks") / 8;
      // With idle gaps every burst takes the pipe's two tokens again. A carrier descheduled for longer than
      // the linger in the middle of a burst (a loaded machine) gives one back and takes it again, so allow
      // one more per burst: a token per task would still be far above (8 per burst).
      assertThat(v.get("reads")).as(line).isLessThanOrEqualTo(3 * bursts);
      if (run.equals("back-to-back")) {
        assertThat(v.get("reads")).as(line).isLessThan(bursts);
      }
    }
    assertThat(out).doesNotContain(LOST).contains("all three slots at once");
  }

  /** Three jobs that each wait until all three run: only possible with every slot of -j3 free. */
  private static final String RENDEZVOUS = """
      all: r1 r2 r3
      r1 r2 r3:
      \t@touch arrived-$@; n=0; \\
      \twhile [ $$(ls arrived-* | wc -l) -lt 3 ]; do \\
      \t  n=$$((n+1)); if [ $$n -gt 600 ]; then echo "$@: not all slots came back"; exit 1; fi; \\
      \t  sleep 0.05; \\
      \tdone; echo "$@: all three slots at once"
      """;

  /** The command line of a child JVM running {@link JobserverChild}, quoted for a make recipe. */
  private static String javaCommand() {
    List<String> cmd = ChildJvm.command(JobserverChild.class);
    StringBuilder sb = new StringBuilder();
    for (String c : cmd) {
      sb.append('\'').append(c.replace("'", "'\\''")).append("' ");
    }
    return sb.toString().trim();
  }

  private static String make(Path dir, int jobs) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("make", "-j" + jobs, "-C", dir.toString()).redirectErrorStream(true);
    pb.environment().remove("MAKEFLAGS");
    pb.environment().remove("MFLAGS");
    Process p = pb.start();
    Thread killer = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        if (!p.waitFor(MAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        // make ended
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = p.waitFor();
    killer.interrupt();
    assertThat(status).as("make's exit status; its output:\n%s", out).isZero();
    return out;
  }

  /** The largest number of intervals that contain one instant. */
  static int maxOverlap(List<long[]> intervals) {
    List<long[]> events = new ArrayList<>();
    for (long[] i : intervals) {
      events.add(new long[] {i[0], 1});
      events.add(new long[] {i[1], -1});
    }
    // At equal instants, ends before starts: touching intervals do not overlap.
    events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    int now = 0;
    int max = 0;
    for (long[] e : events) {
      now += (int) e[1];
      max = Math.max(max, now);
    }
    return max;
  }

  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
