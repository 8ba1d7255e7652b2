package dev.weft.deadlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.provider.EnumSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TrackedLockTest {
  private static final Duration AWAIT = Parties.JOIN_TIMEOUT;

  /** How a party waits for its second lock in an inversion. */
  enum Acquire {
    LOCK,
    LOCK_INTERRUPTIBLY,
    TRY_LOCK_TIMED
  }

  private final List<Throwable> uncaught = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** A virtual-thread builder whose uncaught exceptions fail the test. */
  private Thread.Builder.OfVirtual virtual() {
    return Thread.ofVirtual().uncaughtExceptionHandler((t, e) -> uncaught.add(e));
  }

  @AfterEach
  void noUncaughtFailureAndGraphIsEmpty() {
    assertThat(uncaught).isEmpty();
    // Every test ends with all threads joined, so no thread may be left in the shared graph.
    assertThat(TrackedLock.waitForGraph().edges()).isEmpty();
  }

  // ---- basics -------------------------------------------------------------------------------------------

  @Test
  void waitForGraph_isAReadOnlyView() {
    WaitForGraph.View<Thread> graph = TrackedLock.waitForGraph();
    assertThat(graph).isNotInstanceOf(WaitForGraph.class).isSameAs(TrackedLock.waitForGraph());
    assertThat(graph.edges()).isEmpty();
  }

  @Test
  void lock_reentrant_countsHolds() {
    TrackedLock lock = new TrackedLock("a");
    lock.lock();
    lock.lock();
    assertThat(lock.tryLock()).isTrue();
    assertThat(lock.holdCount()).isEqualTo(3);
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    lock.unlock();
    lock.unlock();
    assertThat(lock.isLocked()).isTrue();
    lock.unlock();
    assertThat(lock.isLocked()).isFalse();
    assertThat(lock.holdCount()).isZero();
  }

  @Test
  void unlock_notHeld_throwsIllegalMonitorState() {
    TrackedLock lock = new TrackedLock("a");
    assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class).hasMessageContaining("a");
  }

  @Test
  void constructor_blankName_throwsIllegalArgument() {
    assertThatThrownBy(() -> new TrackedLock(" ")).isInstanceOf(IllegalArgumentException.class);
    assertThat(new TrackedLock().name()).startsWith("lock-");
  }

  @Test
  void tryLock_heldByOther_returnsFalseWithoutEdge() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    lock.lock();
    try {
      List<Boolean> got = Parties.run(Parties.Kind.VIRTUAL, "other", 1, i -> () -> {
        boolean untimed = lock.tryLock();
        boolean zero = lock.tryLock(0, TimeUnit.SECONDS);
        return untimed || zero;
      });
      assertThat(got).containsExactly(false);
    } finally {
      lock.unlock();
    }
  }

  @Test
  void toString_showsNameAndOwner() {
    TrackedLock lock = new TrackedLock("table");
    assertThat(lock).hasToString("TrackedLock[table, unlocked]");
    lock.lock();
    try {
      assertThat(lock.toString()).startsWith("TrackedLock[table, held by \"" + Thread.currentThread().getName());
    } finally {
      lock.unlock();
    }
  }

  // ---- inversions ---------------------------------------------------------------------------------------

  /**
   * N parties each take lock i, meet at a barrier, then want lock i+1 (mod N): a cycle of N. Repeated: each
   * round exactly one party is refused, its exception names the whole cycle in creation order, and every
   * other party gets both locks once the victim has released its own.
   */
  @ParameterizedTest
  @CsvSource({
    "2, VIRTUAL, LOCK", "2, PLATFORM, LOCK", "2, MIXED, TRY_LOCK_TIMED",
    "3, VIRTUAL, LOCK", "3, MIXED, LOCK_INTERRUPTIBLY", "3, PLATFORM, TRY_LOCK_TIMED",
    "6, VIRTUAL, LOCK", "6, MIXED, LOCK"
  })
  void lock_orderInversion_exactlyOneVictimWithFullCycle(int n, Parties.Kind kind, Acquire acquire) {
    int rounds = 200;
    for (int round = 0; round < rounds; round++) {
      List<TrackedLock> locks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        locks.add(new TrackedLock("L" + i));
      }
      CyclicBarrier barrier = new CyclicBarrier(n);
      List<DeadlockException> outcomes = Parties.run(kind, "p", n, i -> () -> {
        TrackedLock first = locks.get(i);
        TrackedLock second = locks.get((i + 1) % n);
        first.lock();
        try {
          barrier.await(AWAIT.toSeconds(), TimeUnit.SECONDS);
          acquire(second, acquire);
          second.unlock();
          return null;
        } catch (DeadlockException e) {
          return e;
        } finally {
          first.unlock();
        }
      });
      List<DeadlockException> victims = outcomes.stream().filter(Objects::nonNull).toList();
      assertThat(victims).as("round %d", round).hasSize(1);
      DeadlockException e = victims.getFirst();
      List<String> names = e.cycle().stream().map(t -> ((Thread) t).getName()).toList();
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        expected.add("p-" + i);
      }
      assertThat(names).isEqualTo(expected);
      for (int i = 0; i < n; i++) {
        assertThat(e.getMessage()).contains("\"p-" + i + "\" waits for L" + ((i + 1) % n) + " held by \"p-"
            + ((i + 1) % n) + "\"");
      }
      for (TrackedLock l : locks) {
        assertThat(l.isLocked()).isFalse();
      }
    }
  }

  /**
   * The refused party retries at once. Its unlock hands its lock to the party that waited for it, so the
   * retry queues behind that party instead of re-taking the lock and closing the same cycle again: exactly
   * one refusal per inversion, and every party completes.
   */
  @ParameterizedTest
  @CsvSource({"2, VIRTUAL", "3, MIXED", "5, PLATFORM"})
  void lock_victimRetriesAtOnce_refusedExactlyOnce(int n, Parties.Kind kind) {
    for (int round = 0; round < 100; round++) {
      List<TrackedLock> locks = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        locks.add(new TrackedLock("R" + i));
      }
      CyclicBarrier barrier = new CyclicBarrier(n);
      List<Integer> refusals = Parties.run(kind, "retry", n, i -> () -> {
        int refused = 0;
        boolean first = true;
        while (true) {
          try {
            locks.get(i).lock();
            try {
              if (first) {
                first = false;
                barrier.await(AWAIT.toSeconds(), TimeUnit.SECONDS);
              }
              locks.get((i + 1) % n).lock();
              locks.get((i + 1) % n).unlock();
            } finally {
              locks.get(i).unlock();
            }
            return refused;
          } catch (DeadlockException e) {
            refused++;
          }
        }
      });
      assertThat(refusals.stream().mapToInt(Integer::intValue).sum()).as("round %d", round).isEqualTo(1);
    }
  }

  private static void acquire(TrackedLock lock, Acquire how) throws InterruptedException {
    switch (how) {
      case LOCK -> lock.lock();
      case LOCK_INTERRUPTIBLY -> lock.lockInterruptibly();
      case TRY_LOCK_TIMED -> assertThat(lock.tryLock(AWAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    }
  }

  /**
   * Four parties take lock i one at a time, in {@code takeOrder}, then are let into their wait for lock i+1
   * one at a time, in {@code enterOrder}, each only once the previous ones are parked. The party refused is
   * the one that took its first lock last (the youngest transaction), whether it closes the cycle or is
   * parked when another closes it; the cycle still reads from party 0 and every other party completes.
   */
  @ParameterizedTest
  @CsvSource({"0 1 2 3, 0 1 2 3", "0 1 2 3, 3 2 1 0", "2 0 3 1, 1 3 0 2", "3 2 1 0, 2 0 3 1", "1 3 0 2, 0 2 3 1"})
  void lock_firstLocksTakenInOrder_youngestRefusedWhicheverCloses(String takeText, String enterText)
      throws Exception {
    int n = 4;
    int[] take = java.util.Arrays.stream(takeText.split(" ")).mapToInt(Integer::parseInt).toArray();
    int[] enter = java.util.Arrays.stream(enterText.split(" ")).mapToInt(Integer::parseInt).toArray();
    List<TrackedLock> locks = new ArrayList<>();
    List<CountDownLatch> mayTake = new ArrayList<>();
    List<CountDownLatch> taken = new ArrayList<>();
    List<CountDownLatch> mayEnter = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      locks.add(new TrackedLock("O" + i));
      mayTake.add(new CountDownLatch(1));
      taken.add(new CountDownLatch(1));
      mayEnter.add(new CountDownLatch(1));
    }
    List<Thread> threads = new ArrayList<>();
    List<AtomicReference<DeadlockException>> outcomes = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int i = 0; i < n; i++) {
      int index = i;
      AtomicReference<DeadlockException> outcome = new AtomicReference<>();
      outcomes.add(outcome);
      threads.add(virtual().name("o-" + i).start(() -> {
        try {
          mayTake.get(index).await();
          locks.get(index).lock();
          try {
            taken.get(index).countDown();
            mayEnter.get(index).await();
            locks.get((index + 1) % n).lock();
            locks.get((index + 1) % n).unlock();
          } catch (DeadlockException e) {
            outcome.set(e);
          } finally {
            locks.get(index).unlock();
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    for (int k = 0; k < n; k++) {
      mayTake.get(take[k]).countDown();
      taken.get(take[k]).await();
    }
    for (int k = 0; k < n - 1; k++) {
      Thread t = threads.get(enter[k]);
      mayEnter.get(enter[k]).countDown();
      await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(t) != null);
    }
    mayEnter.get(enter[n - 1]).countDown();
    Parties.joinAll(threads);
    assertThat(failures).isEmpty();
    int youngest = take[n - 1];
    for (int i = 0; i < n; i++) {
      if (i == youngest) {
        DeadlockException e = outcomes.get(i).get();
        assertThat(e).isNotNull();
        assertThat(e.cycle()).isEqualTo(threads);
        assertThat(e.getMessage()).startsWith(youngest == enter[n - 1]
            ? "deadlock: \"o-" + i + "\" would wait for O" + ((i + 1) % n)
            : "deadlock: \"o-" + i + "\" waiting for O" + ((i + 1) % n) + " held by \"o-" + ((i + 1) % n)
                + "\" is refused: \"o-" + enter[n - 1] + "\" closed a wait cycle of 4 threads:");
      } else {
        assertThat(outcomes.get(i).get()).as("party %d", i).isNull();
      }
    }
  }

  /**
   * "first" takes accounts, then "second" takes ledger; "first" waits for ledger and "second" closes the cycle
   * by asking for accounts. "second" is the youngest: its own wait is refused, and the message states the
   * refused wait first, then every wait of the cycle.
   */
  @Test
  void lock_youngestClosesTheCycle_itsWaitRefusedWithMessage() throws Exception {
    TrackedLock a = new TrackedLock("accounts");
    TrackedLock b = new TrackedLock("ledger");
    CountDownLatch aHeld = new CountDownLatch(1);
    CountDownLatch bHeld = new CountDownLatch(1);
    AtomicReference<Throwable> refused = new AtomicReference<>();
    Thread first = virtual().name("first").start(() -> {
      a.lock();
      try {
        aHeld.countDown();
        bHeld.await();
        b.lock();
        b.unlock();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      } finally {
        a.unlock();
      }
    });
    aHeld.await();
    Thread second = virtual().name("second").start(() -> {
      b.lock();
      try {
        bHeld.countDown();
        Thread me = Thread.currentThread();
        await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(first) == me);
        a.lock();
        a.unlock();
      } catch (Throwable t) {
        refused.set(t);
      } finally {
        b.unlock();
      }
    });
    Parties.joinAll(List.of(first, second));
    assertThat(refused.get())
        .isInstanceOf(DeadlockException.class)
        .hasMessageStartingWith("deadlock: \"second\" would wait for accounts held by \"first\", closing a wait"
            + " cycle of 2 threads:")
        .hasMessageContaining("\"first\" waits for ledger held by \"second\"")
        .hasMessageContaining("\"second\" waits for accounts held by \"first\"  <- refused");
  }

  /**
   * "older" takes ledger, then "younger" takes accounts and parks waiting for ledger; "older" closes the cycle
   * by asking for accounts. The youngest party is the parked one: its wait ends with the refusal, naming the
   * closer, and "older" gets accounts once "younger" has released it.
   */
  @Test
  void lock_olderClosesTheCycle_parkedYoungestRefusedAndCloserProceeds() throws Exception {
    TrackedLock a = new TrackedLock("accounts");
    TrackedLock b = new TrackedLock("ledger");
    CountDownLatch bHeld = new CountDownLatch(1);
    CountDownLatch aHeld = new CountDownLatch(1);
    AtomicReference<Throwable> youngerOutcome = new AtomicReference<>();
    AtomicReference<Boolean> olderGotIt = new AtomicReference<>();
    Thread older = virtual().name("older").start(() -> {
      b.lock();
      try {
        bHeld.countDown();
        aHeld.await();
        await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().size() == 1);
        a.lock();
        olderGotIt.set(true);
        a.unlock();
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      } finally {
        b.unlock();
      }
    });
    bHeld.await();
    Thread younger = virtual().name("younger").start(() -> {
      a.lock();
      try {
        aHeld.countDown();
        b.lock();
        b.unlock();
      } catch (Throwable t) {
        youngerOutcome.set(t);
      } finally {
        a.unlock();
      }
    });
    Parties.joinAll(List.of(older, younger));
    assertThat(olderGotIt.get()).isTrue();
    assertThat(youngerOutcome.get())
        .isInstanceOf(DeadlockException.class)
        .hasMessageStartingWith("deadlock: \"younger\" waiting for ledger held by \"older\" is refused: \"older\""
            + " closed a wait cycle of 2 threads:")
        .hasMessageContaining("\"older\" waits for accounts held by \"younger\"  <- closed the cycle")
        .hasMessageContaining("\"younger\" waits for ledger held by \"older\"  <- refused")
        .hasMessageContaining("started last");
    assertThat(((DeadlockException) youngerOutcome.get()).cycle()).isEqualTo(List.of(older, younger));
  }

  // ---- no false positives -------------------------------------------------------------------------------

  /**
   * Many threads take random subsets of the locks, always in index order, hand over hand or nested: no cycle
   * is possible, so no DeadlockException may ever be thrown, and the counters guarded by the locks add up.
   * Owners release constantly, which exercises the re-validation of edges towards former owners.
   */
  @ParameterizedTest
  @EnumSource(Parties.Kind.class)
  void lock_consistentOrderUnderContention_neverRefused(Parties.Kind kind) {
    int threads = 8;
    int iterations = 3_000;
    int lockCount = 4;
    List<TrackedLock> locks = new ArrayList<>();
    long[] counters = new long[lockCount];
    for (int i = 0; i < lockCount; i++) {
      locks.add(new TrackedLock("c" + i));
    }
    Parties.run(kind, "worker", threads, w -> () -> {
      Random random = new Random(w);
      for (int k = 0; k < iterations; k++) {
        int from = random.nextInt(lockCount);
        int to = from + random.nextInt(lockCount - from);
        if (random.nextBoolean()) {
          for (int i = from; i <= to; i++) {
            locks.get(i).lock();
            counters[i]++;
          }
          for (int i = to; i >= from; i--) {
            locks.get(i).unlock();
          }
        } else {
          locks.get(from).lock();
          counters[from]++;
          for (int i = from + 1; i <= to; i++) {
            locks.get(i).lock();
            counters[i]++;
            locks.get(i - 1).unlock();
          }
          locks.get(to).unlock();
        }
      }
      return null;
    });
    // Replay the same random choices to know how often each counter must have been incremented.
    long[] expected = new long[lockCount];
    for (int w = 0; w < threads; w++) {
      Random random = new Random(w);
      for (int k = 0; k < iterations; k++) {
        int from = random.nextInt(lockCount);
        int to = from + random.nextInt(lockCount - from);
        random.nextBoolean();
        for (int i = from; i <= to; i++) {
          expected[i]++;
        }
      }
    }
    assertThat(counters).isEqualTo(expected);
  }

  /**
   * The race a stale edge would turn into a false deadlock: "hop" holds y and wants x while "pass" takes x,
   * releases it, and then wants y. If hop's edge still named pass after pass released x, pass's wait for y
   * (held by hop) would close a cycle that does not exist. Many iterations, zero refusals.
   */
  @ParameterizedTest
  @EnumSource(Parties.Kind.class)
  void lock_ownerReleasesThenWaits_noFalseCycle(Parties.Kind kind) {
    TrackedLock x = new TrackedLock("x");
    TrackedLock y = new TrackedLock("y");
    int iterations = 5_000;
    long[] count = new long[1];
    Parties.run(kind, "race", 4, i -> () -> {
      for (int k = 0; k < iterations; k++) {
        if (i % 2 == 0) { // pass: x, then (without x) y
          x.lock();
          count[0]++;
          x.unlock();
          y.lock();
          y.unlock();
        } else { // hop: y, then x inside y
          y.lock();
          try {
            x.lock();
            count[0]++;
            x.unlock();
          } finally {
            y.unlock();
          }
        }
      }
      return null;
    });
    assertThat(count[0]).isEqualTo(4L * iterations);
  }

  /** One hot lock, many threads, nested re-entry: the count is exact and nothing is refused. */
  @Test
  void lock_singleHotLock_mutualExclusion() {
    TrackedLock lock = new TrackedLock("hot");
    int[] counter = new int[1];
    Parties.run(Parties.Kind.MIXED, "inc", 16, w -> () -> {
      for (int k = 0; k < 2_000; k++) {
        lock.lock();
        try {
          lock.lock();
          try {
            counter[0]++;
          } finally {
            lock.unlock();
          }
        } finally {
          lock.unlock();
        }
      }
      return null;
    });
    assertThat(counter[0]).isEqualTo(16 * 2_000);
  }

  // ---- interruption and timeouts ------------------------------------------------------------------------

  @Test
  void lockInterruptibly_interruptedWhileWaiting_throwsAndLeavesQueue() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Thread main = Thread.currentThread();
    lock.lock();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    Thread waiter = virtual().name("waiter").start(() -> {
      try {
        lock.lockInterruptibly();
        lock.unlock();
      } catch (Throwable t) {
        outcome.set(t);
      }
    });
    try {
      await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(waiter) == main);
      waiter.interrupt();
      Parties.joinAll(List.of(waiter));
    } finally {
      lock.unlock();
    }
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    assertThat(lock.isLocked()).isFalse();
  }

  @Test
  void lock_interruptedWhileWaiting_keepsWaitingAndRestoresInterrupt() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Thread main = Thread.currentThread();
    lock.lock();
    AtomicReference<Boolean> interrupted = new AtomicReference<>();
    Thread waiter = virtual().name("waiter").start(() -> {
      lock.lock();
      interrupted.set(Thread.currentThread().isInterrupted());
      lock.unlock();
    });
    await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(waiter) == main);
    waiter.interrupt();
    await().atMost(AWAIT).until(() -> waiter.getState() == Thread.State.WAITING);
    assertThat(TrackedLock.waitForGraph().waitingFor(waiter)).isEqualTo(Thread.currentThread());
    lock.unlock();
    Parties.joinAll(List.of(waiter));
    assertThat(interrupted.get()).isTrue();
  }

  @Test
  void tryLockTimed_ownerNeverReleases_returnsFalseAndRemovesEdge() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    lock.lock();
    try {
      List<Boolean> got = Parties.run(Parties.Kind.VIRTUAL, "timed", 1, i -> () ->
          lock.tryLock(20, TimeUnit.MILLISECONDS));
      assertThat(got).containsExactly(false);
    } finally {
      lock.unlock();
    }
  }

  /** Waiters queued behind a lock whose owner changes keep pointing at the current owner. */
  @Test
  void lock_ownerChangesWhileQueued_edgesFollowTheOwner() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Thread main = Thread.currentThread();
    lock.lock();
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> secondOwner = new AtomicReference<>();
    List<Thread> waiters = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      waiters.add(virtual().name("w" + i).start(() -> {
        lock.lock();
        try {
          if (secondOwner.compareAndSet(null, Thread.currentThread())) {
            release.await();
          }
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        } finally {
          lock.unlock();
        }
      }));
    }
    for (Thread w : waiters) {
      await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(w) == main);
    }
    lock.unlock();
    await().atMost(AWAIT).until(() -> secondOwner.get() != null && lock.isLocked());
    Thread owner = secondOwner.get();
    for (Thread w : waiters) {
      if (w != owner) {
        await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(w) == owner);
      }
    }
    assertThat(TrackedLock.waitForGraph().waitingFor(owner)).isNull();
    release.countDown();
    Parties.joinAll(waiters);
  }

  // ---- conditions ---------------------------------------------------------------------------------------

  @Test
  void condition_awaitWithoutLock_throwsIllegalMonitorState() {
    TrackedLock lock = new TrackedLock("a");
    Condition c = lock.newCondition();
    assertThatThrownBy(c::await).isInstanceOf(IllegalMonitorStateException.class);
    assertThatThrownBy(c::signal).isInstanceOf(IllegalMonitorStateException.class);
  }

  /** A bounded buffer on two conditions: every item arrives once, in order. */
  @Test
  void condition_producerConsumer_deliversEverything() {
    TrackedLock lock = new TrackedLock("buffer");
    Condition notEmpty = lock.newCondition();
    Condition notFull = lock.newCondition();
    java.util.ArrayDeque<Integer> buffer = new java.util.ArrayDeque<>();
    int items = 5_000;
    List<Integer> received = new ArrayList<>();
    Parties.run(Parties.Kind.MIXED, "pc", 2, i -> () -> {
      for (int k = 0; k < items; k++) {
        lock.lock();
        try {
          if (i == 0) {
            while (buffer.size() == 4) {
              notFull.await();
            }
            buffer.addLast(k);
            notEmpty.signal();
          } else {
            while (buffer.isEmpty()) {
              notEmpty.awaitUninterruptibly();
            }
            received.add(buffer.removeFirst());
            notFull.signalAll();
          }
        } finally {
          lock.unlock();
        }
      }
      return null;
    });
    assertThat(received).hasSize(items);
    for (int k = 0; k < items; k++) {
      assertThat(received.get(k)).isEqualTo(k);
    }
  }

  /** await releases every hold, so a thread queued behind the lock gets it and holds are restored after. */
  @Test
  void condition_await_releasesAllHoldsAndRestoresThem() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Condition ready = lock.newCondition();
    AtomicInteger holdsAfter = new AtomicInteger();
    CountDownLatch awaiting = new CountDownLatch(1);
    Thread waiter = virtual().name("waiter").start(() -> {
      lock.lock();
      lock.lock();
      try {
        awaiting.countDown();
        ready.awaitUninterruptibly();
        holdsAfter.set(lock.holdCount());
      } finally {
        lock.unlock();
        lock.unlock();
      }
    });
    awaiting.await();
    lock.lock(); // only possible once the waiter's await released both holds
    try {
      assertThat(TrackedLock.waitForGraph().waitingFor(Thread.currentThread())).isNull();
      ready.signal();
      // The signalled thread now waits for the lock, and therefore for this thread.
      assertThat(TrackedLock.waitForGraph().waitingFor(waiter)).isEqualTo(Thread.currentThread());
    } finally {
      lock.unlock();
    }
    Parties.joinAll(List.of(waiter));
    assertThat(holdsAfter.get()).isEqualTo(2);
  }

  /**
   * A thread blocked in lock() behind a condition waiter must not see that waiter as owner: await frees the
   * lock, the blocked thread gets it, and its edge is gone.
   */
  @Test
  void condition_awaitWhileOthersQueued_queuedThreadTakesLock() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Condition cond = lock.newCondition();
    AtomicReference<Thread> queued = new AtomicReference<>();
    CountDownLatch queuedGotLock = new CountDownLatch(1);
    Thread waiter = virtual().name("condition-waiter").start(() -> {
      lock.lock();
      try {
        queued.set(virtual().name("queued").start(() -> {
          lock.lock();
          try {
            queuedGotLock.countDown();
            cond.signal();
          } finally {
            lock.unlock();
          }
        }));
        Thread me = Thread.currentThread();
        await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(queued.get()) == me);
        cond.awaitUninterruptibly();
      } finally {
        lock.unlock();
      }
    });
    Parties.joinAll(List.of(waiter));
    Parties.joinAll(List.of(queued.get()));
    assertThat(queuedGotLock.getCount()).isZero();
  }

  /**
   * Nested-monitor lockout: W holds m and l, awaits on l's condition. S takes l, signals (W now waits for l,
   * so for S), then wants m, held by W: S closes the cycle and is refused; once S releases l, W returns from
   * await and finishes.
   */
  @Test
  void condition_signalledWaiterAndOwnerInversion_signallerIsRefused() throws Exception {
    TrackedLock m = new TrackedLock("m");
    TrackedLock l = new TrackedLock("l");
    Condition cond = l.newCondition();
    CountDownLatch awaiting = new CountDownLatch(1);
    AtomicReference<Throwable> signallerOutcome = new AtomicReference<>();
    Thread w = virtual().name("W").start(() -> {
      m.lock();
      l.lock();
      try {
        awaiting.countDown();
        cond.awaitUninterruptibly();
      } finally {
        l.unlock();
        m.unlock();
      }
    });
    Thread s = virtual().name("S").start(() -> {
      try {
        awaiting.await();
        l.lock();
        try {
          cond.signal();
          m.lock();
          m.unlock();
        } finally {
          l.unlock();
        }
      } catch (Throwable t) {
        signallerOutcome.set(t);
      }
    });
    Parties.joinAll(List.of(w, s));
    assertThat(signallerOutcome.get()).isInstanceOf(DeadlockException.class);
    assertThat(((DeadlockException) signallerOutcome.get()).cycle()).isEqualTo(List.of(w, s));
  }

  /**
   * W holds m and l and awaits on l's condition; S takes l and blocks on m (waiting for W). W is interrupted,
   * leaves the condition and must re-acquire l from S: that closes the cycle. With {@code sOlder}, S started
   * its transaction first (it took x before W took m), so W, the youngest, is refused: await throws
   * DeadlockException without holding l, W releases m and S finishes. Otherwise S, the youngest, is refused
   * while it waits for m; it releases l, and W's await ends as interrupted, holding l.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void condition_interruptedAwaitReacquireClosesCycle_youngestRefused(boolean sOlder) throws Exception {
    TrackedLock m = new TrackedLock("m");
    TrackedLock l = new TrackedLock("l");
    TrackedLock x = new TrackedLock("x");
    Condition cond = l.newCondition();
    CountDownLatch xHeld = new CountDownLatch(1);
    CountDownLatch awaiting = new CountDownLatch(1);
    AtomicReference<Throwable> waiterOutcome = new AtomicReference<>();
    AtomicReference<Throwable> signallerOutcome = new AtomicReference<>();
    AtomicReference<Boolean> heldAfter = new AtomicReference<>();
    AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
    Thread s = virtual().name("S").unstarted(() -> {
      x.lock();
      try {
        xHeld.countDown();
        awaiting.await();
        l.lock();
        try {
          m.lock();
          m.unlock();
        } finally {
          l.unlock();
        }
      } catch (Throwable t) {
        signallerOutcome.set(t);
      } finally {
        x.unlock();
      }
    });
    Thread w = virtual().name("W").unstarted(() -> {
      m.lock();
      try {
        l.lock();
        awaiting.countDown();
        try {
          cond.await();
        } catch (Throwable t) {
          waiterOutcome.set(t);
          interruptedAfter.set(Thread.currentThread().isInterrupted());
        }
        heldAfter.set(l.isHeldByCurrentThread());
        if (l.isHeldByCurrentThread()) {
          l.unlock();
        }
      } finally {
        m.unlock();
      }
    });
    if (sOlder) {
      s.start();
      xHeld.await();
      w.start();
    } else {
      w.start();
      awaiting.await();
      s.start();
    }
    await().atMost(AWAIT).until(() -> TrackedLock.waitForGraph().waitingFor(s) == w);
    w.interrupt();
    Parties.joinAll(List.of(w, s));
    if (sOlder) {
      assertThat(waiterOutcome.get())
          .isInstanceOf(DeadlockException.class)
          .hasMessageContaining("l is not held by \"W\"");
      assertThat(heldAfter.get()).isFalse();
      assertThat(interruptedAfter.get()).isTrue();
      assertThat(signallerOutcome.get()).isNull();
    } else {
      assertThat(signallerOutcome.get()).isInstanceOf(DeadlockException.class)
          .hasMessageStartingWith("deadlock: \"S\" waiting for m held by \"W\" is refused: \"W\" closed");
      assertThat(waiterOutcome.get()).isInstanceOf(InterruptedException.class);
      assertThat(heldAfter.get()).isTrue();
    }
  }

  @Test
  void condition_timedAwaitWithoutSignal_timesOutHoldingLock() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Condition c = lock.newCondition();
    lock.lock();
    try {
      assertThat(c.await(10, TimeUnit.MILLISECONDS)).isFalse();
      assertThat(c.awaitNanos(0)).isLessThanOrEqualTo(0);
      assertThat(lock.holdCount()).isEqualTo(1);
    } finally {
      lock.unlock();
    }
  }

  @Test
  void condition_interruptedBeforeSignal_throwsInterruptedHoldingLock() throws Exception {
    TrackedLock lock = new TrackedLock("a");
    Condition c = lock.newCondition();
    AtomicReference<Throwable> outcome = new AtomicReference<>();
    AtomicReference<Boolean> held = new AtomicReference<>();
    Thread t = virtual().name("t").start(() -> {
      lock.lock();
      try {
        c.await();
      } catch (Throwable e) {
        outcome.set(e);
      } finally {
        held.set(lock.isHeldByCurrentThread());
        lock.unlock();
      }
    });
    await().atMost(AWAIT).until(() -> t.getState() == Thread.State.WAITING && !lock.isLocked());
    t.interrupt();
    Parties.joinAll(List.of(t));
    assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
    assertThat(held.get()).isTrue();
  }
}
