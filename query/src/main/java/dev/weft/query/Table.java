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
  private volatile Object[] slots;
  /**
   * Non-null slots. With LRU guarded by {@code insertLock}; without, memos inserted plus the reservations of
   * inserts in flight, updated atomically ({@link #insertFree}).
   */
  private final Count count = new Count();
  /**
   * Guards inserts. A {@code java.util.concurrent} lock, not a monitor: its waiters park through
   * {@code LockSupport}, which the deterministic scheduler orders itself, while a contended monitor is released
   * by the JVM from outside the scheduler (a foreign wakeup).
   */
  private final ReentrantLock insertLock = new ReentrantLock();
  static final int INITIAL = 16;
  /** The largest initial array a query's previous tables may suggest (256 KiB of references at most). */
  static final int MAX_HINT = 1 << 16;
  /** What an empty slot of an array being rebuilt becomes: no insert lands there any more. */
  private static final Evicted SEALED = new Evicted(null);
  private static final VarHandle COUNT;

  static {
    try {
      COUNT = MethodHandles.lookup().findVarHandle(CountValue.class, "n", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /*
   * The count alone on its cache lines: inserts on every carrier write it, while every lookup reads the
   * table's own fields. Superclass fields come first, so the padding brackets the value.
   */
  static class CountPad {
    long p0, p1, p2, p3, p4, p5, p6, p7;
  }

  static class CountValue extends CountPad {
    volatile int n;
  }

  static final class Count extends CountValue {
    long q0, q1, q2, q3, q4, q5, q6, q7;
  }

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
    this.slots = new Object[capacity < 0 ? Math.max(INITIAL, query.tableHint) : INITIAL];
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
      Memo m;
      if (o instanceof Memo x) {
        m = x;
      } else if (o == SEALED) {
        return null; // the array is being rebuilt: the caller's insert waits for the new one
      } else {
        m = ((Evicted) o).get();
      }
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
    if (capacity < 0) {
      return insertFree(key);
    }
    insertLock.lock();
    try {
      return insertLocked(key);
    } finally {
      insertLock.unlock();
    }
  }

  /**
   * Inserts into a table without LRU, whose slots only ever go from null to a memo: a slot reserved in the
   * count, then claimed with a compare-and-set, so inserts on different carriers never wait for each other
   * (a lock taken per insert made parallel builds park on it). The count is reserved before the slot, so an
   * array never holds more memos than its half; a reservation that finds its key inserted meanwhile is given
   * back. An array is rebuilt under {@code insertLock}, which first seals its empty slots: an insert that
   * meets a sealed slot waits for the lock and retries in the new array, and one that claimed a slot before it
   * was sealed is copied.
   */
  private Memo insertFree(Object key) {
    int h = hash(key);
    Memo fresh = null;
    boolean reserved = false;
    for (;;) {
      Object[] tab = slots;
      int mask = tab.length - 1;
      int i = home(h, tab.length);
      for (;;) {
        Object o = tab[i];
        if (o == null) {
          if (!reserved) {
            if (2 * ((int) COUNT.getAndAdd(count, 1) + 1) > tab.length) {
              COUNT.getAndAdd(count, -1);
              grow(tab);
              break;
            }
            reserved = true;
          }
          if (fresh == null) {
            fresh = new Memo(this, key, h);
          }
          if (SLOT.compareAndSet(tab, i, null, fresh)) {
            return fresh;
          }
          continue; // taken meanwhile (by this key, or a key probing past it): look at it again
        }
        if (o == SEALED) {
          awaitRebuild(tab);
          break;
        }
        Memo m = (Memo) o;
        if (m.key == key || (m.hash == h && key.equals(m.key))) {
          if (reserved) {
            COUNT.getAndAdd(count, -1);
          }
          return m;
        }
        i = (i + 1) & mask;
      }
    }
  }

  /** Rebuilds {@code tab} larger unless another insert already replaced it. */
  private void grow(Object[] tab) {
    insertLock.lock();
    try {
      if (slots == tab) {
        rebuild(tab, null);
      }
    } finally {
      insertLock.unlock();
    }
  }

  /** Waits until the rebuild that sealed {@code tab} has published the new array. */
  private void awaitRebuild(Object[] tab) {
    if (slots == tab) {
      insertLock.lock(); // held by the rebuild until it has published
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
    } else if (2 * (count.n + 1) > tab.length) {
      rebuild(tab, fresh);
    } else {
      SLOT.setRelease(tab, i, fresh);
      count.n++;
    }
    return fresh;
  }

  /**
   * Publishes a copy of {@code tab} without the slots of collected memos, plus {@code fresh} if not null:
   * twice as large (four times while small) when the live memos need it, else the same size. Caller holds
   * {@code insertLock}. Every empty slot of {@code tab} is sealed first, so a lock-free insert either landed
   * before (and is copied) or retries in the new array.
   */
  private void rebuild(Object[] tab, Memo fresh) {
    int live = fresh != null ? 1 : 0;
    for (int i = 0; i < tab.length; i++) {
      Object o = tab[i];
      if (o == null && (capacity >= 0 || SLOT.compareAndSet(tab, i, null, SEALED))) {
        continue;
      }
      o = tab[i];
      if (o instanceof Memo || ((Evicted) o).get() != null) {
        live++;
      }
    }
    int length = tab.length;
    if (capacity < 0) {
      // Without LRU nothing is ever dropped: the count (live plus reservations of inserts in flight) decides.
      while (2 * (count.n + 1) > length) {
        length = length << (length < 1024 ? 2 : 1);
      }
    } else if (2 * live > length / 2) {
      length = length << (length < 1024 ? 2 : 1);
    }
    Object[] grown = new Object[length];
    int gmask = length - 1;
    for (Object o : tab) {
      Memo m = o == null || o == SEALED ? null : o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null) {
        int j = home(m.hash, length);
        while (grown[j] != null) {
          j = (j + 1) & gmask;
        }
        grown[j] = o;
      }
    }
    if (fresh != null) {
      int j = home(fresh.hash, length);
      while (grown[j] != null) {
        j = (j + 1) & gmask;
      }
      grown[j] = fresh;
    }
    if (capacity >= 0) {
      count.n = live;
    } else if (length > query.tableHint && length <= MAX_HINT) {
      query.tableHint = length; // the next engine's table of this query starts at this size
    }
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

  /** The length of the current slot array. */
  int arrayLength() {
    return slots.length;
  }

  /** Slots the table holds, dead ones included: what its memory is proportional to. */
  int slotsInUse() {
    insertLock.lock();
    try {
      return count.n;
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
