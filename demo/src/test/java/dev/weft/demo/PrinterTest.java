package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.Diagnostic;
import dev.weft.query.Diagnostic.Location;
import org.junit.jupiter.api.Test;

class PrinterTest {
  @Test
  void render_locatedWithCode_asACompilerPrintsIt() {
    Diagnostic d = Diagnostic.warning("import java.util.List is never used").at(Location.of("A.java", 3, 1))
        .withCode("unused-import");
    assertThat(Printer.render(d)).isEqualTo("A.java:3:1: warning[unused-import]: import java.util.List is never used");
    assertThat(Printer.lines(d)).containsExactly(Printer.render(d));
  }

  @Test
  void render_partialLocationsAndNoCode_omitWhatIsUnknown() {
    assertThat(Printer.render(Diagnostic.error("cannot read: denied").at(Location.of("B.java")).withCode("read-error")))
        .isEqualTo("B.java: error[read-error]: cannot read: denied");
    assertThat(Printer.render(Diagnostic.info("on line 7").at(Location.span("C.java", 7, 0, 9, 0))))
        .isEqualTo("C.java:7: info: on line 7");
    assertThat(Printer.render(Diagnostic.error("no place"))).isEqualTo("error: no place");
  }

  @Test
  void lines_notes_indentedEachOnItsOwnLine() {
    Diagnostic d = Diagnostic.warning("import a.A repeats line 3").at(Location.of("D.java", 4, 1))
        .withCode("duplicate-import")
        .withNote(Diagnostic.info("first imported here").at(Location.of("D.java", 3, 1)))
        .withNote("imports are never needed twice");
    assertThat(Printer.lines(d)).containsExactly(
        "D.java:4:1: warning[duplicate-import]: import a.A repeats line 3",
        "  D.java:3:1: note: first imported here",
        "  note: imports are never needed twice");
  }
}
