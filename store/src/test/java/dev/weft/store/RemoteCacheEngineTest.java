package dev.weft.store;

import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.rawPut;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.Codecs;
import dev.weft.query.MemoStore;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.WordsProgram.Result;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Query engines sharing memos through a real cache server (DESIGN.md section 9): engines in two JVMs, a
 * server killed while an engine runs, poisoned entries and blobs, and eight engines at once. Every result is
 * compared with a from-scratch evaluation by an engine without a store: values and diagnostics.
 */
@Timeout(120)
class RemoteCacheEngineTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  private static final byte[] KEY = "the engine test's shared key".getBytes(StandardCharsets.UTF_8);
  private static Scheduler scheduler;

  @TempDir Path dir;

  @BeforeAll
  static void startScheduler() {
    scheduler = Scheduler.parallel(2);
  }

  @AfterAll
  static void stopScheduler() {
    scheduler.close();
  }

  static List<CacheServer.Kind> servers() {
    return CacheServer.Kind.available().toList();
  }

  /** One run of the program on an engine over {@code store}; closes the engine (its last checkpoint). */
  private static Result run(WordsProgram p, String namespace, MemoStore store, Map<String, Integer> variants) {
    try (QueryEngine e = p.engine(scheduler, namespace, store)) {
      p.setSources(e, variants);
      return Result.of(p.evaluate(e));
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void secondEngine_firstRanInAnotherJvm_computesNothingAndMatchesFromScratch(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("two-jvms");
    String childResult;
    try (ChildJvm child = ChildJvm.startEngines(EngineChild.class, ns, dir.resolve("first").toString(),
        base.toString(), "-")) {
      childResult = child.await("RESULT ");
      assertThat(child.await("EXECUTIONS ")).isEqualTo("EXECUTIONS " + WordsProgram.memos());
      assertThat(child.await("DONE ")).isEqualTo("DONE " + WordsProgram.memos());
      assertThat(child.waitFor()).as(child.stderr()).isZero();
    }
    Result expected = WordsProgram.fromScratch(scheduler, Map.of());
    assertThat(childResult).isEqualTo("RESULT " + expected.digest());

    WordsProgram second = new WordsProgram();
    try (LocalStore local = LocalStore.open(dir.resolve("second")); RemoteCache remote = RemoteCache.http(base);
        MemoStore tiered = MemoStore.tiered(local, remote)) {
      try (QueryEngine e = second.engine(scheduler, ns, tiered)) {
        second.setSources(e, Map.of());
        assertThat(Result.of(second.evaluate(e))).isEqualTo(expected);
        assertThat(second.runs).as("bodies run by the second engine").isEmpty();
        assertThat(e.stats().tracesReused()).isEqualTo(WordsProgram.memos());
      }
      assertThat(remote.counters().hits()).isEqualTo(WordsProgram.memos());
      assertThat(remote.counters().errors()).isZero();
    }
    // What the second engine fetched from the server is now in its local store.
    WordsProgram third = new WordsProgram();
    try (LocalStore local = LocalStore.open(dir.resolve("second"))) {
      assertThat(run(third, ns, local, Map.of())).isEqualTo(expected);
      assertThat(third.runs).isEmpty();
    }
  }

  @Test
  void secondEngine_serverKilledMidRun_completesWithTheFromScratchResult() throws Exception {
    try (CacheServer server = CacheServer.Kind.NGINX.create().start()) {
      String ns = namespace("killed");
      try (ChildJvm child = ChildJvm.startEngines(EngineChild.class, ns, "-", server.base().toString(), "-")) {
        child.await("DONE ");
        assertThat(child.waitFor()).as(child.stderr()).isZero();
      }
      // Two files changed since: their words execute, and the first of them kills the server. What the
      // engine asks afterwards (at least the counts of those files, read after their summaries' traces
      // failed on words) meets a dead server.
      Map<String, Integer> edited = Map.of(WordsProgram.FILES.get(5), 1, WordsProgram.FILES.get(17), 2);
      WordsProgram p = new WordsProgram();
      AtomicBoolean killed = new AtomicBoolean();
      p.onWords = f -> {
        if (killed.compareAndSet(false, true)) {
          server.kill();
        }
      };
      RemoteCache remote = RemoteCache.builder(server.base()).requestTimeout(Duration.ofSeconds(2))
          .circuitBreaker(3, Duration.ofSeconds(30)).drainTimeout(Duration.ofSeconds(5)).build();
      Result got;
      try (LocalStore local = LocalStore.open(dir.resolve("local")); MemoStore store = MemoStore.tiered(local, remote)) {
        got = run(p, ns, store, edited);
      }
      assertThat(killed).isTrue();
      assertThat(got).isEqualTo(WordsProgram.fromScratch(scheduler, edited));
      assertThat(remote.counters().errors()).isPositive();
      assertThat(p.runs).containsKeys("words(" + WordsProgram.FILES.get(5) + ")",
          "counts(" + WordsProgram.FILES.get(5) + ")", "total(*)");
    }
  }

  @Test
  void secondEngine_traceWithAGetAll_looksItsKeysUpConcurrently() throws Exception {
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    String ns = namespace("concurrent-getAll");
    try (RemoteCache remote = RemoteCache.builder(server.base()).bundles(false).build()) {
      run(new WordsProgram(), ns, remote, Map.of());
    }
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      // After total's own lookup, every lookup waits until eight are in flight: total's getAll of summaries
      // asks for its keys together (the group's one store call, and helpers that start on carriers left idle
      // while lookups block), not one after the other.
      AtomicLong lookups = new AtomicLong();
      java.util.concurrent.CountDownLatch eight = new java.util.concurrent.CountDownLatch(8);
      proxy.onRequest(r -> {
        if (r.kind().equals("ac") && lookups.incrementAndGet() > 1) {
          eight.countDown();
          try {
            eight.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      });
      WordsProgram p = new WordsProgram();
      try (RemoteCache remote = RemoteCache.builder(proxy.base(server.base())).bundles(false).readOnly(true)
          .build()) {
        assertThat(run(p, ns, remote, Map.of())).isEqualTo(WordsProgram.fromScratch(scheduler, Map.of()));
        assertThat(remote.counters().hits()).isEqualTo(WordsProgram.memos());
      }
      assertThat(p.runs).isEmpty();
      assertThat(eight.getCount()).isZero();
      assertThat(proxy.maxInFlight.get()).isGreaterThanOrEqualTo(8);
    }
  }

  /**
   * A value reused only for its fingerprint is never decoded, so a tampered blob goes unread by the run; the
   * checkpoint's copies of the trace (the local store's, the bundle's) refuse it, and a later read of the
   * memo's value computes it.
   */
  @Test
  void secondEngine_casBlobTampered_unreadThenComputedWhenRead() throws Exception {
    URI base = SERVERS.get(CacheServer.Kind.NGINX).base();
    String ns = namespace("tampered");
    Result expected;
    try (RemoteCache remote = RemoteCache.builder(base).bundles(false).build()) { // values in the CAS only
      expected = run(new WordsProgram(), ns, remote, Map.of());
    }
    // The server now holds the bytes of words(F3) under their SHA-256; put the (well-formed) encoding of
    // another file's words there, as a server or an attacker with write access could.
    String victim = WordsProgram.FILES.get(3);
    byte[] real = Codecs.encode(Codecs.list(Codecs.STRING), words(victim));
    byte[] other = Codecs.encode(Codecs.list(Codecs.STRING), words(WordsProgram.FILES.get(4)));
    assertThat(real.length).as("a value the CAS holds").isGreaterThan(1024);
    URI blob = base.resolve("cas/" + HexFormat.of().formatHex(RemoteCache.sha256(real)));
    assertThat(Fixtures.rawGet(blob)).isEqualTo(real);
    assertThat(rawPut(blob, other)).isBetween(200, 299);

    WordsProgram p = new WordsProgram();
    try (LocalStore local = LocalStore.open(dir.resolve("local")); RemoteCache remote = RemoteCache.http(base);
        MemoStore store = MemoStore.tiered(local, remote)) {
      assertThat(run(p, ns, store, Map.of())).isEqualTo(expected);
      assertThat(p.runs).as("words(F3) verified its readers' traces by its fingerprint alone").isEmpty();
      assertThat(remote.counters().refused()).as("the local copy's and the bundle's loads").isPositive();

      // Reading the value itself: the blob is refused again and the body computes it.
      WordsProgram q = new WordsProgram();
      try (QueryEngine e = q.engine(scheduler, ns, store)) {
        q.setSources(e, Map.of());
        assertThat(e.get(q.words, victim)).isEqualTo(words(victim));
      }
      assertThat(q.runs.keySet()).containsExactly("words(" + victim + ")");
    }
  }

  @Test
  void engines_unsignedEntriesWithAKeyConfigured_areNeverUsed() {
    URI base = SERVERS.get(CacheServer.Kind.NGINX).base();
    String ns = namespace("poisoned");
    Result expected = WordsProgram.fromScratch(scheduler, Map.of());
    // A writer without the key, whose program gets one summary wrong, publishes every memo it computed.
    String wrongFile = WordsProgram.FILES.get(7);
    Result poisoned;
    try (RemoteCache keyless = RemoteCache.http(base)) {
      poisoned = run(new WordsProgram(wrongFile), ns, keyless, Map.of());
    }
    assertThat(poisoned).isNotEqualTo(expected);

    // Without a key every writer is trusted (docs/store.md, Trust model): the wrong value is taken.
    WordsProgram trusting = new WordsProgram();
    try (RemoteCache keyless = RemoteCache.builder(base).readOnly(true).build()) {
      assertThat(run(trusting, ns, keyless, Map.of())).isEqualTo(poisoned);
    }
    assertThat(trusting.runs).isEmpty();

    // With the key, the unsigned entries are ignored: the engine computes everything, correctly.
    WordsProgram keyed = new WordsProgram();
    try (RemoteCache signed = RemoteCache.builder(base).hmacKey(KEY).build()) {
      assertThat(run(keyed, ns, signed, Map.of())).isEqualTo(expected);
      assertThat(signed.counters().refused()).isPositive();
      assertThat(signed.counters().hits()).isZero();
    }
    assertThat(keyed.executions()).isEqualTo(WordsProgram.memos());

    // What the keyed engine published, signed, another keyed engine reuses.
    WordsProgram next = new WordsProgram();
    try (RemoteCache signed = RemoteCache.builder(base).hmacKey(KEY).build()) {
      assertThat(run(next, ns, signed, Map.of())).isEqualTo(expected);
    }
    assertThat(next.runs).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void eightEngines_sameMemosAtOnce_neverAWrongValue(CacheServer.Kind kind) throws Exception {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("eight");
    // Four states of the sources that share most files: engines race on the same memos with equal and with
    // different traces.
    List<Map<String, Integer>> states = List.of(Map.of(),
        Map.of(WordsProgram.FILES.get(1), 1, WordsProgram.FILES.get(2), 1),
        Map.of(WordsProgram.FILES.get(2), 2, WordsProgram.FILES.get(9), 1),
        Map.of(WordsProgram.FILES.get(1), 1, WordsProgram.FILES.get(20), 3));
    List<Result> expected = states.stream().map(v -> WordsProgram.fromScratch(scheduler, v)).toList();
    int engines = 8;
    int rounds = 4 * Integer.getInteger("weft.stressFactor", 1);
    CyclicBarrier start = new CyclicBarrier(engines);
    AtomicLong reused = new AtomicLong();
    List<RemoteCache> caches = new ArrayList<>();
    List<Future<?>> runs = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(engines)) {
      for (int c = 0; c < engines; c++) {
        RemoteCache cache = RemoteCache.builder(base).concurrency(4).tracesPerEntry(3).build();
        caches.add(cache);
        long seed = 7919L * c;
        runs.add(pool.submit(() -> {
          Random r = new Random(seed);
          for (int round = 0; round < rounds; round++) {
            start.await(60, TimeUnit.SECONDS);
            int s = r.nextInt(states.size());
            WordsProgram p = new WordsProgram();
            try (QueryEngine e = p.engine(scheduler, ns, cache)) { // a new engine: as a new process would
              p.setSources(e, states.get(s));
              assertThat(Result.of(p.evaluate(e))).as("state %d", s).isEqualTo(expected.get(s));
              reused.addAndGet(e.stats().tracesReused());
            }
          }
          return null;
        }));
      }
      for (Future<?> f : runs) {
        f.get(); // assertion failures surface here
      }
    } finally {
      caches.forEach(RemoteCache::close);
    }
    assertThat(caches.stream().mapToLong(c -> c.counters().errors()).sum()).isZero();
    assertThat(reused.get()).as("memos reused from the server").isPositive();
  }

  private static List<String> words(String file) {
    return List.of(WordsProgram.text(file, 0).trim().split("\\s+"));
  }
}
