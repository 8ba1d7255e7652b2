package dev.weft.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs in its own surefire execution whose JVM lacks {@code --add-opens java.base/java.lang=ALL-UNNAMED}
 * (see this module's pom): the degraded path must be loud, never silent.
 */
@Timeout(60)
class FallbackTest {

  @Test
  void jvmWithoutAddOpens_isWhatThisTestRunsIn() {
    assertThat(Thread.class.getModule().isOpen("java.lang", FallbackTest.class.getModule())).isFalse();
  }

  @Test
  void parallel_withoutAddOpens_warnsOnceAndRunsOnDefaultScheduler() {
    List<LogRecord> records = new ArrayList<>();
    Logger logger = Logger.getLogger("dev.weft.scheduler");
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        synchronized (records) {
          records.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    logger.addHandler(handler);
    try (Scheduler s = Scheduler.parallel(2)) {
      assertThat(s.spawn("t", () -> Thread.currentThread().isVirtual()).join()).isTrue();
      assertThat(s.stats().ownCarriers()).isFalse();
    } finally {
      logger.removeHandler(handler);
    }
    assertThat(records).hasSize(1);
    assertThat(records.getFirst().getLevel()).isEqualTo(Level.WARNING);
    String message = java.text.MessageFormat.format(records.getFirst().getMessage(),
        records.getFirst().getParameters());
    assertThat(message).contains("--add-opens java.base/java.lang=ALL-UNNAMED").contains("default");
  }

  @Test
  void deterministic_withoutAddOpens_throwsNamingTheFlag() {
    assertThatThrownBy(() -> Scheduler.deterministic(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("--add-opens java.base/java.lang=ALL-UNNAMED");
  }
}
