package dev.weft.store;

import static dev.weft.store.Fixtures.AWAIT;
import static dev.weft.store.Fixtures.assertCorrect;
import static dev.weft.store.Fixtures.id;
import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import dev.weft.store.FaultProxy.Fault;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A slow, failing, broken or vanishing server: through {@link FaultProxy}, each fault on each kind of request
 * leaves every operation completing within its deadline with empty or correct results, never a wrong value.
 */
@Timeout(60)
class RemoteCacheFaultTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  /**
   * The deadline of a client facing a fault that hangs (every such request costs this long): short enough to
   * keep the matrix quick, long enough for a loaded machine's loopback. Other faults get a generous one, so
   * that the requests they do not touch cannot miss it.
   */
  private static final Duration HANG_DEADLINE = Duration.ofSeconds(1);
  private static final Duration DEADLINE = Duration.ofSeconds(10);

  enum Op {
    GET_AC("GET", "ac"), GET_CAS("GET", "cas"), PUT_AC("PUT", "ac"), PUT_CAS("PUT", "cas");

    final String method;
    final String kind;

    Op(String method, String kind) {
      this.method = method;
      this.kind = kind;
    }

    boolean matches(FaultProxy.Request r) {
      return r.method().equals(method) && r.kind().equals(kind);
    }
  }

  static Stream<Arguments> matrix() {
    return CacheServer.Kind.available().flatMap(k -> Stream.of(Op.values())
        .flatMap(op -> Stream.of(Fault.values()).map(f -> Arguments.of(k, op, f))));
  }

  private static RemoteCache.Builder faulty(URI base, Duration deadline) {
    return RemoteCache.builder(base).requestTimeout(deadline).connectTimeout(deadline)
        .circuitBreaker(1_000, Duration.ofSeconds(1)); // off: each fault must be handled on its own
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @MethodSource("matrix")
  void operation_underFault_completesWithEmptyOrCorrectResults(CacheServer.Kind kind, Op op, Fault fault)
      throws Exception {
    CacheServer server = SERVERS.get(kind);
    String ns = namespace(op + "-" + fault);
    MemoId inline = id(ns, "inline"); // its value travels in the entry
    MemoId blob = id(ns, "blob"); // its value is a CAS blob
    List<Trace> written = List.of(trace(inline, 1, 200), trace(blob, 1, 20_000));
    Duration deadline = fault == Fault.DELAY || fault == Fault.DRIP ? HANG_DEADLINE : DEADLINE;
    boolean broken = fault != Fault.NONE && !(fault == Fault.DRIP && op.method.equals("PUT")); // no PUT body
    try (FaultProxy proxy = new FaultProxy(server.port)) {
      proxy.rule(r -> op.matches(r) ? fault : Fault.NONE);
      URI viaProxy = proxy.base(server.base());
      RemoteCache reader;
      if (op.method.equals("GET")) {
        try (RemoteCache writer = RemoteCache.http(server.base())) {
          writer.write(written, List.of());
        }
        reader = faulty(viaProxy, deadline).build();
      } else {
        RemoteCache writer = faulty(viaProxy, deadline).build();
        writer.write(written, List.of());
        writer.close();
        RemoteCache.Counters w = writer.counters();
        assertThat(w.uploaded() + w.uploadsDropped()).isEqualTo(2);
        if (!broken) {
          assertThat(w.uploaded()).isEqualTo(2);
        }
        reader = RemoteCache.http(server.base());
      }
      try (reader) {
        List<Trace> a = reader.traces(inline);
        List<Trace> b = reader.traces(blob);
        a.forEach(t -> assertCorrect(t, inline, true)); // values null or the right bytes
        b.forEach(t -> assertCorrect(t, blob, true));
        byte[] av = a.isEmpty() ? null : a.getFirst().loadValue();
        byte[] bv = b.isEmpty() ? null : b.getFirst().loadValue();
        if (!broken) {
          assertThat(av).isEqualTo(written.get(0).loadValue());
          assertThat(bv).isEqualTo(written.get(1).loadValue());
          assertThat(reader.counters().errors()).isZero();
          return;
        }
        switch (op) {
          case GET_AC, PUT_AC -> {
            assertThat(a).isEmpty();
            assertThat(b).isEmpty();
          }
          case GET_CAS -> {
            assertThat(av).isEqualTo(written.get(0).loadValue());
            assertThat(b).hasSize(1);
            assertThat(bv).isNull();
          }
          case PUT_CAS -> {
            assertThat(av).isEqualTo(written.get(0).loadValue());
            assertThat(bv).isNull(); // not uploaded, or stored wrong and refused
          }
        }
        if (op.method.equals("GET") && fault != Fault.NOT_FOUND) {
          assertThat(reader.counters().errors()).isPositive();
        }
      }
    }
  }

  @Test
  void breaker_afterConsecutiveFailures_bypassesTheServerThenProbesAndCloses() throws Exception {
    CacheServer server = SERVERS.get(CacheServer.Kind.NGINX);
    MemoId id = id(namespace("breaker"), "k");
    try (RemoteCache writer = RemoteCache.http(server.base())) {
      writer.write(List.of(trace(id, 1, 64)), List.of());
    }
    try (FaultProxy proxy = new FaultProxy(server.port);
        RemoteCache cache = faulty(proxy.base(server.base()), HANG_DEADLINE)
            .circuitBreaker(3, Duration.ofSeconds(1)).bundles(false).build()) { // one request per lookup
      proxy.rule(r -> Fault.SERVER_ERROR);
      for (int i = 0; i < 10; i++) {
        assertThat(cache.traces(id)).isEmpty();
      }
      RemoteCache.Counters c = cache.counters();
      assertThat(proxy.requests.get()).isEqualTo(3);
      assertThat(c.errors()).isEqualTo(3);
      assertThat(c.bypassed()).isEqualTo(7);
      assertThat(c.breakerOpenings()).isEqualTo(1);
      cache.write(List.of(trace(id, 2, 64)), List.of()); // dropped while open, without waiting
      assertThat(cache.awaitUploads(AWAIT)).isTrue();
      assertThat(cache.counters().uploadsDropped()).isEqualTo(1);

      proxy.rule(r -> Fault.NONE); // the server recovers: after the open period one probe closes the breaker
      await().atMost(AWAIT).pollInterval(Duration.ofMillis(50)).until(() -> !cache.traces(id).isEmpty());
      assertCorrect(cache.traces(id).getFirst(), id, true);
      assertThat(cache.counters().breakerOpenings()).isEqualTo(1);

      proxy.rule(r -> Fault.DELAY); // timeouts count as failures too
      for (int i = 0; i < 5; i++) {
        assertThat(cache.traces(id)).isEmpty();
      }
      assertThat(cache.counters().timeouts()).isEqualTo(3);
      assertThat(cache.counters().breakerOpenings()).isEqualTo(2);
    }
  }

  @Test
  void run_serverKilledMidRun_completesThenRecoversWhenTheServerReturns() throws Exception {
    try (CacheServer server = CacheServer.Kind.NGINX.create().start()) {
      String ns = namespace("killed");
      List<MemoId> ids = IntStream.range(0, 20).mapToObj(i -> id(ns, "k" + i)).toList();
      try (RemoteCache writer = RemoteCache.http(server.base())) {
        writer.write(ids.stream().map(i -> trace(i, 0, 3000)).toList(), List.of());
      }
      // Without bundles, so that a lookup asks the server (a bundle read first would answer from memory).
      RemoteCache cache = RemoteCache.builder(server.base()).requestTimeout(Duration.ofSeconds(2))
          .circuitBreaker(3, Duration.ofMillis(200)).bundles(false).build();
      CountDownLatch halfway = new CountDownLatch(200);
      List<Future<?>> workers = new ArrayList<>();
      try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int w = 0; w < 4; w++) {
          int seed = w;
          workers.add(pool.submit(() -> {
            Random r = new Random(seed);
            for (int i = 0; i < 150; i++) {
              MemoId id = ids.get(r.nextInt(ids.size()));
              cache.traces(id).forEach(t -> assertCorrect(t, id, true));
              if (i % 5 == 0) {
                cache.write(List.of(trace(id, 1 + r.nextInt(3), 3000)), List.of());
              }
              halfway.countDown();
            }
            return null;
          }));
        }
        halfway.await();
        server.kill();
        for (Future<?> f : workers) {
          f.get(); // every worker completes; assertion failures surface here
        }
      }
      RemoteCache.Counters c = cache.counters();
      assertThat(c.errors()).isPositive();
      assertThat(c.breakerOpenings()).isPositive();

      server.start();
      MemoId probe = ids.getFirst();
      await().atMost(AWAIT).pollInterval(Duration.ofMillis(50)).until(() -> !cache.traces(probe).isEmpty());
      MemoId fresh = id(ns, "after");
      cache.write(List.of(trace(fresh, 9, 5000)), List.of());
      cache.close();
      try (RemoteCache reader = RemoteCache.http(server.base())) {
        List<Trace> got = reader.traces(fresh);
        assertThat(got).hasSize(1);
        assertCorrect(got.getFirst(), fresh, true);
        assertThat(got.getFirst().loadValue()).isNotNull();
        for (MemoId id : ids) {
          for (Trace t : reader.traces(id)) {
            assertCorrect(t, id, true);
            assertThat(Set.of(0, 1, 2, 3)).contains(Fixtures.variant(t));
          }
        }
      }
    }
  }
}
