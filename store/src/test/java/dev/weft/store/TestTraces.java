package dev.weft.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Deterministic traces for store tests: {@code trace(memo, version)} is a function of its two numbers, and its
 * value starts with them, so any trace read back from a store can be checked against a fresh computation.
 *
 * <p>Shapes follow a compiler's memos: keys of ~60 bytes, values from 50 bytes to 20 KB (log-uniform), 3 to 20
 * dependencies (sometimes a group), and now and then a diagnostic.
 */
final class TestTraces {
  static final String NAMESPACE = "test";
  private static final String[] QUERIES = {"parse", "declarations", "imports", "checkFile", "packageIndex",
      "packageDeps", "closure"};

  private TestTraces() {}

  static MemoId id(int memo) {
    return new MemoId(NAMESPACE, QUERIES[Math.floorMod(memo, QUERIES.length)], "", key(memo));
  }

  static byte[] key(int memo) {
    String path = "java.base/share/classes/java/util/concurrent/Memo" + memo + ".java";
    return path.getBytes(StandardCharsets.UTF_8);
  }

  static int valueSize(int memo, int version) {
    Random r = new Random(memo * 1_000_003L + version);
    return (int) Math.round(50 * Math.pow(400, r.nextDouble()));
  }

  static byte[] value(int memo, int version) {
    byte[] v = new byte[valueSize(memo, version)];
    new Random(memo * 31L + version * 1_000_033L).nextBytes(v);
    ByteBuffer.wrap(v).putInt(memo).putInt(version);
    return v;
  }

  static Trace trace(int memo, int version) {
    byte[] v = value(memo, version);
    Random r = new Random(memo * 7_919L + version);
    int n = 3 + r.nextInt(18);
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int dep = r.nextInt(100_000);
      Dep d = new Dep(QUERIES[dep % QUERIES.length], key(dep), fingerprint(dep, version % 3));
      if (r.nextInt(8) == 0) {
        steps.add(new Group(List.of(d, new Dep(d.query(), key(dep + 1), fingerprint(dep + 1, 0)))));
      } else {
        steps.add(d);
      }
      if (r.nextInt(25) == 0) {
        steps.add(new Report(("warning: unused import in memo " + memo).getBytes(StandardCharsets.UTF_8)));
      }
    }
    return new Trace(id(memo), Fingerprint.of(v), steps, v::clone);
  }

  static Fingerprint fingerprint(int dep, int version) {
    return new Fingerprint(dep * 0x9E3779B97F4A7C15L + version, dep);
  }

  /** The (memo, version) a value of {@link #value} was made from. */
  static int[] decode(byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    return new int[] {b.getInt(), b.getInt()};
  }

  /** Asserts that {@code t}, read from a store, is exactly {@code trace(memo, version)} and returns them. */
  static int[] check(Trace t) {
    byte[] v = t.loadValue();
    assertThat(v).as("value of %s", t).isNotNull();
    assertThat(Fingerprint.of(v)).isEqualTo(t.value());
    int[] mv = decode(v);
    Trace expected = trace(mv[0], mv[1]);
    assertThat(t.id()).isEqualTo(expected.id());
    assertThat(t.value()).isEqualTo(expected.value());
    assertThat(t.steps()).isEqualTo(expected.steps());
    assertThat(v).isEqualTo(expected.loadValue());
    return mv;
  }

  /** The memo a key of {@link #key} names. */
  static int memoOf(MemoId id) {
    String s = new String(id.key(), StandardCharsets.UTF_8);
    return Integer.parseInt(s.substring(s.lastIndexOf("Memo") + 4, s.length() - ".java".length()));
  }

  static byte[] copy(byte[] b) {
    return Arrays.copyOf(b, b.length);
  }
}
