package dev.weft.query;

import java.lang.invoke.MethodHandles;
import java.lang.ref.WeakReference;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The memos of one query in one engine, plus the LRU bookkeeping of {@link Query#withLru}.
 *
 * <p><b>Implementation overview.</b>
 *
 * <p><b>Memo map.</b> An open-addressing table with linear probing: {@code slots} is a power-of-two array at
 * most half full, holding memos themselves or, for an LRU query, {@link Evicted} weak references to memos
 * whose value was evicted. Slots are never cleared, only overwritten, so a probe sequence never breaks.
 * Lookups are lock-free: they read {@code slots} once and probe until a null slot, comparing the memo's final
 * {@code hash} and {@code key}. Inserts take {@code insertLock}, re-probe, and either store into a free slot
 * (release) or publish a rebuilt copy (volatile write). A lock-free lookup may therefore miss a memo inserted
 * concurrently, or one inserted into a newer array after it read {@code slots}; {@link #memo} then finds it
 * under the lock, so a key never gets two live memos. A lookup never sees a half-built memo: {@code hash} and
 * {@code key} are final and every other field it reads is published through {@code verifiedAt}. Against a
 * {@code ConcurrentHashMap} this saves the node hop on the hit path and the node copying of resizes, which
 * dominated a cold engine's profile.
 *
 * <p><b>LRU.</b> The memos that hold a result are kept in {@code valued} (guarded by {@code lock}); readers
 * stamp {@link Memo#lastUsed} racily on hits, and admission evicts the least recently stamped memos beyond
 * the capacity by clearing their result. Eviction keeps the memo's dependency record, so an evicted memo
 * still verifies in a later revision and re-executes only when its value is asked for. But the table holds an
 * evicted memo only weakly: the memos that read it hold it strongly (their records name it), so it lives
 * exactly as long as some dependent's record needs it. One nobody read from a body (read only from outside,
 * or by dependents that have since re-executed) is collected, and its slot is dropped when the array is
 * rebuilt; a later read of its key starts a fresh memo, as nothing can observe the old one. So an LRU query's
 * memory is bounded by its capacity plus what its dependents' records name. A memo whose value is restored is
 * held strongly again; a cycle member is always held strongly, since its memo carries the cycle's verdict.
 */
final class Table {
  final QueryEngine engine;
  final QueryDef<?, ?> query;
  final boolean input;
  final int capacity; // -1: unbounded
  /** Mixed into the input filter bits of this table's memos; from the name, so bits repeat run to run. */
  final int salt;
  /**
   * Open-addressing slots: a {@link Memo}, an {@link Evicted} (LRU only), or null. Length a power of two, at
   * most half full; replaced whole when rebuilt.
   */
  private volatile Object[] slots = new Object[INITIAL];
  /** Non-null slots; guarded by {@code insertLock}. */
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
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

  /** The slot of an LRU memo whose value was evicted: it holds the memo only weakly. */
  static final class Evicted extends WeakReference<Memo> {
    Evicted(Memo m) {
      super(m);
    }
  }

  Table(QueryEngine engine, QueryDef<?, ?> query) {
    this.engine = engine;
    this.query = query;
    this.input = query.isInput();
    this.capacity = input ? -1 : query.lru;
    if (capacity >= 0) {
      engine.cone = false; // reverse edges would hold the evicted memos the table holds weakly: see Cone
    }
    this.salt = query.name.hashCode();
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
    Object[] tab = slots;
    int mask = tab.length - 1;
    for (int i = home(h, tab.length);; i = (i + 1) & mask) {
      Object o = tab[i];
      if (o == null) {
        return null;
      }
      Memo m = o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null && (m.key == key || (m.hash == h && key.equals(m.key)))) {
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
    Object[] tab = slots;
    int mask = tab.length - 1;
    int i = home(h, tab.length);
    int reuse = -1; // the first slot of a collected memo on the way: free for the new one
    for (Object o; (o = tab[i]) != null; i = (i + 1) & mask) {
      Memo m = o instanceof Memo x ? x : ((Evicted) o).get();
      if (m == null) {
        if (reuse < 0) {
          reuse = i;
        }
      } else if (m.key == key || (m.hash == h && key.equals(m.key))) {
        return m;
      }
    }
    Memo fresh = new Memo(this, key, h);
    if (reuse >= 0) {
      SLOT.setRelease(tab, reuse, fresh); // overwrites a dead slot: probe sequences stay unbroken
    } else if (2 * (count + 1) > tab.length) {
      rebuild(tab, fresh);
    } else {
      SLOT.setRelease(tab, i, fresh);
      count++;
    }
    return fresh;
  }

  /**
   * Publishes a copy of {@code tab} without the slots of collected memos, plus {@code fresh}: twice as large
   * (four times while small) when the live memos need it, else the same size.
   */
  private void rebuild(Object[] tab, Memo fresh) {
    int live = 1;
    for (Object o : tab) {
      if (o instanceof Memo || (o != null && ((Evicted) o).get() != null)) {
        live++;
      }
    }
    int length = tab.length;
    if (2 * live > length / 2) {
      length = length << (length < 1024 ? 2 : 1);
    }
    Object[] grown = new Object[length];
    int gmask = length - 1;
    for (Object o : tab) {
      Memo m = o == null ? null : o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null) {
        int j = home(m.hash, length);
        while (grown[j] != null) {
          j = (j + 1) & gmask;
        }
        grown[j] = o;
      }
    }
    int j = home(fresh.hash, length);
    while (grown[j] != null) {
      j = (j + 1) & gmask;
    }
    grown[j] = fresh;
    count = live;
    slots = grown; // release: publishes the copied slots and the new memo
  }

  /**
   * Replaces the slot holding {@code m} with {@code with} ({@code m} itself, or an {@link Evicted} of it).
   * Caller holds {@code insertLock}.
   */
  private void replaceSlot(Memo m, Object with) {
    Object[] tab = slots;
    int mask = tab.length - 1;
    for (int i = home(m.hash, tab.length);; i = (i + 1) & mask) {
      Object o = tab[i];
      if (o == null) {
        return; // not in this table (cannot happen: a memo's slot is only dropped once it is collected)
      }
      if (o == m || (o instanceof Evicted e && e.get() == m)) {
        SLOT.setRelease(tab, i, with);
        return;
      }
    }
  }

  /** The sum of the memos' {@link Memo#hits}: a racy scan, as exact as the counts themselves. */
  long outerHits() {
    long sum = 0;
    for (Object o : slots) {
      Memo m = o == null ? null : o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null) {
        sum += m.hits;
      }
    }
    return sum;
  }

  /** A snapshot of the table's live memos, evicted ones that are still alive included. */
  List<Memo> memos() {
    Object[] tab = slots;
    List<Memo> out = new ArrayList<>();
    for (Object o : tab) {
      Memo m = o == null ? null : o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  /** Memos in the table, with or without a value, evicted ones that are still alive included. */
  int size() {
    int n = 0;
    for (Object o : slots) {
      if (o instanceof Memo || (o != null && ((Evicted) o).get() != null)) {
        n++;
      }
    }
    return n;
  }

  /** Slots the table holds, dead ones included: what its memory is proportional to. */
  int slotsInUse() {
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
        if (m.weak) {
          setWeak(m, false);
        }
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
        if (v.cycle == null) { // a cycle member's memo keeps its verdict for the revision: held strongly
          setWeak(v, true);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Holds {@code m} weakly (evicted) or strongly again (valued). Caller holds {@code lock}. */
  private void setWeak(Memo m, boolean weak) {
    insertLock.lock();
    try {
      replaceSlot(m, weak ? new Evicted(m) : m);
      m.weak = weak;
    } finally {
      insertLock.unlock();
    }
  }
}
