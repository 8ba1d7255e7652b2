package dev.weft.query;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memos of one query in one engine, plus the LRU bookkeeping of {@link Query#withLru}.
 *
 * <p>The LRU keeps the memos that hold a result in {@code valued} (guarded by {@code lock}); readers stamp
 * {@link Memo#lastUsed} racily on hits, and admission evicts the least recently stamped memos beyond the
 * capacity by clearing their result. Eviction never touches dependency records.
 */
final class Table {
  final QueryEngine engine;
  final QueryDef<?, ?> query;
  final boolean input;
  final int capacity; // -1: unbounded
  final ConcurrentHashMap<Object, Memo> memos = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayList<Memo> valued = new ArrayList<>();
  private long clock;

  Table(QueryEngine engine, QueryDef<?, ?> query) {
    this.engine = engine;
    this.query = query;
    this.input = query.isInput();
    this.capacity = input ? -1 : query.lru;
  }

  Memo memo(Object key) {
    Memo m = memos.get(key);
    if (m == null) {
      Memo fresh = new Memo(this, key);
      m = memos.putIfAbsent(key, fresh);
      if (m == null) {
        m = fresh;
      }
    }
    return m;
  }

  void touch(Memo m) {
    m.lastUsed = ++clock; // racy on purpose: an approximate recency is enough
  }

  /** Records that {@code m} now holds a result, evicting the least recently used beyond the capacity. */
  void admit(Memo m) {
    lock.lock();
    try {
      m.lastUsed = ++clock;
      if (!m.inLru) {
        m.inLru = true;
        valued.add(m);
      }
      while (valued.size() > capacity) {
        int victim = -1;
        for (int i = 0; i < valued.size(); i++) {
          Memo c = valued.get(i);
          if (c.result == null) {
            victim = i;
            break;
          }
          if (victim < 0 || c.lastUsed < valued.get(victim).lastUsed) {
            victim = i;
          }
        }
        Memo v = valued.remove(victim);
        v.inLru = false;
        if (v.result != null) {
          v.result = null;
          engine.evicted();
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
