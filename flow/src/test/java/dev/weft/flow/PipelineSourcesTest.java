package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.flow.Schedulers.Config;
import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Sources and what a second run of the same description does with each. */
@Timeout(value = 30, threadMode = ThreadMode.SEPARATE_THREAD)
class PipelineSourcesTest {
  private static final String ALL = "dev.weft.flow.Schedulers#all";

  @TempDir
  Path dir;

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void from_collection_isIteratedAgainOnEveryRun(Config config) {
    Scheduler s = config.create();
    try {
      Pipeline<Integer> p = Pipeline.from(List.of(1, 2, 3)).map(x -> x * 10);
      assertThat(p.toList(s)).containsExactly(10, 20, 30);
      assertThat(p.toList(s)).containsExactly(10, 20, 30);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void from_iterableReturningTheSameIterator_secondRunFailsInsteadOfProducingNothing(Config config) {
    Scheduler s = config.create();
    try {
      Iterator<Integer> iterator = List.of(1, 2, 3).iterator();
      Pipeline<Integer> p = Pipeline.from(() -> iterator);
      assertThat(p.toList(s)).containsExactly(1, 2, 3);
      assertThatThrownBy(() -> p.toList(s))
          .isInstanceOf(PipelineException.class)
          .hasMessageContaining("source")
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("same Iterator");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void from_iterableCreatingIterators_runsAgain() {
    try (Scheduler s = Scheduler.deterministic(1)) {
      List<Integer> items = List.of(4, 5);
      Pipeline<Integer> p = Pipeline.from(() -> items.iterator());
      assertThat(p.toList(s)).containsExactly(4, 5);
      assertThat(p.toList(s)).containsExactly(4, 5);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void from_stream_runsOnceClosesTheStreamAndRefusesASecondRun(Config config) {
    Scheduler s = config.create();
    try {
      AtomicInteger closed = new AtomicInteger();
      Pipeline<Integer> p = Pipeline.from(IntStream.range(0, 500).boxed().onClose(closed::incrementAndGet))
          .filter(x -> x % 100 == 0);
      assertThat(p.toList(s)).containsExactly(0, 100, 200, 300, 400);
      assertThat(closed).hasValue(1);
      assertThatThrownBy(() -> p.toList(s))
          .isInstanceOf(PipelineException.class)
          .cause()
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("runs once");
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void from_streamWhoseRunStopsEarly_closesTheStream() {
    try (Scheduler s = Scheduler.deterministic(7)) {
      AtomicInteger closed = new AtomicInteger();
      Stream<Integer> endless = Stream.iterate(0, x -> x + 1).onClose(closed::incrementAndGet);
      List<Integer> firstThree = Pipeline.from(endless)
          .transform(Integer.class, (in, out) -> {
            for (int i = 0; i < 3; i++) {
              out.push(in.take());
            }
          })
          .toList(s);
      assertThat(firstThree).containsExactly(0, 1, 2);
      assertThat(closed).hasValue(1);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void from_streamOfAFailedRun_isClosedWhenTheCallReturns(Config config) {
    Scheduler s = config.create();
    try {
      AtomicInteger closed = new AtomicInteger();
      Pipeline<Integer> p = Pipeline.from(Stream.iterate(0, x -> x + 1).onClose(closed::incrementAndGet))
          .map(x -> {
            if (x == 1000) {
              throw new IllegalStateException("boom");
            }
            return x;
          });
      assertThatThrownBy(() -> p.toList(s)).isInstanceOf(PipelineException.class).hasRootCauseMessage("boom");
      assertThat(closed).hasValue(1);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource(ALL)
  void lines_textFile_emitsEachLineOnEveryRun(Config config) throws IOException {
    Scheduler s = config.create();
    try {
      Path file = dir.resolve("log.txt");
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < 1000; i++) {
        text.append("line ").append(i).append(i % 2 == 0 ? "\n" : "\r\n");
      }
      Files.writeString(file, text);
      Pipeline<Integer> numbers = Pipeline.lines(file).map(l -> Integer.parseInt(l.substring(5)));
      assertThat(numbers.toList(s)).isEqualTo(IntStream.range(0, 1000).boxed().toList());
      Files.writeString(file, "line 7\nline 8"); // no final newline: still a line
      assertThat(numbers.toList(s)).containsExactly(7, 8);
    } finally {
      Schedulers.assertQuietAndClose(s);
    }
  }

  @Test
  void lines_charset_decodesWithIt() throws IOException {
    Path file = dir.resolve("latin1.txt");
    Files.writeString(file, "café\nnaïve\n", StandardCharsets.ISO_8859_1);
    try (Scheduler s = Scheduler.deterministic(0)) {
      assertThat(Pipeline.lines(file, StandardCharsets.ISO_8859_1).toList(s)).containsExactly("café", "naïve");
      assertThatThrownBy(() -> Pipeline.lines(file).toList(s)) // not UTF-8
          .isInstanceOf(PipelineException.class)
          .hasRootCauseInstanceOf(MalformedInputException.class);
    }
  }

  @Test
  void lines_missingFile_failsTheRunNamingTheSource() {
    try (Scheduler s = Scheduler.deterministic(0)) {
      assertThatThrownBy(() -> Pipeline.lines(dir.resolve("nope.txt")).toList(s))
          .isInstanceOf(PipelineException.class)
          .hasMessageContaining("source")
          .cause()
          .isInstanceOf(NoSuchFileException.class);
    }
  }

  @Test
  void sources_nullArguments_throwAtTheCall() {
    assertThatThrownBy(() -> Pipeline.from((Stream<?>) null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.lines(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> Pipeline.lines(dir, null)).isInstanceOf(NullPointerException.class);
  }
}
