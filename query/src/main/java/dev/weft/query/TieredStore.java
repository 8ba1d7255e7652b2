package dev.weft.query;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@link MemoStore#tiered}: a local store in front of a remote one.
 *
 * <p>Implementation overview.
 * <ul>
 *   <li>Lookup. The local traces come first. When there are none, the remote is asked at once (the engine
 *       will need it); otherwise the remote's traces form a tail of the returned list that is fetched only
 *       when the engine iterates past the local ones (none of them matched), without the traces the local
 *       store has already. A {@code getAll} asks the remote, concurrently, for the keys the local store has
 *       nothing for.</li>
 *   <li>Traces from the remote are remembered ({@link #fromRemote}) as the engine reads them (not all at
 *       once: a remote list may fetch its later part only when iterated to), so that the next checkpoint that
 *       lists one as used hands it to the local store as added: the local store does not have it. Remembered
 *       traces live for two checkpoints (two generations), so a trace reused while a checkpoint is being
 *       taken is still recognised at the next one, and traces the engine never used are forgotten.</li>
 *   <li>Write. Added traces go to both tiers; the remote gets its copy first because it only queues
 *       (it never blocks), the local write may throw.</li>
 * </ul>
 */
final class TieredStore implements MemoStore {
  private final MemoStore local;
  private final MemoStore remote;
  private final AtomicBoolean closed = new AtomicBoolean();
  // Traces returned from the remote since the last checkpoint, and those of the checkpoint before.
  private volatile Set<Trace> fromRemote = ConcurrentHashMap.newKeySet();
  private volatile Set<Trace> fromRemoteBefore = ConcurrentHashMap.newKeySet();

  TieredStore(MemoStore local, MemoStore remote) {
    this.local = local;
    this.remote = remote;
  }

  @Override
  public List<Trace> traces(MemoId id) {
    List<Trace> near = local.traces(id);
    if (near.isEmpty()) {
      return remember(remote.traces(id));
    }
    return new WithRemoteTail(near, () -> remember(without(remote.traces(id), near)));
  }

  @Override
  public List<List<Trace>> traces(List<MemoId> ids) {
    List<List<Trace>> near = local.traces(ids);
    List<MemoId> missing = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      if (near.get(i).isEmpty()) {
        missing.add(ids.get(i));
      }
    }
    List<List<Trace>> far = missing.isEmpty() ? List.of() : remote.traces(missing);
    List<List<Trace>> out = new ArrayList<>(ids.size());
    int next = 0;
    for (int i = 0; i < ids.size(); i++) {
      List<Trace> l = near.get(i);
      if (l.isEmpty()) {
        out.add(remember(far.get(next++)));
      } else {
        MemoId id = ids.get(i);
        out.add(new WithRemoteTail(l, () -> remember(without(remote.traces(id), l))));
      }
    }
    return out;
  }

  /**
   * {@code traces} from the remote, each remembered when the engine reaches it: a remote may give a list
   * whose later part it fetches only when iterated to (a bundle's traces, then the memo's own entry).
   */
  private List<Trace> remember(List<Trace> traces) {
    return traces.isEmpty() ? traces : new Remembered(traces);
  }

  private Trace remembered(Trace t) {
    fromRemote.add(t);
    return t;
  }

  private static List<Trace> without(List<Trace> far, List<Trace> near) {
    if (far.isEmpty()) {
      return far;
    }
    Set<Fingerprint> have = new HashSet<>();
    for (Trace t : near) {
      have.add(t.digest());
    }
    List<Trace> out = new ArrayList<>(far.size());
    for (Trace t : far) {
      if (!have.contains(t.digest())) {
        out.add(t);
      }
    }
    return out;
  }

  @Override
  public void write(List<Trace> added, List<Trace> used) {
    Set<Trace> recent = fromRemote;
    Set<Trace> before = fromRemoteBefore;
    fromRemoteBefore = recent;
    fromRemote = ConcurrentHashMap.newKeySet();
    List<Trace> nearAdded = new ArrayList<>(added);
    List<Trace> nearUsed = new ArrayList<>(used.size());
    for (Trace t : used) {
      if (recent.remove(t) || before.remove(t)) {
        nearAdded.add(t); // reused from the remote: new to the local store
      } else {
        nearUsed.add(t);
      }
    }
    remote.write(added, used);
    try {
      local.write(nearAdded, nearUsed);
    } catch (RuntimeException e) {
      // Not written locally: offer them again at the next checkpoint.
      recent.addAll(nearAdded.subList(added.size(), nearAdded.size()));
      throw e;
    }
  }

  @Override
  public Stats stats() {
    return local.stats().plus(remote.stats());
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      remote.close(); // drains its uploads first
    } finally {
      local.close();
    }
  }

  @Override
  public String toString() {
    return "MemoStore.tiered(" + local + ", " + remote + ")";
  }

  /** A remote's list whose traces are remembered as they are read; iterating does not ask for the size. */
  private final class Remembered extends AbstractList<Trace> {
    private final List<Trace> far;

    Remembered(List<Trace> far) {
      this.far = far;
    }

    @Override
    public Trace get(int index) {
      return remembered(far.get(index));
    }

    @Override
    public int size() {
      return far.size();
    }

    @Override
    public boolean isEmpty() {
      return far.isEmpty();
    }

    @Override
    public Iterator<Trace> iterator() {
      Iterator<Trace> it = far.iterator();
      return new Iterator<>() {
        @Override
        public boolean hasNext() {
          return it.hasNext();
        }

        @Override
        public Trace next() {
          return remembered(it.next());
        }
      };
    }
  }

  /**
   * The local traces followed by the remote ones; iterating past the local ones, or asking for the size or
   * an index beyond them, fetches the remote ones (once).
   */
  private static final class WithRemoteTail extends AbstractList<Trace> {
    private final List<Trace> near;
    private final Supplier<List<Trace>> fetch;
    private volatile List<Trace> far;

    WithRemoteTail(List<Trace> near, Supplier<List<Trace>> fetch) {
      this.near = near;
      this.fetch = fetch;
    }

    private List<Trace> far() {
      List<Trace> f = far;
      if (f == null) {
        synchronized (this) {
          f = far;
          if (f == null) {
            f = far = fetch.get();
          }
        }
      }
      return f;
    }

    @Override
    public Trace get(int index) {
      return index < near.size() ? near.get(index) : far().get(index - near.size());
    }

    @Override
    public int size() {
      return near.size() + far().size();
    }

    @Override
    public boolean isEmpty() {
      return false; // near is not empty
    }

    @Override
    public Iterator<Trace> iterator() {
      return new Iterator<>() {
        private int next;

        @Override
        public boolean hasNext() {
          return next < near.size() || next - near.size() < far().size();
        }

        @Override
        public Trace next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return get(next++);
        }
      };
    }
  }
}
