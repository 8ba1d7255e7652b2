package dev.weft.srctest.query;

import dev.weft.query.MemoStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link MemoStore} in memory: up to four traces per memo, newest first, values kept as bytes. */
final class MemoryStore implements MemoStore {
  private final Map<MemoId, List<Trace>> traces = new ConcurrentHashMap<>();

  @Override
  public List<Trace> traces(MemoId id) {
    return traces.getOrDefault(id, List.of());
  }

  @Override
  public synchronized void write(List<Trace> added, List<Trace> used) {
    for (Trace t : added) {
      byte[] bytes = t.loadValue();
      Trace kept = new Trace(t.id(), t.value(), t.steps(), bytes::clone);
      List<Trace> list = new ArrayList<>(traces.getOrDefault(t.id(), List.of()));
      list.removeIf(x -> x.digest().equals(kept.digest()));
      list.addFirst(kept);
      traces.put(t.id(), List.copyOf(list.subList(0, Math.min(4, list.size()))));
    }
  }

  @Override
  public Stats stats() {
    return Stats.ZERO;
  }

  @Override
  public void close() {}
}
