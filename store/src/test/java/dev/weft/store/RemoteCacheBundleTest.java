package dev.weft.store;

import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.rawGet;
import static dev.weft.store.Fixtures.rawPut;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.FaultProxy.Fault;
import dev.weft.store.WordsProgram.Result;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bundles against a real nginx: one checkpoint's traces in one blob, read by a second engine in two requests;
 * a broken, forged, oversized or failing bundle is ignored and the memos' own entries serve instead; with
 * bundles off, the cache behaves as without them. Every result is compared with a from-scratch evaluation.
 */
@Timeout(60)
class RemoteCacheBundleTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  private static final byte[] KEY = "the bundle test's shared key".getBytes(StandardCharsets.UTF_8);
  private static final HexFormat HEX = HexFormat.of();
  private static Scheduler scheduler;
  private static Result expected;

  @TempDir Path dir;
  private final AtomicInteger machines = new AtomicInteger();

  @BeforeAll
  static void start() {
    scheduler = Scheduler.parallel(2);
    expected = WordsProgram.fromScratch(scheduler, Map.of());
  }

  @AfterAll
  static void stop() {
    scheduler.close();
  }

  private static URI base() {
    return SERVERS.get(CacheServer.Kind.NGINX).base();
  }

  private static Result run(WordsProgram p, String ns, MemoStore store) {
    try (QueryEngine e = p.engine(scheduler, ns, store)) {
      p.setSources(e, Map.of());
      return Result.of(p.evaluate(e));
    }
  }

  /** A first machine publishes the program's memos (entries and a bundle) under {@code ns}. */
  private static void publish(String ns, RemoteCache.Builder b) {
    try (RemoteCache r = b.build()) {
      assertThat(run(new WordsProgram(), ns, r)).isEqualTo(expected);
    }
  }

  private static String pointerPath(String ns) {
    return "ac/" + HEX.formatHex(Bundle.address(ns));
  }

  private static Bundle.Pointer pointer(String ns) throws Exception {
    byte[] body = rawGet(base().resolve(pointerPath(ns)));
    assertThat(body).as("the bundle pointer of " + ns).isNotNull();
    return Bundle.decodePointer(body, Bundle.address(ns), null);
  }

  /** A second machine: an empty local store in front of {@code remote}; checks it computed nothing. */
  private Result second(String ns, RemoteCache remote) {
    WordsProgram p = new WordsProgram();
    Result got;
    try (LocalStore local = LocalStore.open(dir.resolve("local-" + ns + "-" + machines.incrementAndGet()));
         MemoStore tiered = MemoStore.tiered(local, remote)) {
      got = run(p, ns, tiered);
    }
    assertThat(p.runs).as("bodies run by the second machine").isEmpty();
    return got;
  }

  @Test
  void secondEngine_bundlePublished_computesNothingWithTwoRequests() throws Exception {
    String ns = namespace("bundle");
    RemoteCache.Builder writer = RemoteCache.builder(base());
    RemoteCache first = writer.build();
    try (first) {
      assertThat(run(new WordsProgram(), ns, first)).isEqualTo(expected);
    }
    assertThat(first.counters().bundlesUploaded()).isEqualTo(1);
    assertThat(pointer(ns).traces()).isEqualTo(WordsProgram.memos());

    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      RemoteCache remote = RemoteCache.http(proxy.base(base()));
      assertThat(second(ns, remote)).isEqualTo(expected);
      RemoteCache.Counters c = remote.counters();
      assertThat(c.bundlesLoaded()).isEqualTo(1);
      assertThat(c.bundleHits()).isEqualTo(WordsProgram.memos());
      assertThat(c.hits()).isEqualTo(WordsProgram.memos());
      assertThat(c.errors()).isZero();
      // The pointer and the blob; closing sends nothing: the checkpoint's bundle is the one just read.
      assertThat(proxy.requests).hasValue(2);
      assertThat(proxy.count("GET", "ac")).isEqualTo(1);
      assertThat(proxy.count("GET", "cas")).isEqualTo(1);
      assertThat(c.bundlesUploaded()).isZero();
    }
  }

  /** Where a fault hits: the pointer or the blob. */
  enum Target { POINTER, BLOB }

  static Stream<Arguments> faults() {
    return Stream.of(
        Arguments.of(Target.POINTER, Fault.SERVER_ERROR), Arguments.of(Target.POINTER, Fault.WRONG_BYTES),
        Arguments.of(Target.POINTER, Fault.CORRUPT), Arguments.of(Target.POINTER, Fault.TRUNCATE),
        Arguments.of(Target.POINTER, Fault.DELAY), Arguments.of(Target.BLOB, Fault.CORRUPT),
        Arguments.of(Target.BLOB, Fault.TRUNCATE), Arguments.of(Target.BLOB, Fault.SERVER_ERROR),
        Arguments.of(Target.BLOB, Fault.NOT_FOUND), Arguments.of(Target.BLOB, Fault.OVERSIZED),
        Arguments.of(Target.BLOB, Fault.DELAY));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("faults")
  void secondEngine_bundleBroken_fallsBackToEntriesAndComputesNothing(Target target, Fault fault) throws Exception {
    String ns = namespace("broken-" + target + "-" + fault);
    publish(ns, RemoteCache.builder(base()));
    String blobPath = "cas/" + HEX.formatHex(pointer(ns).sha256());
    String path = target == Target.POINTER ? pointerPath(ns) : blobPath;
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      proxy.rule(r -> r.method().equals("GET") && r.path().endsWith(path) ? fault : Fault.NONE);
      Duration deadline = fault == Fault.DELAY ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
      RemoteCache remote = RemoteCache.builder(proxy.base(base())).requestTimeout(deadline).build();
      assertThat(second(ns, remote)).isEqualTo(expected);
      RemoteCache.Counters c = remote.counters();
      assertThat(c.bundleHits()).isZero();
      assertThat(c.bundlesLoaded()).isZero();
      assertThat(c.hits()).as("served by the memos' entries").isEqualTo(WordsProgram.memos());
      assertThat(c.errors()).isPositive();
      assertThat(proxy.count("GET", target == Target.POINTER ? "ac" : "cas"))
          .as("the bundle is asked for once").isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void secondEngine_forgedPointerWithAKeyConfigured_isIgnored() throws Exception {
    String ns = namespace("forged");
    // A writer without the key, whose program gets one summary wrong, publishes an unsigned bundle.
    try (RemoteCache keyless = RemoteCache.http(base())) {
      assertThat(run(new WordsProgram(WordsProgram.FILES.get(7)), ns, keyless)).isNotEqualTo(expected);
    }
    byte[] unsigned = rawGet(base().resolve(pointerPath(ns)));
    Bundle.Pointer poisoned = Bundle.decodePointer(unsigned, Bundle.address(ns), null);
    // The key holders publish, signed; then the pointer is replaced: unsigned, then signed with another key.
    publish(ns, RemoteCache.builder(base()).hmacKey(KEY));
    byte[] otherKey = "a key that is not the shared one".getBytes(StandardCharsets.UTF_8);
    for (byte[] forged : List.of(unsigned, Bundle.encodePointer(Bundle.address(ns), poisoned, otherKey))) {
      assertThat(rawPut(base().resolve(pointerPath(ns)), forged)).isBetween(200, 299);
      RemoteCache remote = RemoteCache.builder(base()).hmacKey(KEY).readOnly(true).build();
      assertThat(second(ns, remote)).isEqualTo(expected);
      assertThat(remote.counters().bundleHits()).isZero();
      assertThat(remote.counters().refused()).isEqualTo(1);
    }
    // Without a key every writer is trusted (docs/store.md, Trust model): the forged bundle is taken.
    try (RemoteCache trusting = RemoteCache.builder(base()).readOnly(true).build()) {
      WordsProgram p = new WordsProgram();
      assertThat(run(p, ns, trusting)).isNotEqualTo(expected);
      assertThat(trusting.counters().bundleHits()).isEqualTo(WordsProgram.memos());
    }
  }

  @Test
  void secondEngine_bundleOverTheCap_isIgnoredUnreadAndWriterKeepsWhatFits() throws Exception {
    String ns = namespace("oversized");
    publish(ns, RemoteCache.builder(base()));
    int size = pointer(ns).size();
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    String blobPath = "cas/" + HEX.formatHex(pointer(ns).sha256());
    AtomicInteger blobGets = new AtomicInteger();
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      proxy.onRequest(r -> {
        if (r.path().endsWith(blobPath)) {
          blobGets.incrementAndGet();
        }
      });
      RemoteCache remote = RemoteCache.builder(proxy.base(base())).maxBundleBytes(size - 1).readOnly(true).build();
      assertThat(second(ns, remote)).isEqualTo(expected);
      assertThat(remote.counters().refused()).isEqualTo(1);
      assertThat(remote.counters().bundleHits()).isZero();
      assertThat(blobGets).as("the blob is never fetched").hasValue(0);
    }
    // A writer whose cap holds about half of the traces publishes those; the rest come from their entries.
    String half = namespace("half");
    publish(half, RemoteCache.builder(base()).maxBundleBytes(size / 2));
    Bundle.Pointer p = pointer(half);
    assertThat(p.traces()).isBetween(1, WordsProgram.memos() - 1);
    RemoteCache remote = RemoteCache.http(base());
    assertThat(second(half, remote)).isEqualTo(expected);
    assertThat(remote.counters().bundleHits()).isEqualTo(p.traces());
    assertThat(remote.counters().hits()).isEqualTo(WordsProgram.memos());
  }

  @Test
  void engines_bundlesOff_publishNoneAndLookUpEveryMemo() throws Exception {
    String ns = namespace("off");
    publish(ns, RemoteCache.builder(base()).bundles(false));
    assertThat(rawGet(base().resolve(pointerPath(ns)))).isNull();
    publish(namespace("on"), RemoteCache.builder(base())); // another namespace's bundle is not this one's
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      RemoteCache remote = RemoteCache.builder(proxy.base(base())).bundles(false).build();
      assertThat(second(ns, remote)).isEqualTo(expected);
      assertThat(remote.counters().bundleHits()).isZero();
      assertThat(proxy.count("GET", "ac")).isEqualTo(WordsProgram.memos());
      assertThat(proxy.count("PUT", "ac")).as("nothing new to publish, and no bundle").isZero();
    }
  }

  @Test
  void lookups_concurrentFirstOfANamespace_downloadTheBundleOnce() throws Exception {
    String ns = namespace("concurrent");
    publish(ns, RemoteCache.builder(base()));
    List<MemoId> ids = new ArrayList<>();
    for (String f : WordsProgram.FILES.subList(0, 8)) {
      ids.add(new MemoId(ns, "words", "1", dev.weft.query.Codecs.encode(dev.weft.query.Codecs.STRING, f)));
    }
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    try (FaultProxy proxy = new FaultProxy(server.port);
         RemoteCache remote = RemoteCache.builder(proxy.base(base())).readOnly(true).build();
         ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      CyclicBarrier start = new CyclicBarrier(ids.size());
      List<Future<List<Trace>>> found = new ArrayList<>();
      for (MemoId id : ids) {
        found.add(threads.submit(() -> {
          start.await(10, TimeUnit.SECONDS);
          return remote.traces(id);
        }));
      }
      for (int i = 0; i < ids.size(); i++) {
        Trace t = found.get(i).get(20, TimeUnit.SECONDS).iterator().next(); // the size would ask the entry too
        assertThat(t.id()).isEqualTo(ids.get(i));
        assertThat(t.loadValue()).isNotNull();
      }
      assertThat(proxy.requests).as("the pointer and the blob, once").hasValue(2);
      assertThat(remote.counters().bundleHits()).isEqualTo(ids.size());
    }
  }
}
