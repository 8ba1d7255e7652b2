package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.MemoId;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How a {@link MemoId} reads in messages and logs. */
class MemoIdTest {
  @Test
  void toString_shortParts_shownWhole() {
    MemoId id = new MemoId("ns", "parse", "3", "k".getBytes(StandardCharsets.UTF_8));
    assertThat(id).hasToString("ns:parse@3(6b)");
  }

  @Test
  void toString_longNameAndKey_cutSoThatALogLineStaysALine() {
    String name = "é".repeat(40_000);
    MemoId id = new MemoId("ns", name, "", new byte[100]);
    String shown = id.toString();
    assertThat(shown).hasSize(3 + Shown.MAX + 1 + 64 + 2)
        .startsWith("ns:" + "é".repeat(Shown.MAX - 1) + "…(")
        .endsWith("0".repeat(64) + "…)");
    assertThat(id.query()).isEqualTo(name); // the id itself keeps the whole name
  }

  @Test
  void toString_cutAtASurrogatePair_keepsThePairWhole() {
    String name = "a".repeat(Shown.MAX - 2) + "\uD83D\uDE00" + "b".repeat(10);
    String shown = new MemoId("ns", name, "", new byte[0]).toString();
    assertThat(shown).isEqualTo("ns:" + "a".repeat(Shown.MAX - 2) + "…()");
  }
}
