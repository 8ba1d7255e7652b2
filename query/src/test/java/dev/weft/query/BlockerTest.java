package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Parked readers name what they wait for, so thread dumps read well. */
@Timeout(60)
class BlockerTest {

  @Test
  void get_queryClaimedByAnotherTask_parksOnAwaitingQuery() {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Query<String, String> slow = Query.of("slow", (ctx, key) -> {
      started.countDown();
      release.await();
      return key;
    });
    try (Scheduler scheduler = Scheduler.parallel(2);
         QueryEngine engine = QueryEngine.builder().scheduler(scheduler).build()) {
      Task<String> owner = scheduler.spawn("owner", () -> engine.get(slow, "k"));
      started.await();
      AtomicReference<Thread> reader = new AtomicReference<>();
      Task<String> waiter = scheduler.spawn("reader", () -> {
        reader.set(Thread.currentThread());
        return engine.get(slow, "k");
      });
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> reader.get() != null
          && LockSupport.getBlocker(reader.get()) instanceof AwaitingQuery);
      release.countDown();
      assertThat(owner.join()).isEqualTo("k");
      assertThat(waiter.join()).isEqualTo("k");
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
