package dev.weft.deadlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchdogTest {
  private static final Duration AWAIT = Parties.JOIN_TIMEOUT;
  private static final Duration QUIET = Duration.ofMillis(30);
  private static final Duration POLL = Duration.ofMillis(5);
  /** Polls to watch before concluding "nothing more was reported": several quiet periods' worth. */
  private static final int MORE_POLLS = 40;

  private final CountDownLatch never = new CountDownLatch(1);
  private final List<Thread> started = new CopyOnWriteArrayList<>();
  private final List<StallReport> reports = new CopyOnWriteArrayList<>();
  private final AtomicLong polls = new AtomicLong();

  private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

  @AfterEach
  void releaseAndCheckThreads() {
    never.countDown();
    Parties.joinAll(started);
    assertThat(uncaught).isEmpty();
  }

  private Thread awaitNever(Thread.Builder builder, String name) {
    Thread t = builder.name(name).uncaughtExceptionHandler((th, e) -> uncaught.add(e)).start(() -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    started.add(t);
    // Watch only once it is blocked, so that the first report sees every thread of the test.
    await().atMost(AWAIT).until(() -> t.getState() == Thread.State.WAITING);
    return t;
  }

  /** A progress signal that counts how often the watchdog polled it. */
  private LongSupplier counted(LongSupplier progress) {
    return () -> {
      polls.incrementAndGet();
      return progress.getAsLong();
    };
  }

  private Watchdog.Builder builder(List<Thread> threads) {
    return Watchdog.builder().name("test-watchdog").threads(() -> threads).quietPeriod(QUIET).pollInterval(POLL)
        .listener(reports::add);
  }

  private void awaitMorePolls() {
    long target = polls.get() + MORE_POLLS;
    await().atMost(AWAIT).until(() -> polls.get() >= target);
  }

  @Test
  void watchdog_latchNobodyCountsDown_reportsBlockedThreadsWithAwaitFrame() {
    Thread v = awaitNever(Thread.ofVirtual(), "latch-virtual");
    Thread p = awaitNever(Thread.ofPlatform().daemon(true), "latch-platform");
    try (Watchdog w = builder(List.of(v, p)).progress(counted(() -> 0L)).start()) {
      await().atMost(AWAIT).until(() -> !reports.isEmpty());
    }
    StallReport report = reports.getFirst();
    assertThat(report.watchdog()).isEqualTo("test-watchdog");
    assertThat(report.quietFor()).isGreaterThanOrEqualTo(QUIET);
    assertThat(report.threadNames()).containsExactly("latch-virtual", "latch-platform");
    for (StallReport.BlockedThread t : report.threads()) {
      assertThat(t.state()).isEqualTo(Thread.State.WAITING);
      assertThat(t.virtual()).isEqualTo(t.name().equals("latch-virtual"));
      assertThat(t.blocker()).contains("CountDownLatch");
      assertThat(t.stack()).anySatisfy(frame -> {
        assertThat(frame.getClassName()).isEqualTo(CountDownLatch.class.getName());
        assertThat(frame.getMethodName()).isEqualTo("await");
      });
    }
    assertThat(report.toString())
        .contains("\"latch-virtual\"", "virtual WAITING", "at java.base/java.util.concurrent.CountDownLatch.await");
  }

  @Test
  void watchdog_progressKeepsChanging_neverReports() {
    Thread v = awaitNever(Thread.ofVirtual(), "blocked");
    AtomicLong counter = new AtomicLong();
    try (Watchdog w = builder(List.of(v)).progress(counted(counter::incrementAndGet)).start()) {
      awaitMorePolls();
    }
    assertThat(reports).isEmpty();
  }

  @Test
  void watchdog_nothingBlocked_neverReports() {
    Thread unstarted = Thread.ofVirtual().name("unstarted").unstarted(() -> {});
    Thread finished = Thread.ofVirtual().name("finished").start(() -> {});
    Parties.joinAll(List.of(finished));
    try (Watchdog w = builder(List.of(unstarted, finished)).progress(counted(() -> 0L)).start()) {
      awaitMorePolls();
    }
    assertThat(reports).isEmpty();
  }

  @Test
  void watchdog_stallPersists_reportsOncePerEpisode() {
    Thread v = awaitNever(Thread.ofVirtual(), "stuck");
    AtomicLong progress = new AtomicLong();
    try (Watchdog w = builder(List.of(v)).progress(counted(progress::get)).start()) {
      await().atMost(AWAIT).until(() -> reports.size() == 1);
      awaitMorePolls();
      assertThat(reports).hasSize(1);

      progress.incrementAndGet(); // ends the episode; the thread stays blocked, so a new one begins
      await().atMost(AWAIT).until(() -> reports.size() == 2);
      awaitMorePolls();
      assertThat(reports).hasSize(2);
    }
  }

  @Test
  void watchdog_withoutProgressSignal_sameThreadsBlockedIsAStall() {
    Thread v = awaitNever(Thread.ofVirtual(), "stuck");
    try (Watchdog w = builder(List.of(v)).start()) {
      await().atMost(AWAIT).until(() -> !reports.isEmpty());
    }
    assertThat(reports.getFirst().threadNames()).containsExactly("stuck");
  }

  @Test
  void watchdog_trackedLockGraph_reportIncludesEdgesAndLockAsBlocker() {
    TrackedLock lock = new TrackedLock("registry");
    Thread main = Thread.currentThread();
    lock.lock();
    Thread waiter;
    try {
      waiter = Thread.ofVirtual().name("lock-waiter").uncaughtExceptionHandler((th, e) -> uncaught.add(e)).start(() -> {
        lock.lock();
        lock.unlock();
      });
      started.add(waiter);
      await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(waiter) == main);
      try (Watchdog w = builder(List.of(waiter)).progress(() -> 0L).graph(TrackedLock.waitForGraph()).start()) {
        await().atMost(AWAIT).until(() -> !reports.isEmpty());
      }
    } finally {
      lock.unlock();
    }
    StallReport report = reports.getFirst();
    assertThat(report.waitsFor()).containsEntry(waiter, main);
    assertThat(report.threads().getFirst().blocker()).startsWith("TrackedLock[registry, held by");
    assertThat(report.toString()).contains("wait-for edges:", "\"lock-waiter\" -> \"" + main.getName() + "\"");
  }

  @Test
  void watchdog_failingListener_otherListenersStillCalled() {
    Thread v = awaitNever(Thread.ofVirtual(), "stuck");
    try (Watchdog w = Watchdog.builder().threads(() -> List.of(v)).quietPeriod(QUIET).pollInterval(POLL)
        .progress(() -> 0L)
        .listener(r -> {
          throw new IllegalStateException("listener failure (expected by the test)");
        })
        .listener(reports::add)
        .start()) {
      await().atMost(AWAIT).until(() -> !reports.isEmpty());
    }
  }

  @Test
  void watchdog_failingProgressSignal_fallsBackToBlockedThreads() {
    Thread v = awaitNever(Thread.ofVirtual(), "stuck");
    try (Watchdog w = builder(List.of(v)).progress(() -> {
      throw new IllegalStateException("progress failure (expected by the test)");
    }).start()) {
      await().atMost(AWAIT).until(() -> !reports.isEmpty());
    }
    assertThat(reports.getFirst().threadNames()).containsExactly("stuck");
  }

  @Test
  void watchdog_jfrRecordingEnabled_recordsStallEvent() throws Exception {
    Thread v = awaitNever(Thread.ofVirtual(), "jfr-stuck");
    Path file = Files.createTempFile("weft-stall", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("weft.Stall");
      recording.start();
      try (Watchdog w = builder(List.of(v)).progress(() -> 0L).start()) {
        await().atMost(AWAIT).until(() -> !reports.isEmpty());
      }
      recording.stop();
      recording.dump(file);
      List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
          .filter(e -> e.getEventType().getName().equals("weft.Stall"))
          .toList();
      assertThat(events).hasSize(1);
      RecordedEvent e = events.getFirst();
      assertThat(e.getEventType().getCategoryNames()).containsExactly("Weft");
      assertThat(e.getStackTrace()).isNull();
      assertThat(e.getString("watchdog")).isEqualTo("test-watchdog");
      assertThat(e.getInt("blockedThreads")).isEqualTo(1);
      assertThat(e.getString("threadNames")).isEqualTo("jfr-stuck");
      assertThat(e.getString("report")).contains("CountDownLatch.await");
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void stallEvent_defaultConfiguration_isDisabled() throws Exception {
    try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
      recording.start();
      assertThat(new StallEvent().isEnabled()).isFalse();
    }
  }

  @Test
  void builder_invalidOptions_throw() {
    assertThatThrownBy(() -> Watchdog.builder().start())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("threads");
    assertThatThrownBy(() -> Watchdog.builder().quietPeriod(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Watchdog.builder().pollInterval(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Watchdog.builder().name(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void close_calledTwice_stopsThreadOnce() {
    Watchdog w = Watchdog.builder().name("closing-watchdog").threads(List::of).start();
    w.close();
    w.close();
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("closing-watchdog"));
    assertThat(w).hasToString("Watchdog[closing-watchdog, closed]");
  }
}
