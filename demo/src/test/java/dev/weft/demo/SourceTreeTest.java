package dev.weft.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SourceTreeTest {
  @TempDir
  Path dir;

  @Test
  void load_missingPath_badInput() {
    assertThatThrownBy(() -> SourceTree.load(dir.resolve("nope"), null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no such file or directory");
  }

  @Test
  void load_directoryWithoutJavaFiles_badInput() throws IOException {
    Files.writeString(dir.resolve("README.txt"), "not java");

    assertThatThrownBy(() -> SourceTree.load(dir, null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no .java files");
  }

  @Test
  void load_plainFileThatIsNoZip_badInput() throws IOException {
    Path file = Files.writeString(dir.resolve("x.zip"), "not a zip");

    assertThatThrownBy(() -> SourceTree.load(file, null))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("not a directory or a zip file");
  }

  @Test
  void load_invalidUtf8_keptAsUnreadable() throws Exception {
    Files.createDirectories(dir.resolve("p"));
    Files.writeString(dir.resolve("p/Ok.java"), "package p; class Ok {}");
    Files.write(dir.resolve("p/Bad.java"), new byte[] {'c', 'l', (byte) 0xC3, (byte) 0x28});

    SourceTree tree = SourceTree.load(dir, null);

    assertThat(tree.files()).containsExactly("p/Bad.java", "p/Ok.java");
    assertThat(tree.sources().get("p/Bad.java").readError()).isEqualTo("not valid UTF-8");
    assertThat(tree.sources().get("p/Ok.java").text()).contains("class Ok");
    assertThat(tree.unreadable()).isEqualTo(1);
  }

  @Test
  void load_zipWithModules_filtersByFirstSegment() throws Exception {
    Path zip = dir.resolve("src.zip");
    try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
      put(out, "m1/p/A.java", "package p; class A {}");
      put(out, "m2/q/B.java", "package q; class B {}");
      put(out, "m2/q/notes.txt", "ignored");
    }

    assertThat(SourceTree.load(zip, null).files()).containsExactly("m1/p/A.java", "m2/q/B.java");
    SourceTree m2 = SourceTree.load(zip, Set.of("m2"));
    assertThat(m2.files()).containsExactly("m2/q/B.java");
    assertThat(m2.modules()).containsExactly("m2");
    assertThatThrownBy(() -> SourceTree.load(zip, Set.of("m3")))
        .isInstanceOf(BadInputException.class)
        .hasMessageContaining("no module m3")
        .hasMessageContaining("m1, m2");
  }

  private static void put(ZipOutputStream out, String name, String text) throws IOException {
    out.putNextEntry(new ZipEntry(name));
    OutputStream o = out;
    o.write(text.getBytes(StandardCharsets.UTF_8));
    out.closeEntry();
  }
}
