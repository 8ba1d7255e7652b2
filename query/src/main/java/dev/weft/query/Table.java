package dev.weft.query;

import java.util.ArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memos of one query in one engine, plus the LRU bookkeeping of {@link Query#withLru}.
 *
 * <p>The LRU keeps the memos that hold a result in {@code valued} (guarded by {@code lock}); readers stamp
 * {@link Memo#lastUsed} racily on hits, and admission evicts the least recently stamped memos beyond the
 * capacity by clearing their result. Eviction never touches dependency records, so an evicted memo still
 * verifies in a later revision and re-executes only when its value is asked for.
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
  private int hand;
  static final int SAMPLE = 8;

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

  /**
   * Records that {@code m} now holds a result, evicting beyond the capacity. The victim is the least recently
   * used of up to {@link #SAMPLE} memos starting at a rotating hand (exact LRU for small capacities, sampled
   * LRU for large ones), so admission costs O(1) whatever the capacity.
   */
  void admit(Memo m) {
    lock.lock();
    try {
      m.lastUsed = ++clock;
      if (!m.inLru) {
        m.inLru = true;
        valued.add(m);
      }
      while (valued.size() > capacity) {
        int size = valued.size();
        int victim = -1;
        for (int k = 0; k < Math.min(size, SAMPLE); k++) {
          int i = (hand + k) % size;
          Memo c = valued.get(i);
          if (c.result == null) {
            victim = i;
            break;
          }
          if (victim < 0 || c.lastUsed < valued.get(victim).lastUsed) {
            victim = i;
          }
        }
        hand = size > SAMPLE ? (hand + SAMPLE) % size : 0;
        Memo v = valued.get(victim);
        Memo last = valued.remove(size - 1);
        if (victim < size - 1) {
          valued.set(victim, last);
        }
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
