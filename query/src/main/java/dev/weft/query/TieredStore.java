package dev.weft.query;

import java.util.ArrayList;
import java.util.List;

/** {@link MemoStore#tiered}: a local store in front of a remote one. */
final class TieredStore implements MemoStore {
  private final MemoStore local;
  private final MemoStore remote;

  TieredStore(MemoStore local, MemoStore remote) {
    this.local = local;
    this.remote = remote;
  }

  @Override
  public List<Trace> traces(MemoId id) {
    List<Trace> l = local.traces(id);
    if (!l.isEmpty()) {
      return l;
    }
    return remote.traces(id);
  }

  @Override
  public void write(List<Trace> added, List<Trace> used) {
    List<Trace> all = new ArrayList<>(added);
    all.addAll(used);
    local.write(all, List.of());
    remote.write(added, List.of());
  }

  @Override
  public Stats stats() {
    return local.stats().plus(remote.stats());
  }

  @Override
  public void close() {
    try {
      remote.close();
    } finally {
      local.close();
    }
  }
}
