package dev.weft.store;

import static dev.weft.store.Fixtures.assertCorrect;
import static dev.weft.store.Fixtures.id;
import static dev.weft.store.Fixtures.namespace;
import static dev.weft.store.Fixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Eight clients, each with its own connections, queue and counters as separate machines would have, write
 * and read the same few memos at once. Whatever interleaving the server sees, every trace read is one that
 * was written for its memo and every value loaded is that trace's value. Rounds scale with
 * {@code -Dweft.stressFactor} (the soak profile raises it).
 */
@Timeout(120)
class RemoteCacheConcurrencyTest {
  @RegisterExtension static final CacheServers SERVERS = new CacheServers();

  private static final int CLIENTS = 8;
  private static final int ROUNDS = 60 * Integer.getInteger("weft.stressFactor", 1);
  private static final byte[] KEY = "the concurrency test's shared key".getBytes(StandardCharsets.UTF_8);

  static List<CacheServer.Kind> servers() {
    return CacheServer.Kind.available().toList();
  }

  @ParameterizedTest
  @MethodSource("servers")
  void traces_eightClientsWritingAndReadingTheSameMemos_neverYieldAWrongValue(CacheServer.Kind kind)
      throws Exception {
    URI base = SERVERS.get(kind).base();
    String ns = namespace("concurrent");
    List<MemoId> ids = IntStream.range(0, 6).mapToObj(i -> id(ns, "k" + i)).toList();
    CyclicBarrier start = new CyclicBarrier(CLIENTS);
    List<RemoteCache> clients = new ArrayList<>();
    List<Future<Integer>> runs = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
      for (int c = 0; c < CLIENTS; c++) {
        RemoteCache cache = RemoteCache.builder(base).hmacKey(KEY).tracesPerEntry(3).concurrency(4).build();
        clients.add(cache);
        long seed = 1000L * c + ROUNDS;
        runs.add(pool.submit(() -> {
          Random r = new Random(seed);
          start.await(30, TimeUnit.SECONDS);
          int verified = 0;
          for (int i = 0; i < ROUNDS; i++) {
            MemoId id = ids.get(r.nextInt(ids.size()));
            if (r.nextBoolean()) {
              // Values below and above the inline limit: entries and blobs both race.
              cache.write(List.of(trace(id, r.nextInt(5), r.nextBoolean() ? 300 : 4000)), List.of());
            } else {
              for (List<Trace> traces : cache.traces(ids.subList(0, 1 + r.nextInt(ids.size())))) {
                for (Trace t : traces) {
                  assertCorrect(t, t.id(), true);
                  verified++;
                }
              }
            }
          }
          return verified;
        }));
      }
      int verified = 0;
      for (Future<Integer> f : runs) {
        verified += f.get();
      }
      assertThat(verified).isPositive();
    } finally {
      clients.forEach(RemoteCache::close);
    }
    long errors = clients.stream().mapToLong(c -> c.counters().errors()).sum();
    assertThat(errors).isZero();
    try (RemoteCache reader = RemoteCache.builder(base).hmacKey(KEY).build()) {
      for (MemoId id : ids) {
        List<Trace> traces = reader.traces(id);
        assertThat(traces).isNotEmpty().hasSizeLessThanOrEqualTo(3);
        assertThat(traces.stream().map(Trace::digest).distinct().count()).isEqualTo(traces.size());
        for (Trace t : traces) {
          assertCorrect(t, id, true);
          assertThat(t.loadValue()).isNotNull();
        }
      }
    }
  }
}
