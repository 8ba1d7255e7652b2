package dev.weft.srctest.deadlock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.deadlock.TrackedLock;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bounded buffer on a {@link TrackedLock} and two of its conditions, with two producers and two consumers
 * as Weft tasks. Under a strict deterministic scheduler every wakeup comes from a task, and the interleaving
 * (the log of who produced and consumed what) is a function of the seed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TrackedConditionSchedulerTest {
  private static final int ITEMS_PER_PRODUCER = 200;

  @Test
  void boundedBuffer_deterministicSeeds_deliversEverythingAndReplays() {
    Set<List<String>> distinct = new HashSet<>();
    for (long seed = 0; seed < 30; seed++) {
      List<String> first = run(Scheduler.builder().deterministic(seed).strict(true).build());
      List<String> replay = run(Scheduler.builder().deterministic(seed).strict(true).build());
      assertThat(replay).as("seed %d replays", seed).isEqualTo(first);
      distinct.add(first);
    }
    assertThat(distinct).hasSizeGreaterThan(1);
  }

  @Test
  void boundedBuffer_parallelTwoCarriers_deliversEverything() {
    for (int round = 0; round < 20; round++) {
      run(Scheduler.parallel(2));
    }
  }

  /** Runs the buffer to completion and returns the event log; checks that every item arrived exactly once. */
  private static List<String> run(Scheduler scheduler) {
    TrackedLock lock = new TrackedLock("buffer");
    Condition notEmpty = lock.newCondition();
    Condition notFull = lock.newCondition();
    ArrayDeque<Integer> buffer = new ArrayDeque<>();
    List<String> log = new ArrayList<>();
    List<Integer> consumed = new ArrayList<>();
    int total = 2 * ITEMS_PER_PRODUCER;
    int[] taken = new int[1];
    try (scheduler) {
      Task<Void> root = scheduler.spawn("root", () -> {
        List<Task<Void>> parties = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
          int producer = p;
          parties.add(scheduler.spawn("producer-" + p, () -> {
            for (int k = 0; k < ITEMS_PER_PRODUCER; k++) {
              lock.lock();
              try {
                while (buffer.size() == 3) {
                  notFull.await();
                }
                int item = producer * ITEMS_PER_PRODUCER + k;
                buffer.addLast(item);
                log.add("put " + item);
                notEmpty.signal();
              } finally {
                lock.unlock();
              }
            }
            return null;
          }));
        }
        for (int c = 0; c < 2; c++) {
          String name = "consumer-" + c;
          parties.add(scheduler.spawn(name, () -> {
            while (true) {
              lock.lock();
              try {
                while (buffer.isEmpty() && taken[0] < total) {
                  notEmpty.await();
                }
                if (taken[0] == total) {
                  notEmpty.signalAll(); // let the other consumer see the end
                  return null;
                }
                int item = buffer.removeFirst();
                taken[0]++;
                consumed.add(item);
                log.add(name + " took " + item);
                notFull.signal();
              } finally {
                lock.unlock();
              }
            }
          }));
        }
        for (Task<Void> t : parties) {
          t.join();
        }
        return null;
      });
      root.join();
    }
    assertThat(consumed).hasSize(total).doesNotHaveDuplicates();
    assertThat(TrackedLock.waitForGraph().edges()).isEmpty();
    return log;
  }
}
