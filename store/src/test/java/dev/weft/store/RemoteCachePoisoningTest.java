package dev.weft.store;

import static dev.weft.store.Fixtures.assertCorrect;
import static dev.weft.store.Fixtures.id;
import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.rawGet;
import static dev.weft.store.Fixtures.rawPut;
import static dev.weft.store.Fixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A writer without the key, or a server that hands out other bytes, cannot make a reader use a wrong trace
 * or value. Entries and blobs are planted with raw requests, as an attacker with write access would.
 */
@Timeout(60)
class RemoteCachePoisoningTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  private static final byte[] KEY = "a key shared by the team's machines".getBytes(StandardCharsets.UTF_8);
  private static final byte[] OTHER_KEY = "a key somebody else chose for them".getBytes(StandardCharsets.UTF_8);

  static List<CacheServer.Kind> servers() {
    return CacheServer.Kind.available().toList();
  }

  private static URI ac(URI base, MemoId id) {
    return base.resolve("ac/" + HexFormat.of().formatHex(id.digest()));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_sameKeyOnBothSides_roundTrips(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    MemoId id = id(namespace("signed"), "k");
    try (RemoteCache writer = RemoteCache.builder(base).hmacKey(KEY).build()) {
      writer.write(List.of(trace(id, 1, 100), trace(id, 2, 5000)), List.of());
    }
    try (RemoteCache reader = RemoteCache.builder(base).hmacKey(KEY).build()) {
      List<Trace> got = reader.traces(id);
      assertThat(got).hasSize(2);
      got.forEach(t -> assertCorrect(t, id, true));
      assertThat(got).allSatisfy(t -> assertThat(t.loadValue()).isNotNull());
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_entryWrittenWithoutTheKeyOrWithAnother_isIgnored(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("unsigned");
    MemoId unsigned = id(ns, "unsigned");
    MemoId otherKey = id(ns, "otherKey");
    // Entries only: RemoteCacheBundleTest forges bundles.
    try (RemoteCache keyless = RemoteCache.builder(base).bundles(false).build();
        RemoteCache stranger = RemoteCache.builder(base).hmacKey(OTHER_KEY).bundles(false).build()) {
      keyless.write(List.of(trace(unsigned, 1, 100)), List.of());
      stranger.write(List.of(trace(otherKey, 1, 100)), List.of());
    }
    try (RemoteCache reader = RemoteCache.builder(base).hmacKey(KEY).build()) {
      assertThat(reader.traces(unsigned)).isEmpty();
      assertThat(reader.traces(otherKey)).isEmpty();
      assertThat(reader.counters().refused()).isEqualTo(2);
      assertThat(reader.counters().misses()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_forgedEntryWithAWrongValue_isIgnoredWithTheKeyAndTrustedWithout(CacheServer.Kind kind)
      throws Exception {
    URI base = SERVERS.get(kind).base();
    MemoId id = id(namespace("forged"), "k");
    // A well-formed entry claiming that the memo's value is the attacker's bytes, consistent with its own
    // hashes: only a signature tells it from a real one.
    byte[] evil = "the attacker's value".getBytes(StandardCharsets.UTF_8);
    Trace real = trace(id, 1, 100);
    Trace forged = new Trace(id, Fingerprint.of(evil), real.steps(), () -> evil);
    AcEntry.Item item = new AcEntry.Item(forged, AcEntry.encodeTrace(forged), AcEntry.INLINE,
        RemoteCache.sha256(evil), evil.length, evil);
    byte[] entry = AcEntry.encode(id.digest(), List.of(item), null, 1 << 20);
    assertThat(rawPut(ac(base, id), entry)).isBetween(200, 299);
    try (RemoteCache keyed = RemoteCache.builder(base).hmacKey(KEY).build()) {
      assertThat(keyed.traces(id)).isEmpty();
      assertThat(keyed.counters().refused()).isEqualTo(1);
    }
    try (RemoteCache keyless = RemoteCache.http(base)) {
      // The documented trust model: without a key, every writer of the server is trusted.
      assertThat(keyless.traces(id)).singleElement().satisfies(t -> assertThat(t.loadValue()).isEqualTo(evil));
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_signedEntryCopiedToAnotherMemo_isIgnored(CacheServer.Kind kind) throws Exception {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("replay");
    MemoId source = id(ns, "source");
    MemoId target = id(ns, "target");
    try (RemoteCache writer = RemoteCache.builder(base).hmacKey(KEY).build()) {
      writer.write(List.of(trace(source, 1, 100)), List.of());
    }
    byte[] entry = rawGet(ac(base, source));
    assertThat(entry).isNotNull();
    assertThat(rawPut(ac(base, target), entry)).isBetween(200, 299);
    for (byte[] key : new byte[][] {KEY, null}) {
      RemoteCache.Builder b = RemoteCache.builder(base);
      if (key != null) {
        b.hmacKey(key);
      }
      try (RemoteCache reader = b.build()) {
        assertThat(reader.traces(target)).isEmpty();
        assertThat(reader.traces(source)).hasSize(1);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void loadValue_blobReplacedWithOtherBytes_returnsNull(CacheServer.Kind kind) throws Exception {
    URI base = SERVERS.get(kind).base();
    MemoId id = id(namespace("blob"), "k");
    Trace t = trace(id, 1, 30_000);
    try (RemoteCache writer = RemoteCache.builder(base).hmacKey(KEY).bundles(false).build()) { // the CAS path
      writer.write(List.of(t), List.of());
    }
    URI blob = base.resolve("cas/" + HexFormat.of().formatHex(RemoteCache.sha256(t.loadValue())));
    byte[] other = trace(id, 2, 30_000).loadValue();
    int status = rawPut(blob, other); // nginx stores anything; bazel-remote refuses a mismatched blob
    try (RemoteCache reader = RemoteCache.builder(base).hmacKey(KEY).build()) {
      List<Trace> got = reader.traces(id);
      assertThat(got).hasSize(1);
      assertCorrect(got.getFirst(), id, false);
      byte[] v = got.getFirst().loadValue();
      if (status / 100 == 2) {
        assertThat(v).isNull();
        assertThat(reader.counters().refused()).isEqualTo(1);
      } else {
        assertThat(v).isEqualTo(t.loadValue());
      }
    }
  }
}
