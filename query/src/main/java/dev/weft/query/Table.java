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
 * most half full, holding memos themselves or, for an LRU query, {@link Evicted} weak references to memos whose
 * value was evicted. Slot 0 always holds the array's {@link Reservations}, an {@code Evicted} of nothing that
 * probes pass over like the slot of a collected memo, so the hit path is unchanged. Slots are never cleared,
 * only overwritten, so a probe sequence never breaks. Lookups are lock-free: they read {@code slots} once and
 * probe until a null slot, comparing the memo's final {@code hash} and {@code key}. A lock-free lookup may miss
 * a memo inserted concurrently, or one inserted into a newer array after it read {@code slots}; {@link #memo}
 * then inserts, which finds it, so a key never gets two live memos.
 *
 * <p><b>Inserts without LRU</b> take no lock (a lock per insert made carriers of a parallel build park on
 * each other): an insert reserves room in the array's count, then claims a null slot with a compare-and-set.
 * The count never passes half the slots, so a reservation always finds a null slot. To rebuild, the thread
 * holding {@code insertLock} closes the array's count (no reservation succeeds after that), copies the array
 * until the copy holds as many memos as the count (a reservation lands within a probe, so a copy that missed
 * one is soon made again), and publishes the new array (volatile write). An insert whose reservation finds the
 * count closed waits for the lock and retries in the new array; one that finds its key inserted meanwhile gives
 * its reservation back. An array grows four times while under {@link #MAX_HINT} slots, then twice: a cold
 * query's share of the copying is a third of what doubling from 16 slots costs. <b>LRU inserts</b>, which may
 * reuse the slot of a collected memo and race with eviction's slot changes, keep taking {@code insertLock}. A
 * lookup never sees a half-built memo: {@code hash} and {@code key} are final and every other field it reads
 * is published through {@code verifiedAt}. Against a {@code ConcurrentHashMap} this saves the node hop on the
 * hit path and the node copying of resizes, which dominated a cold engine's profile.
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
   * Open-addressing slots: a {@link Memo}, an {@link Evicted} (LRU only), or null, and the array's
   * {@link Reservations} in slot 0. Length a power of two, at most half full; replaced whole when rebuilt.
   */
  private volatile Object[] slots;
  /**
   * Guards inserts. A {@code java.util.concurrent} lock, not a monitor: its waiters park through
   * {@code LockSupport}, which the deterministic scheduler orders itself, while a contended monitor is released
   * by the JVM from outside the scheduler (a foreign wakeup).
   */
  private final ReentrantLock insertLock = new ReentrantLock();
  static final int INITIAL = 16;
  /** The largest initial array a query's previous tables may suggest (256 KiB of references at most). */
  static final int MAX_HINT = 1 << 16;
  /** In a {@link Reservations} count: closed for a rebuild. */
  private static final int CLOSED = Integer.MIN_VALUE;
  private static final VarHandle RESERVED;

  static {
    try {
      RESERVED = MethodHandles.lookup().findVarHandle(ReservedCount.class, "n", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /*
   * An array's count of memos plus reservations in flight ({@link #CLOSED} set once it is being rebuilt), on
   * cache lines of its own: inserts on every carrier write it while lookups read the array. An Evicted of
   * nothing, so that lookups pass over its slot; superclass fields come first, so the padding brackets the
   * count.
   */
  private static class ReservedPad extends Evicted {
    ReservedPad() {
      super(null);
    }

    long p0, p1, p2, p3, p4, p5, p6, p7;
  }

  private static class ReservedCount extends ReservedPad {
    volatile int n;
  }

  static final class Reservations extends ReservedCount {
    long q0, q1, q2, q3, q4, q5, q6, q7;

    Reservations(int n) {
      this.n = n;
    }
  }

  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayList<Memo> valued = new ArrayList<>();
  private long clock;
  private int hand;
  static final int SAMPLE = 8;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);

  /** The slot of an LRU memo whose value was evicted: it holds the memo only weakly. */
  static class Evicted extends WeakReference<Memo> {
    Evicted(Memo m) {
      super(m);
    }
  }

  Table(QueryEngine engine, QueryDef<?, ?> query) {
    this.engine = engine;
    this.query = query;
    this.input = query.isInput();
    this.capacity = input ? -1 : query.lru;
    this.slots = array(capacity < 0 ? Math.max(INITIAL, query.tableHint) : INITIAL, 0);
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

  /** A new array of {@code length} (a power of two) slots, its reservations in slot 0 with {@code filled} made. */
  private static Object[] array(int length, int filled) {
    Object[] tab = new Object[length];
    tab[0] = new Reservations(filled);
    return tab;
  }

  /** The memo of {@code key}, or null if there is none yet (or it is being inserted concurrently). */
  Memo find(Object key) {
    return find(key, hash(key));
  }

  /** {@link #find} of {@code key} whose {@link #hash} is {@code h}. */
  Memo find(Object key, int h) {
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

  /**
   * The memo of {@code key}, created if absent; every caller of one key gets the same memo. Without LRU one
   * probe sequence both looks the key up and, at the null slot that ends it, inserts.
   */
  Memo memo(Object key) {
    return memo(key, hash(key));
  }

  /** {@link #memo} of {@code key} whose {@link #hash} is {@code h}. */
  private Memo memo(Object key, int h) {
    if (capacity < 0) {
      return insertFree(key, h, null);
    }
    Memo m = find(key, h);
    if (m != null) {
      return m;
    }
    insertLock.lock();
    try {
      return insertLocked(key, h);
    } finally {
      insertLock.unlock();
    }
  }

  /**
   * {@link #memo} of {@code key} (hash {@code h}) for a reader on runner {@code r} (null: an ordinary insert):
   * in a derived query's table without LRU, a memo it creates is published already claimed by a new frame of
   * {@code r} on top of its stack, left in {@link Runner#claimed}, so the reader executes it without a
   * compare-and-set of its own.
   */
  Memo memoClaimed(Object key, int h, Runner r) {
    return capacity < 0 && !input ? insertFree(key, h, r) : memo(key, h);
  }

  /**
   * Finds or inserts {@code key} in a table without LRU, lock-free unless the array must grow; see the
   * overview. A hit reads what {@link #find} reads: the array's count only once a null slot is reached. With a
   * {@code claimer}, a new memo is claimed for it before it is published (see {@link #memoClaimed}).
   */
  private Memo insertFree(Object key, int h, Runner claimer) {
    Memo fresh = null;
    Frame claim = null;
    retry:
    for (;;) {
      Object[] tab = slots;
      int n = tab.length;
      int mask = n - 1;
      Reservations res = null;
      for (int i = home(h, n);; ) {
        Object o = tab[i];
        if (o == null) {
          if (res == null) {
            res = (Reservations) tab[0];
            int c = (int) RESERVED.getAndAdd(res, 1);
            if (c < 0 || 2 * (c + 1) > n) { // closed for a rebuild, or full: give it back, grow, retry
              RESERVED.getAndAdd(res, -1);
              grow(tab);
              continue retry;
            }
          }
          if (fresh == null) {
            fresh = new Memo(this, key, h);
            if (claimer != null) {
              claim = new Frame(claimer, fresh, claimer.top);
              fresh.preclaim(claim);
            }
          }
          if (SLOT.compareAndSet(tab, i, null, fresh)) { // publishes the claim with the memo
            if (claim != null) {
              claimer.claimed = claim;
            }
            return fresh;
          }
          continue; // taken meanwhile: look at what took it
        }
        if (o instanceof Memo m && (m.key == key || (m.hash == h && key.equals(m.key)))) {
          if (res != null) { // found after a reservation: inserted meanwhile
            RESERVED.getAndAdd(res, -1);
          }
          return m;
        }
        i = (i + 1) & mask;
      }
    }
  }

  /** Rebuilds {@code tab}, larger, unless another insert already replaced it; returns when it is replaced. */
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

  private Memo insertLocked(Object key, int h) {
    Object[] tab = slots;
    int n = tab.length;
    int mask = n - 1;
    int i = home(h, n);
    int reuse = -1; // the first slot of a collected memo on the way: free for the new one
    for (Object o; (o = tab[i]) != null; i = (i + 1) & mask) {
      Memo m = o instanceof Memo x ? x : ((Evicted) o).get();
      if (m == null) {
        if (reuse < 0 && i != 0) { // slot 0 holds the reservations, not a collected memo
          reuse = i;
        }
      } else if (m.key == key || (m.hash == h && key.equals(m.key))) {
        return m;
      }
    }
    Memo fresh = new Memo(this, key, h);
    Reservations res = (Reservations) tab[0];
    if (reuse >= 0) {
      SLOT.setRelease(tab, reuse, fresh); // overwrites a dead slot: probe sequences stay unbroken
    } else if (2 * (res.n + 1) > n) {
      rebuild(tab, fresh);
    } else {
      SLOT.setRelease(tab, i, fresh);
      res.n++; // LRU: every insert holds the lock
    }
    return fresh;
  }

  /**
   * Publishes a copy of {@code tab} without the slots of collected memos, plus {@code fresh} if not null:
   * four or two times as large (see the overview) when the live memos need it, else the same size. Caller holds
   * {@code insertLock}; without LRU, first closes the array's count.
   */
  private void rebuild(Object[] tab, Memo fresh) {
    Object[] grown;
    if (capacity < 0) {
      Reservations res = (Reservations) tab[0];
      int c;
      do {
        c = res.n;
      } while (!RESERVED.compareAndSet(res, c, c | CLOSED));
      // Reservations made before the close land within a probe (or are given back): a copy holding fewer
      // memos than the count missed one in flight, and is made again.
      for (int spins = 0; (grown = copy(tab, res.n & ~CLOSED, fresh)) == null; spins++) {
        if (spins < 64) {
          Thread.onSpinWait();
        } else {
          Thread.yield();
        }
      }
      if (grown.length > query.tableHint && grown.length <= MAX_HINT) {
        query.tableHint = grown.length; // the next engine's table of this query starts at this size
      }
    } else {
      grown = copy(tab, -1, fresh);
    }
    slots = grown; // release: publishes the copied slots and the new memo
  }

  /**
   * A copy of {@code tab}'s live memos plus {@code fresh} (if not null), sized for {@code live} memos (-1:
   * count them first; a weakly held memo may be collected meanwhile), or null if told {@code live} and it did
   * not find that many memos to copy.
   */
  private static Object[] copy(Object[] tab, int live, Memo fresh) {
    int n = tab.length;
    boolean exact = live >= 0;
    if (!exact) {
      live = live(tab);
    }
    int wanted = live + (fresh != null ? 1 : 0);
    int length = n;
    if (2 * wanted > length / 2) { // at most a quarter full after: reservations never pass half of n
      length = length << (length < MAX_HINT ? 2 : 1);
    }
    Object[] grown = array(length, wanted);
    int gmask = length - 1;
    int copied = 0;
    for (int i = 0; i < n; i++) {
      Object o = tab[i];
      Memo m = o == null ? null : o instanceof Memo x ? x : ((Evicted) o).get();
      if (m != null) {
        int j = home(m.hash, length);
        while (grown[j] != null) {
          j = (j + 1) & gmask;
        }
        grown[j] = o;
        copied++;
      }
    }
    if (exact && copied != live) {
      return null;
    }
    if (fresh != null) {
      int j = home(fresh.hash, length);
      while (grown[j] != null) {
        j = (j + 1) & gmask;
      }
      grown[j] = fresh;
    }
    return grown;
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
    return live(slots);
  }

  /** The memos {@code tab} holds, strongly or weakly (those not collected yet). */
  private static int live(Object[] tab) {
    int n = 0;
    for (Object o : tab) {
      if (o instanceof Memo || (o != null && ((Evicted) o).get() != null)) {
        n++;
      }
    }
    return n;
  }

  /** The number of slots of the current array. */
  int arrayLength() {
    return slots.length;
  }

  /** Slots the table holds, dead ones included: what its memory is proportional to. */
  int slotsInUse() {
    insertLock.lock();
    try {
      return ((Reservations) slots[0]).n & ~CLOSED;
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
