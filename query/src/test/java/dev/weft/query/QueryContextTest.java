package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The cases in which {@link QueryContext#checkCancelled} throws, as its javadoc lists them, and no others. */
@Timeout(30)
class QueryContextTest {
  private Scheduler scheduler;
  private QueryEngine engine;
  private final Input<String, Integer> in = Query.input("in");
  private final CountDownLatch entered = new CountDownLatch(1);
  /** What checkCancelled threw inside the body, and whether the thread was still interrupted after it. */
  private final AtomicReference<String> seen = new AtomicReference<>();
  /** A body that polls checkCancelled until it throws or the test releases it. */
  private final CountDownLatch release = new CountDownLatch(1);
  private final Query<String, Integer> polling = Query.of("polling", (ctx, k) -> {
    int v = ctx.get(in, k);
    entered.countDown();
    try {
      while (!release.await(1, TimeUnit.MILLISECONDS)) {
        ctx.checkCancelled();
      }
    } catch (CancelledException c) {
      seen.set(c.getMessage() + "; interrupted after: " + Thread.currentThread().isInterrupted());
      throw c;
    }
    return v;
  });

  @BeforeEach
  void setUp() {
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).name("ctx").build();
    engine.set(in, "k", 1);
  }

  @AfterEach
  void tearDown() {
    release.countDown();
    engine.close();
    scheduler.close();
  }

  private Task<String> read() {
    return scheduler.spawn("reader", () -> {
      try {
        return "value " + engine.get(polling, "k");
      } catch (CancelledException c) {
        return "cancelled";
      }
    });
  }

  @Test
  void checkCancelled_writeThatChangesAValue_throws() throws Exception {
    Task<String> reader = read();
    entered.await();
    engine.set(in, "k", 2); // waits until the body has unwound
    assertThat(reader.join()).isEqualTo("cancelled");
    assertThat(seen.get()).contains("evaluation cancelled: set(in(k))").endsWith("interrupted after: false");
    assertThat(engine.get(in, "k")).isEqualTo(2);
  }

  @Test
  void checkCancelled_writeThatChangesNothing_doesNotThrow() throws Exception {
    Task<String> reader = read();
    entered.await();
    engine.set(in, "k", 1); // equal value, same durability: no revision, no cancellation
    engine.update(tx -> tx.set(in, "k", 1).remove(in, "absent"));
    release.countDown();
    assertThat(reader.join()).isEqualTo("value 1");
    assertThat(seen.get()).isNull();
  }

  @Test
  void checkCancelled_durabilityOnlyChange_throws() throws Exception {
    Task<String> reader = read();
    entered.await();
    engine.set(in, "k", 1, Durability.HIGH);
    assertThat(reader.join()).isEqualTo("cancelled");
    assertThat(seen.get()).contains("evaluation cancelled");
  }

  @Test
  void checkCancelled_close_throws() throws Exception {
    Task<String> reader = read();
    entered.await();
    engine.close();
    assertThat(reader.join()).isEqualTo("cancelled");
    assertThat(seen.get()).contains("engine 'ctx' closed");
  }

  @Test
  void checkCancelled_bodyThreadInterrupted_throwsAndKeepsTheInterruptStatus() throws Exception {
    AtomicReference<Thread> bodyThread = new AtomicReference<>();
    CountDownLatch running = new CountDownLatch(1);
    Query<String, Integer> spinning = Query.of("spinning", (ctx, k) -> {
      bodyThread.set(Thread.currentThread());
      running.countDown();
      try {
        for (;;) {
          ctx.checkCancelled(); // no blocking call: only checkCancelled can notice the interrupt
        }
      } catch (CancelledException c) {
        seen.set(c.getMessage() + "; interrupted after: " + Thread.currentThread().isInterrupted());
        throw c;
      }
    });
    Task<String> reader = scheduler.spawn("reader", () -> {
      try {
        return "value " + engine.get(spinning, "k");
      } catch (CancelledException c) {
        return "cancelled";
      }
    });
    running.await();
    bodyThread.get().interrupt();
    assertThat(reader.join()).isEqualTo("cancelled");
    assertThat(seen.get()).startsWith("evaluation interrupted").endsWith("interrupted after: true");
  }

  @Test
  void checkCancelled_otherThreadOrAfterReturn_illegalState() {
    AtomicReference<QueryContext> leaked = new AtomicReference<>();
    AtomicReference<Throwable> fromOtherThread = new AtomicReference<>();
    Query<String, Integer> leaking = Query.of("leaking", (ctx, k) -> {
      leaked.set(ctx);
      Thread t = Thread.ofVirtual().start(() -> {
        try {
          ctx.checkCancelled();
        } catch (Throwable e) {
          fromOtherThread.set(e);
        }
      });
      t.join();
      return 1;
    });
    assertThat(engine.get(leaking, "k")).isEqualTo(1);
    assertThat(fromOtherThread.get()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("from another thread");
    assertThatThrownBy(() -> leaked.get().checkCancelled()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("after its body returned");
  }
}
