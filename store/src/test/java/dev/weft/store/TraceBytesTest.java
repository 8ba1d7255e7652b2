package dev.weft.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link TraceBytes} writes and reads exactly what {@link TraceFormat} does. */
@Timeout(60)
class TraceBytesTest {
  /** Names as a store sees them, and strings whose modified UTF-8 is not their chars. */
  private static final String[] NAMES = {"parse", "checkFile", "", "v3", "weft-demo", "ünïcödé", "nul\0char",
      "emoji \uD83D\uDE00", "\u007F", "lone \uD800 surrogate", "x".repeat(300)};

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void write_randomTraces_sameBytesAsTraceFormat(long seed) throws IOException {
    Random r = new Random(seed);
    TraceBytes.Names names = new TraceBytes.Names();
    for (int i = 0; i < 200; i++) {
      Trace t = randomTrace(r);
      byte[] expected = traceFormat(t);
      StoreFormat.Buf out = new StoreFormat.Buf(16);
      int pad = r.nextInt(5);
      for (int p = 0; p < pad; p++) {
        out.put((byte) 0x55); // the encoding starts anywhere in a buffer
      }
      TraceBytes.write(t, out);
      byte[] actual = Arrays.copyOfRange(out.array(), pad, out.size());
      assertThat(actual).isEqualTo(expected);

      Trace back = new TraceBytes.Reader(out.array(), pad, actual.length, names).trace(actual.length, () -> null,
          null);
      Trace reference = TraceFormat.read(new DataInputStream(new java.io.ByteArrayInputStream(expected)),
          expected.length, () -> null);
      assertThat(back.id()).isEqualTo(t.id()).isEqualTo(reference.id());
      assertThat(back.value()).isEqualTo(t.value());
      assertThat(back.steps()).isEqualTo(t.steps()).isEqualTo(reference.steps());
      assertThat(back.digest()).isEqualTo(t.digest());
    }
  }

  @Test
  void read_cutShort_throwsAtEveryLength() throws IOException {
    Trace t = randomTrace(new Random(11));
    byte[] b = traceFormat(t);
    for (int n = 0; n < b.length; n++) {
      int len = n;
      assertThatThrownBy(() -> new TraceBytes.Reader(b, 0, len, new TraceBytes.Names()).trace(b.length,
          () -> null, null)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void read_lengthBeyondLimit_throws() throws IOException {
    Trace t = new Trace(new MemoId("n", "q", "", new byte[100]), new Fingerprint(1, 2), List.of(), () -> null);
    byte[] b = traceFormat(t);
    assertThatThrownBy(() -> new TraceBytes.Reader(b, 0, b.length, new TraceBytes.Names()).trace(50,
        () -> null, null)).isInstanceOf(IOException.class).hasMessageContaining("outside 0..50");
  }

  @Test
  void write_stringOverModifiedUtf8Limit_throwsAsTraceFormat() {
    Trace t = new Trace(new MemoId("n", "é".repeat(40_000), "", new byte[1]), new Fingerprint(1, 2), List.of(),
        () -> null);
    assertThatThrownBy(() -> traceFormat(t)).isInstanceOf(UTFDataFormatException.class);
    assertThatThrownBy(() -> TraceBytes.write(t, new StoreFormat.Buf(16)))
        .isInstanceOf(UTFDataFormatException.class);
  }

  @Test
  void names_sameBytes_sameString() throws IOException {
    TraceBytes.Names names = new TraceBytes.Names();
    Trace t = randomTrace(new Random(5));
    byte[] b = traceFormat(t);
    MemoId a = new TraceBytes.Reader(b, 0, b.length, names).id(b.length);
    MemoId c = new TraceBytes.Reader(b, 0, b.length, names).id(b.length);
    assertThat(c.query()).isSameAs(a.query());
    assertThat(c.namespace()).isSameAs(a.namespace());
  }

  private static byte[] traceFormat(Trace t) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TraceFormat.write(t, new DataOutputStream(out));
    return out.toByteArray();
  }

  private static Trace randomTrace(Random r) {
    List<Step> steps = new ArrayList<>();
    int n = r.nextInt(12);
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(3)) {
        case 0 -> steps.add(dep(r));
        case 1 -> {
          List<Dep> g = new ArrayList<>();
          for (int j = r.nextInt(4); j >= 0; j--) {
            g.add(dep(r));
          }
          steps.add(new Group(g));
        }
        default -> steps.add(new Report(bytes(r, r.nextInt(80))));
      }
    }
    MemoId id = new MemoId(name(r), name(r), name(r), bytes(r, r.nextInt(70)));
    return new Trace(id, new Fingerprint(r.nextLong(), r.nextLong()), steps, () -> null);
  }

  private static Dep dep(Random r) {
    return new Dep(name(r), bytes(r, r.nextInt(70)), new Fingerprint(r.nextLong(), r.nextLong()));
  }

  private static String name(Random r) {
    return NAMES[r.nextInt(NAMES.length)];
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
