package dev.weft.store;

import static dev.weft.store.Fixtures.AWAIT;
import static dev.weft.store.Fixtures.assertCorrect;
import static dev.weft.store.Fixtures.id;
import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The remote cache's protocol and behaviour against real servers (nginx, and bazel-remote when present). */
@Timeout(60)
class RemoteCacheTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  static List<CacheServer.Kind> servers() {
    return CacheServer.Kind.available().toList();
  }

  private static RemoteCache.Builder client(URI base) {
    return RemoteCache.builder(base).requestTimeout(Duration.ofSeconds(10));
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_afterWriteAndClose_returnsTracesAndValuesInAnotherClient(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("roundTrip");
    MemoId small = id(ns, "small");
    MemoId large = id(ns, "large");
    try (RemoteCache writer = client(base).build()) {
      writer.write(List.of(trace(small, 1, 100), trace(large, 1, 200_000)), List.of());
    }
    try (RemoteCache reader = client(base).build()) {
      List<Trace> s = reader.traces(small);
      List<Trace> l = reader.traces(large);
      assertThat(s).hasSize(1);
      assertThat(l).hasSize(1);
      assertCorrect(s.getFirst(), small, false);
      assertCorrect(l.getFirst(), large, false);
      assertThat(s.getFirst().loadValue()).isEqualTo(trace(small, 1, 100).loadValue());
      assertThat(l.getFirst().loadValue()).isEqualTo(trace(large, 1, 200_000).loadValue());
      assertThat(reader.traces(id(ns, "absent"))).isEmpty();
      RemoteCache.Counters c = reader.counters();
      assertThat(c.lookups()).isEqualTo(3);
      assertThat(c.hits()).isEqualTo(2);
      assertThat(c.misses()).isEqualTo(1);
      assertThat(c.errors()).isZero();
      assertThat(c.valuesLoaded()).isEqualTo(2);
      assertThat(c.bytesRead()).isGreaterThan(200_000);
      assertThat(reader.stats().hits()).isEqualTo(2);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void write_severalTracesOfOneMemo_keepsNewestFirstBoundedWithoutDuplicates(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    MemoId id = id(namespace("order"), "k");
    try (RemoteCache writer = client(base).tracesPerEntry(3).build()) {
      for (int v : new int[] {1, 2, 3, 4, 2}) {
        writer.write(List.of(trace(id, v, 50)), List.of());
        assertThat(writer.awaitUploads(AWAIT)).isTrue();
      }
      assertThat(writer.counters().uploaded()).isEqualTo(5);
    }
    try (RemoteCache reader = client(base).build()) {
      List<Trace> traces = reader.traces(id);
      assertThat(traces).extracting(Fixtures::variant).containsExactly(2, 4, 3);
      traces.forEach(t -> assertCorrect(t, id, true));
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void tracesOfMany_issuesLookupsConcurrentlyWithinTheBound(CacheServer.Kind kind) throws Exception {
    CacheServer server = SERVERS.get(kind);
    String ns = namespace("getAll");
    List<MemoId> ids = IntStream.range(0, 24).mapToObj(i -> id(ns, "k" + i)).toList();
    try (RemoteCache writer = client(server.base()).build()) {
      writer.write(ids.stream().filter(i -> ids.indexOf(i) % 2 == 0).map(i -> trace(i, 7, 30)).toList(), List.of());
    }
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      // Every request waits until four are in flight at once: a client that looked up one key at a time would
      // never get past the first (and the test would time out).
      CountDownLatch four = new CountDownLatch(4);
      proxy.onRequest(r -> {
        four.countDown();
        try {
          four.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      // Without bundles: the first lookup of a namespace would read its bundle alone, before the others.
      try (RemoteCache reader = client(proxy.base(server.base())).concurrency(4).bundles(false).build()) {
        List<List<Trace>> all = reader.traces(ids);
        assertThat(all).hasSize(ids.size());
        for (int i = 0; i < ids.size(); i++) {
          if (i % 2 == 0) {
            assertThat(all.get(i)).hasSize(1);
            assertCorrect(all.get(i).getFirst(), ids.get(i), true);
          } else {
            assertThat(all.get(i)).isEmpty();
          }
        }
      }
      assertThat(four.getCount()).isZero();
      assertThat(proxy.maxInFlight.get()).isEqualTo(4);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void write_readOnly_sendsNothing(CacheServer.Kind kind) throws Exception {
    CacheServer server = SERVERS.get(kind);
    MemoId id = id(namespace("readOnly"), "k");
    try (FaultProxy proxy = new FaultProxy(server.port);
        RemoteCache cache = client(proxy.base(server.base())).readOnly(true).build()) {
      cache.write(List.of(trace(id, 1, 10), trace(id, 2, 5000)), List.of());
      assertThat(cache.traces(id)).isEmpty();
      cache.close();
      assertThat(proxy.count("PUT", "ac") + proxy.count("PUT", "cas")).isZero();
      assertThat(cache.counters().uploadsDropped()).isZero();
    }
  }

  @Test
  void write_queueFullWhileTheServerHangs_dropsCountsAndNeverBlocks() throws Exception {
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    String ns = namespace("queueFull");
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      proxy.rule(r -> FaultProxy.Fault.DELAY); // every request hangs until the proxy closes
      RemoteCache cache = client(proxy.base(server.base())).requestTimeout(Duration.ofSeconds(30))
          .concurrency(2).uploadQueue(2).drainTimeout(Duration.ofMillis(200)).build();
      List<Trace> traces = IntStream.range(0, 10).mapToObj(i -> trace(id(ns, "k" + i), 1, 10)).toList();
      cache.write(traces, List.of()); // returns although no upload can finish
      assertThat(cache.counters().uploadsDropped()).isGreaterThanOrEqualTo(7);
      cache.close(); // gives up after the drain timeout, cancelling the hanging upload
      RemoteCache.Counters c = cache.counters();
      assertThat(c.uploaded()).isZero();
      assertThat(c.uploadsDropped()).isEqualTo(10);
    }
  }

  @ParameterizedTest
  @MethodSource("servers")
  void close_withQueuedUploads_drainsThemFirst(CacheServer.Kind kind) {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("drain");
    List<MemoId> ids = IntStream.range(0, 60).mapToObj(i -> id(ns, "k" + i)).toList();
    try (RemoteCache writer = client(base).build()) {
      writer.write(ids.stream().map(i -> trace(i, 3, i.hashCode() % 2 == 0 ? 40 : 3000)).toList(), List.of());
    }
    try (RemoteCache reader = client(base).build()) {
      List<List<Trace>> all = reader.traces(ids);
      for (int i = 0; i < ids.size(); i++) {
        assertThat(all.get(i)).hasSize(1);
        assertCorrect(all.get(i).getFirst(), ids.get(i), true);
      }
      assertThat(reader.counters().valuesLoaded()).isEqualTo(ids.size());
    }
  }

  @Test
  void close_twice_isIdempotentAndAClosedCacheFindsNothing() {
    URI base = SERVERS.get(CacheServer.Kind.NGINX).base();
    MemoId id = id(namespace("closed"), "k");
    RemoteCache cache = client(base).build();
    cache.write(List.of(trace(id, 1, 10)), List.of());
    cache.close();
    cache.close();
    assertThat(cache.traces(id)).isEmpty();
    cache.write(List.of(trace(id, 2, 10)), List.of());
    assertThat(cache.counters().uploaded()).isEqualTo(1);
    assertThat(cache.counters().uploadsDropped()).isEqualTo(1);
  }

  @Test
  void builder_badArguments_areRefused() {
    assertThatThrownBy(() -> RemoteCache.builder(URI.create("ftp://host/x"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCache.builder(URI.create("cache/x"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCache.builder(URI.create("http://h/")).hmacKey(new byte[8]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCache.builder(URI.create("http://h/")).concurrency(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RemoteCache.builder(URI.create("http://h/")).requestTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    try (RemoteCache c = RemoteCache.http(URI.create("http://cache.invalid:8080/weft"))) {
      assertThat(c.toString()).isEqualTo("RemoteCache[http://cache.invalid:8080/weft/]");
    }
  }

  @Test
  void traces_noServerListening_isEmptyAndCounted() {
    int port = CacheServer.freePort(); // nothing listens there
    try (RemoteCache cache = client(URI.create("http://127.0.0.1:" + port + "/cache/"))
        .circuitBreaker(2, Duration.ofMinutes(1)).bundles(false).build()) { // one request per lookup
      List<Boolean> empty = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        empty.add(cache.traces(id("absent", "k" + i)).isEmpty());
      }
      assertThat(empty).containsOnly(true);
      RemoteCache.Counters c = cache.counters();
      assertThat(c.errors()).isEqualTo(2);
      assertThat(c.bypassed()).isEqualTo(3);
      assertThat(c.breakerOpenings()).isEqualTo(1);
      assertThat(c.misses()).isEqualTo(5);
    }
  }
}
