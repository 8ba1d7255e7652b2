package dev.weft.deadlock;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The javadoc examples of this package, kept compiling and passing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DocSnippetsTest {
  private final AtomicInteger transfers = new AtomicInteger();
  private final AtomicInteger refusals = new AtomicInteger();

  /** {@link TrackedLock} class javadoc: two transfers taking the same two locks in opposite orders. */
  @Test
  void trackedLock_example_inversionResolvedByRetry() {
    TrackedLock accounts = new TrackedLock("accounts");
    TrackedLock ledger = new TrackedLock("ledger");
    CyclicBarrier bothHoldFirst = new CyclicBarrier(2);
    Parties.run(Parties.Kind.VIRTUAL, "transfer", 2, i -> () -> {
      TrackedLock first = i == 0 ? accounts : ledger;
      TrackedLock second = i == 0 ? ledger : accounts;
      boolean firstAttempt = true;
      while (true) {
        try {
          // example begins
          first.lock();
          try {
            if (firstAttempt) {
              firstAttempt = false;
              bothHoldFirst.await(); // force the inversion on the first attempt
            }
            second.lock(); // throws DeadlockException if this wait would close a cycle
            try {
              transfer();
            } finally {
              second.unlock();
            }
          } finally {
            first.unlock();
          }
          // example ends
          return null;
        } catch (DeadlockException e) {
          refusals.incrementAndGet(); // the finally blocks released everything: try again
        }
      }
    });
    assertThat(transfers.get()).isEqualTo(2);
    assertThat(refusals.get()).isEqualTo(1);
  }

  private void transfer() {
    transfers.incrementAndGet();
  }

  /** {@link Watchdog} class javadoc. */
  @Test
  void watchdog_example_startsAndCloses() {
    List<Thread> workers = new CopyOnWriteArrayList<>();
    AtomicLong progress = new AtomicLong(); // incremented by the watched work whenever it advances
    try (Watchdog watchdog = Watchdog.builder()
        .name("build")
        .threads(() -> workers) // the threads to inspect, read again on every poll
        .progress(progress::get)
        .quietPeriod(Duration.ofSeconds(30))
        .graph(TrackedLock.waitForGraph()) // include the tracked locks' edges in reports
        .listener(report -> System.err.println(report))
        .start()) {
      Thread worker = Thread.ofVirtual().name("worker").unstarted(progress::incrementAndGet);
      workers.add(worker);
      worker.start();
      Parties.joinAll(List.of(worker));
      assertThat(watchdog.name()).isEqualTo("build");
    }
    assertThat(progress.get()).isEqualTo(1);
  }
}
