package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ProgressTest {

  @Test
  void lines_allFilesDone_oneLinePerTenthThenComplete() {
    StringWriter out = new StringWriter();
    try (Progress p = Progress.lines(20, new PrintWriter(out))) {
      for (int i = 0; i < 20; i++) {
        p.run();
      }
    }

    assertThat(out.toString().lines()).hasSize(10)
        .startsWith("parsed 2 of 20 files (10%)")
        .endsWith("parsed 20 of 20 files (100%)");
  }

  @Test
  void lines_fewerFilesThanTenths_noRepeatedCounts() {
    StringWriter out = new StringWriter();
    try (Progress p = Progress.lines(3, new PrintWriter(out))) {
      p.run();
      p.run();
      p.run();
    }

    assertThat(out.toString().lines()).containsExactly(
        "parsed 1 of 3 files (33%)", "parsed 2 of 3 files (66%)", "parsed 3 of 3 files (100%)");
  }

  @Test
  void bar_allFilesDone_drawsTaskAndCount() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (Progress p = Progress.bar("parse", 5, new PrintStream(bytes, true, StandardCharsets.UTF_8))) {
      for (int i = 0; i < 5; i++) {
        p.run();
      }
      assertThat(p.done()).isEqualTo(5);
    }

    assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("parse").contains("5/5");
  }
}
