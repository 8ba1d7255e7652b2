package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Stats;
import dev.weft.query.MemoStore.Trace;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link MemoStore#tiered} over two in-memory stores that record what they are asked. */
@Timeout(60)
class TieredStoreTest {

  /** A store in a map; records lookups and writes, and can be made to fail. */
  static final class MapStore implements MemoStore {
    final Map<MemoId, List<Trace>> traces = new ConcurrentHashMap<>();
    final List<MemoId> lookups = new ArrayList<>();
    final List<List<MemoId>> batchLookups = new ArrayList<>();
    final List<List<Trace>> added = new ArrayList<>();
    final List<List<Trace>> used = new ArrayList<>();
    int closes;
    RuntimeException failWrite;
    RuntimeException failClose;
    final Stats stats;

    MapStore(Stats stats) {
      this.stats = stats;
    }

    MapStore with(Trace... ts) {
      for (Trace t : ts) {
        traces.computeIfAbsent(t.id(), k -> new ArrayList<>()).add(t);
      }
      return this;
    }

    @Override
    public synchronized List<Trace> traces(MemoId id) {
      lookups.add(id);
      return List.copyOf(traces.getOrDefault(id, List.of()));
    }

    @Override
    public synchronized List<List<Trace>> traces(List<MemoId> ids) {
      batchLookups.add(List.copyOf(ids));
      List<List<Trace>> out = new ArrayList<>();
      for (MemoId id : ids) {
        out.add(List.copyOf(traces.getOrDefault(id, List.of())));
      }
      return out;
    }

    @Override
    public synchronized void write(List<Trace> added, List<Trace> used) {
      if (failWrite != null) {
        RuntimeException e = failWrite;
        failWrite = null;
        throw e;
      }
      this.added.add(List.copyOf(added));
      this.used.add(List.copyOf(used));
    }

    @Override
    public Stats stats() {
      return stats;
    }

    @Override
    public void close() {
      closes++;
      if (failClose != null) {
        throw failClose;
      }
    }
  }

  private static MemoId id(String key) {
    return new MemoId("tiered", "q", "1", key.getBytes(StandardCharsets.UTF_8));
  }

  private static Trace trace(MemoId id, String dep) {
    byte[] value = (id + "=" + dep).getBytes(StandardCharsets.UTF_8);
    byte[] k = dep.getBytes(StandardCharsets.UTF_8);
    return new Trace(id, Fingerprint.of(value), List.of(new Dep("source", k, Fingerprint.of(k))), () -> value);
  }

  private final MapStore local = new MapStore(new Stats(1, 2, 3, 4, 5, 6, 7, 8));
  private final MapStore remote = new MapStore(new Stats(10, 20, 30, 40, 50, 60, 70, 80));
  private final MemoStore tiered = MemoStore.tiered(local, remote);

  @Test
  void traces_localHasSome_asksTheRemoteOnlyWhenIteratingPastThem() {
    MemoId id = id("k");
    Trace near = trace(id, "a");
    Trace far = trace(id, "b");
    local.with(near);
    remote.with(trace(id, "a"), far); // the first is the local one again: not offered twice

    List<Trace> got = tiered.traces(id);
    Iterator<Trace> it = got.iterator();
    assertThat(it.next()).isSameAs(near);
    assertThat(got.isEmpty()).isFalse();
    assertThat(remote.lookups).isEmpty(); // the engine reused the local trace: no request

    assertThat(it.hasNext()).isTrue();
    assertThat(it.next()).isSameAs(far);
    assertThat(it.hasNext()).isFalse();
    assertThat(got).containsExactly(near, far);
    assertThat(remote.lookups).containsExactly(id); // fetched once
  }

  @Test
  void traces_localHasNone_asksTheRemoteAtOnce() {
    MemoId id = id("k");
    Trace far = trace(id, "b");
    remote.with(far);
    assertThat(tiered.traces(id)).containsExactly(far);
    assertThat(tiered.traces(id("other"))).isEmpty();
    assertThat(local.lookups).hasSize(2);
    assertThat(remote.lookups).hasSize(2);
  }

  @Test
  void tracesOfMany_asksTheRemoteForTheMissingKeysInOneBatch() {
    MemoId a = id("a");
    MemoId b = id("b");
    MemoId c = id("c");
    local.with(trace(b, "1"));
    remote.with(trace(a, "2"), trace(b, "3"), trace(c, "4"));

    List<List<Trace>> got = tiered.traces(List.of(a, b, c));
    assertThat(remote.batchLookups).containsExactly(List.of(a, c));
    assertThat(got.get(0)).containsExactly(trace(a, "2"));
    assertThat(got.get(2)).containsExactly(trace(c, "4"));
    assertThat(remote.lookups).isEmpty();
    assertThat(got.get(1)).containsExactly(trace(b, "1"), trace(b, "3")); // the tail, on demand
    assertThat(remote.lookups).containsExactly(b);
  }

  @Test
  void write_traceReusedFromTheRemote_isAddedLocallyAtTheNextCheckpointOnly() {
    MemoId id = id("k");
    Trace far = trace(id, "b");
    remote.with(far);
    Trace computed = trace(id("new"), "c");
    Trace localOld = trace(id("old"), "d");

    Trace reused = tiered.traces(id).getFirst();
    tiered.write(List.of(computed), List.of(reused, localOld));
    assertThat(local.added.getLast()).containsExactly(computed, far);
    assertThat(local.used.getLast()).containsExactly(localOld);
    assertThat(remote.added.getLast()).containsExactly(computed);
    assertThat(remote.used.getLast()).containsExactly(reused, localOld);

    tiered.write(List.of(), List.of(reused, localOld)); // now the local store has it
    assertThat(local.added.getLast()).isEmpty();
    assertThat(local.used.getLast()).containsExactly(far, localOld);
  }

  @Test
  void write_remoteTraceUsedOneCheckpointLater_isStillAddedLocally() {
    MemoId id = id("k");
    remote.with(trace(id, "b"));
    Trace reused = tiered.traces(id).getFirst();
    tiered.write(List.of(), List.of()); // a checkpoint taken while the engine was verifying it
    tiered.write(List.of(), List.of(reused));
    assertThat(local.added.getLast()).containsExactly(reused);
  }

  @Test
  void write_localFails_offersTheRemoteTracesAgainAndStillUploads() {
    MemoId id = id("k");
    remote.with(trace(id, "b"));
    Trace reused = tiered.traces(id).getFirst();
    Trace computed = trace(id("new"), "c");
    local.failWrite = new UncheckedIOException(new java.io.IOException("disk full"));

    assertThatThrownBy(() -> tiered.write(List.of(computed), List.of(reused)))
        .isInstanceOf(UncheckedIOException.class);
    assertThat(remote.added.getLast()).containsExactly(computed);

    tiered.write(List.of(), List.of(reused));
    assertThat(local.added.getLast()).containsExactly(reused);
  }

  @Test
  void stats_areTheSumsOfBothTiers() {
    assertThat(tiered.stats()).isEqualTo(new Stats(11, 22, 33, 44, 55, 66, 77, 88));
  }

  @Test
  void close_closesBothOnceEvenWhenTheRemoteThrows() {
    remote.failClose = new IllegalStateException("remote");
    assertThatThrownBy(tiered::close).hasMessage("remote");
    tiered.close();
    assertThat(remote.closes).isEqualTo(1);
    assertThat(local.closes).isEqualTo(1);
  }
}
