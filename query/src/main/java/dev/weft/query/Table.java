package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memos of one query in one engine, plus the LRU bookkeeping of {@link Query#withLru}.
 *
 * <p><b>Memo map.</b> Memos are never removed (eviction clears a memo's value, not the memo), so the map is
 * an insert-only open-addressing table with linear probing: {@code slots} holds the memos themselves, a
 * power-of-two array at most half full. Lookups are lock-free: they read {@code slots} once and probe until a
 * null slot, comparing the memo's final {@code hash} and {@code key}. Inserts take {@code insertLock},
 * re-probe, and either store into a free slot (release) or publish a doubled copy (volatile write). A
 * lock-free lookup may therefore miss a memo inserted concurrently, or one inserted into a newer array after
 * it read {@code slots}; {@link #memo} then finds it under the lock, so a key never gets two memos. A
 * lookup never sees a half-built memo: {@code hash} and {@code key} are final and every other field it reads
 * is published through {@code verifiedAt}. Against a {@code ConcurrentHashMap} this saves the node hop on
 * the hit path and the node copying of resizes, which dominated a cold engine's profile.
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
  /** Open-addressing slots, length a power of two, at most half full; replaced whole on growth. */
  private volatile Memo[] slots = new Memo[INITIAL];
  /** Memos in {@code slots}; guarded by {@code insertLock}. */
  private int count;
  /**
   * Guards inserts. A {@code java.util.concurrent} lock, not a monitor: its waiters park through
   * {@code LockSupport}, which the deterministic scheduler orders itself, while a contended monitor is released
   * by the JVM from outside the scheduler (a foreign wakeup).
   */
  private final ReentrantLock insertLock = new ReentrantLock();
  static final int INITIAL = 16;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayList<Memo> valued = new ArrayList<>();
  private long clock;
  private int hand;
  static final int SAMPLE = 8;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Memo[].class);

  Table(QueryEngine engine, QueryDef<?, ?> query) {
    this.engine = engine;
    this.query = query;
    this.input = query.isInput();
    this.capacity = input ? -1 : query.lru;
  }

  /**
   * The key's hash code times 2^32/phi; a table of 2^b slots starts probing at its top b bits (Fibonacci
   * hashing). Consecutive hash codes, common for integer keys, then land in distinct, well-spread slots and
   * a lookup almost never probes twice (a second probe costs a mispredicted branch, as much as the rest of a
   * hit); strided and random hash codes spread as well as with any multiplicative hash.
   */
  static int hash(Object key) {
    return key.hashCode() * 0x9E3779B9;
  }

  /** The first slot of hash {@code h} in a table of {@code length} (a power of two) slots. */
  private static int home(int h, int length) {
    return h >>> (Integer.numberOfLeadingZeros(length) + 1);
  }

  /** The memo of {@code key}, or null if there is none yet (or it is being inserted concurrently). */
  Memo find(Object key) {
    int h = hash(key);
    Memo[] tab = slots;
    int mask = tab.length - 1;
    for (int i = home(h, tab.length);; i = (i + 1) & mask) {
      Memo m = tab[i];
      if (m == null) {
        return null;
      }
      if (m.key == key || (m.hash == h && key.equals(m.key))) {
        return m;
      }
    }
  }

  /** The memo of {@code key}, created if absent; every caller of one key gets the same memo. */
  Memo memo(Object key) {
    Memo m = find(key);
    return m != null ? m : insert(key);
  }

  private Memo insert(Object key) {
    insertLock.lock();
    try {
      return insertLocked(key);
    } finally {
      insertLock.unlock();
    }
  }

  private Memo insertLocked(Object key) {
    int h = hash(key);
    Memo[] tab = slots;
    int mask = tab.length - 1;
    int i = home(h, tab.length);
    for (Memo m; (m = tab[i]) != null; i = (i + 1) & mask) {
      if (m.key == key || (m.hash == h && key.equals(m.key))) {
        return m;
      }
    }
    Memo fresh = new Memo(this, key, h);
    if (2 * (count + 1) > tab.length) {
      Memo[] grown = new Memo[tab.length << (tab.length < 1024 ? 2 : 1)];
      int gmask = grown.length - 1;
      for (Memo m : tab) {
        if (m != null) {
          int j = home(m.hash, grown.length);
          while (grown[j] != null) {
            j = (j + 1) & gmask;
          }
          grown[j] = m;
        }
      }
      int j = home(h, grown.length);
      while (grown[j] != null) {
        j = (j + 1) & gmask;
      }
      grown[j] = fresh;
      slots = grown; // release: publishes the copied slots and the new memo
    } else {
      SLOT.setRelease(tab, i, fresh);
    }
    count++;
    return fresh;
  }

  /** The sum of the memos' {@link Memo#hits}: a racy scan, as exact as the counts themselves. */
  long outerHits() {
    long sum = 0;
    for (Memo m : slots) {
      if (m != null) {
        sum += m.hits;
      }
    }
    return sum;
  }

  /** Memos in the table (with or without a value). */
  int size() {
    insertLock.lock();
    try {
      return count;
    } finally {
      insertLock.unlock();
    }
  }

  void touch(Memo m) {
    m.lastUsed = ++clock; // racy on purpose: an approximate recency is enough
  }

  /**
   * What every read site does after serving a hit on {@code m}, beyond counting it: the LRU's recency stamp,
   * and a {@code cached} event while a recording runs. One branch when neither applies.
   */
  void afterHit(Memo m) {
    if (capacity >= 0 || Events.recording) {
      if (capacity >= 0) {
        touch(m);
      }
      if (Events.recording) {
        engine.counters.cached(m);
      }
    }
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
          engine.counters.evicted();
        }
      }
    } finally {
      lock.unlock();
    }
  }
}
