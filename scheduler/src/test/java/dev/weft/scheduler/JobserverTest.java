package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobserver client on its own: the MAKEFLAGS forms it reads, and the make 4.4 protocol on a real FIFO
 * made with {@code mkfifo}, this test playing make's part (it puts the tokens in and counts them after).
 * {@code JobserverMakeTest} runs the make 4.3 descriptor form under the machine's real make.
 */
@Timeout(60)
class JobserverTest {
  @TempDir
  Path dir;

  private Path fifo;
  private FileChannel make; // make's end of the FIFO: holds it open, puts tokens in

  @BeforeEach
  void fifo() throws Exception {
    fifo = dir.resolve("jobserver.fifo");
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(p.waitFor()).isZero();
    make = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  @AfterEach
  void closeFifo() throws IOException {
    make.close();
  }

  private void putTokens(String tokens) throws IOException {
    make.write(ByteBuffer.wrap(tokens.getBytes()));
  }

  /** The tokens in the FIFO now, taken out (they are all there: nothing else reads it any more). */
  private String takeTokens() throws IOException {
    try (FileInputStream in = new FileInputStream(fifo.toFile())) {
      byte[] b = new byte[in.available()];
      int n = in.read(b);
      return n <= 0 ? "" : new String(b, 0, n);
    }
  }

  @Test
  void fromMakeflags_absentOrWithoutJobserver_empty() {
    assertThat(Jobserver.fromMakeflags(null).isPresent()).isFalse();
    assertThat(Jobserver.fromMakeflags("").isPresent()).isFalse();
    assertThat(Jobserver.fromMakeflags(" -j3 -k").isPresent()).isFalse();
    assertThat(Jobserver.fromMakeflags("-j --jobserver-auth=-2,-2").isPresent()).isFalse(); // disabled by make
    assertThat(Jobserver.fromMakeflags("-j3 --jobserver-auth=gmake_semaphore_1234").isPresent()).isFalse();
    assertThat(Jobserver.none().isPresent()).isFalse();
    assertThat(Jobserver.none()).hasToString("Jobserver[none]");
  }

  @Test
  void fromMakeflags_descriptorsNotInherited_empty() {
    // What a recipe without '+' sees: make names its descriptors, but this JVM does not have them (as a pipe).
    assertThat(Jobserver.fromMakeflags(" -j3 --jobserver-auth=1017,1018").isPresent()).isFalse();
    assertThat(Jobserver.fromMakeflags(" -j3 --jobserver-fds=0,1").isPresent()).isFalse();
  }

  @Test
  void fromMakeflags_fifoNotAFifo_empty() {
    assertThat(Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + dir.resolve("missing")).isPresent())
        .isFalse();
    assertThat(Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + dir).isPresent()).isFalse();
  }

  @Test
  void fromMakeflags_fifo_lastAuthWins() {
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=1017,1018 --jobserver-auth=fifo:" + fifo);
    try {
      assertThat(js.isPresent()).isTrue();
      assertThat(js.toString()).contains("fifo:" + fifo);
    } finally {
      js.close();
    }
  }

  /**
   * make -j3: two tokens in the FIFO plus the implicit one. Eight CPU-bound tasks on parallel(4) never run
   * more than three at once, tokens are taken, and closing the scheduler puts both back, as they were.
   */
  @Test
  void parallelFour_twoTokens_atMostThreeBusyAndTokensBackOnClose() throws Exception {
    putTokens("+x");
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + fifo);
    try {
      int max = runCpuTasks(js, 8);
      assertThat(max).isBetween(1, 3);
      long[] counts = js.counts();
      assertThat(counts[0]).as("tokens read").isPositive();
      assertThat(counts[2]).as("tokens still held after close").isZero();
      char[] back = takeTokens().toCharArray();
      Arrays.sort(back);
      assertThat(new String(back)).isEqualTo("+x");
    } finally {
      js.close();
    }
  }

  /** No token in the FIFO (the other slots are busy): one carrier runs, on the implicit token; close returns. */
  @Test
  void parallelFour_noTokens_oneCarrierOnTheImplicitToken() throws Exception {
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + fifo);
    try {
      assertThat(runCpuTasks(js, 6)).isEqualTo(1);
      assertThat(js.counts()[0]).isZero();
      // A token that arrives later, when nobody wants one, goes straight back.
      putTokens("+");
      assertThat(takeTokens()).isIn("+", "");
    } finally {
      js.close();
    }
  }

  /**
   * With no token in the FIFO one carrier runs, on the implicit token: a task spawned from outside still runs
   * while two tasks hand a value back and forth on it (the carriers share one queue, in order).
   */
  @Test
  void implicitTokenOnly_handOffPair_doesNotStarveATaskFromOutside() throws Exception {
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + fifo);
    try (Scheduler s = Scheduler.builder().parallel(2).jobserver(js).build()) {
      SchedulerTest.assertTaskFromOutsideRunsBesideAHandOffPair(s);
    } finally {
      js.close();
    }
    assertThat(takeTokens()).isEmpty();
  }

  /** Two schedulers of one JVM share the one implicit token and the FIFO's tokens. */
  @Test
  void twoSchedulers_oneJobserver_shareTheSlots() throws Exception {
    putTokens("++");
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + fifo);
    AtomicInteger busy = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    try (Scheduler a = Scheduler.builder().parallel(3).jobserver(js).build();
        Scheduler b = Scheduler.builder().parallel(3).jobserver(js).build()) {
      List<Task<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        tasks.add((i % 2 == 0 ? a : b).spawn("cpu-" + i, () -> measured(busy, max)));
      }
      tasks.forEach(Task::join);
    } finally {
      js.close();
    }
    assertThat(max.get()).isBetween(1, 3);
    assertThat(takeTokens()).isEqualTo("++");
  }

  /** The shutdown hook's work: every token still held goes back, and later releases are ignored. */
  @Test
  void close_whileCarriersHoldTokens_returnsThemAll() throws Exception {
    putTokens("++");
    Jobserver js = Jobserver.fromMakeflags("-j3 --jobserver-auth=fifo:" + fifo);
    Scheduler s = Scheduler.builder().parallel(3).jobserver(js).build();
    AtomicInteger busy = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Task<Long>> tasks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      tasks.add(s.spawn("cpu-" + i, () -> measured(busy, max)));
    }
    tasks.forEach(Task::join);
    long held = js.counts()[2]; // lingering carriers may still hold tokens
    js.close();
    assertThat(js.counts()[2]).isZero();
    s.close(); // the carriers' own releases come after close and are ignored
    assertThat(takeTokens()).isEqualTo("++");
    assertThat(held).isBetween(0L, 2L);
  }

  private static int runCpuTasks(Jobserver js, int n) {
    AtomicInteger busy = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    try (Scheduler s = Scheduler.builder().parallel(4).name("js-test").jobserver(js).build()) {
      List<Task<Long>> tasks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        tasks.add(s.spawn("cpu-" + i, () -> measured(busy, max)));
      }
      tasks.forEach(Task::join);
      assertThat(s.stats().carriers()).isEqualTo(4);
    }
    return max.get();
  }

  private static long measured(AtomicInteger busy, AtomicInteger max) {
    max.accumulateAndGet(busy.incrementAndGet(), Math::max);
    try {
      return JobserverChild.spin(20_000_000L);
    } finally {
      busy.decrementAndGet();
    }
  }
}
