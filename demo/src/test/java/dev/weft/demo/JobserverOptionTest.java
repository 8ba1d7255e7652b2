package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code --jobserver}: job slots from make's jobserver when there is one (see JobserverMakeTest), else none. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JobserverOptionTest {

  @Test
  void jobserver_parallelRun_analysesLikeWithout() {
    MainTest.Result with = MainTest.run(MainTest.fixture(), "--threads", "2", "--jobserver");
    MainTest.Result without = MainTest.run(MainTest.fixture(), "--threads", "2");
    assertThat(with.code()).isEqualTo(without.code());
    assertThat(with.out()).contains("mode: Weft, parallel(2): 2 carriers");
    assertThat(results(with)).isNotEmpty().isEqualTo(results(without));
  }

  /** The summary's result lines (not its counters, which depend on the interleaving). */
  private static java.util.List<String> results(MainTest.Result r) {
    return r.lines().stream()
        .filter(l -> l.startsWith("  files") || l.startsWith("  packages") || l.startsWith("  types")
            || l.startsWith("  imports") || l.startsWith("  dependency edges"))
        .toList();
  }

  @Test
  void jobserver_withDeterministic_usageError() {
    MainTest.Result r = MainTest.run(MainTest.fixture(), "--deterministic", "1", "--jobserver");
    assertThat(r.code()).isEqualTo(AnalyzeCommand.USAGE);
    assertThat(r.err()).contains("--jobserver applies to a parallel run");
  }
}
