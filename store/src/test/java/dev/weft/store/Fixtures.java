package dev.weft.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Traces whose value is a function of their memo and variant, so that any trace read back can be checked:
 * the variant is written into the trace's first dependency.
 */
final class Fixtures {
  private static final AtomicLong NAMESPACES = new AtomicLong(System.nanoTime());
  static final Duration AWAIT = Duration.ofSeconds(20);

  private Fixtures() {}

  /** A namespace no other test uses, so that tests sharing a server do not see each other's entries. */
  static String namespace(String test) {
    return test + "-" + Long.toHexString(NAMESPACES.incrementAndGet());
  }

  static MemoId id(String namespace, String key) {
    return new MemoId(namespace, "check", "2", key.getBytes(StandardCharsets.UTF_8));
  }

  /** The value of {@code id}'s trace of {@code variant}; {@code size} bytes (values over 1 KiB go to the CAS). */
  static byte[] value(MemoId id, int variant, int size) {
    byte[] b = new byte[size];
    Random r = new Random(id.hashCode() * 31L + variant);
    r.nextBytes(b);
    byte[] tag = (id + "#" + variant).getBytes(StandardCharsets.UTF_8);
    System.arraycopy(tag, 0, b, 0, Math.min(tag.length, size));
    return b;
  }

  static Trace trace(MemoId id, int variant, int size) {
    byte[] value = value(id, variant, size);
    List<Step> steps = new ArrayList<>();
    steps.add(dep("variant", Integer.toString(variant)));
    steps.add(new Report(("warning: variant " + variant).getBytes(StandardCharsets.UTF_8)));
    steps.add(new Group(List.of(dep("source", "A.java"), dep("source", "B.java"))));
    steps.add(new Report(("size " + size).getBytes(StandardCharsets.UTF_8)));
    return new Trace(id, Fingerprint.of(value), steps, () -> value);
  }

  static Dep dep(String query, String key) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return new Dep(query, k, Fingerprint.of(k));
  }

  static int variant(Trace t) {
    return Integer.parseInt(new String(((Dep) t.steps().getFirst()).key(), StandardCharsets.UTF_8));
  }

  static int size(Trace t) {
    Report r = (Report) t.steps().getLast();
    return Integer.parseInt(new String(r.diagnostic(), StandardCharsets.UTF_8).substring("size ".length()));
  }

  /** Checks that {@code t} is a trace {@link #trace} made for its memo; loads its value unless told not to. */
  static void assertCorrect(Trace t, MemoId id, boolean load) {
    assertThat(t.id()).isEqualTo(id);
    Trace expected = trace(id, variant(t), size(t));
    assertThat(t.digest()).isEqualTo(expected.digest());
    assertThat(t.steps()).isEqualTo(expected.steps());
    if (load) {
      byte[] v = t.loadValue();
      if (v != null) {
        assertThat(v).isEqualTo(expected.loadValue());
      }
    }
  }

  /** A raw request to a server, bypassing RemoteCache: for planting entries and blobs. */
  static int rawPut(URI uri, byte[] body) throws Exception {
    try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      return c.send(HttpRequest.newBuilder(uri).PUT(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    }
  }

  static byte[] rawGet(URI uri) throws Exception {
    try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpResponse<byte[]> r = c.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return r.statusCode() == 200 ? r.body() : null;
    }
  }
}
