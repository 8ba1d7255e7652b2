package dev.weft.deadlock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Who waits for whom, with cycle detection at the moment a wait would start.
 *
 * <p><b>Shape.</b> Each party waits for at most one other party at a time, so the graph is a set of chains
 * (a functional graph): from any party there is exactly one path, and a cycle check is a walk along it.
 * Adding the edge {@code waiter → owner} closes a cycle exactly when the walk from {@code owner} reaches
 * {@code waiter}. The walk costs the length of the chain behind {@code owner}, nothing else.
 *
 * <p><b>States and invariant.</b> The graph only ever holds acyclic states. Every mutation ({@link #tryWait},
 * {@link #stopWaiting}) runs under one lock, and {@code tryWait} checks and adds in the same critical section.
 * Consequently, of two parties closing the same cycle at the same moment, the first adds its edge and the
 * second finds the cycle: exactly one of them is told, never neither and never both. {@link #edges} takes a
 * consistent snapshot under the same lock; {@link #waitingFor} and {@link #size} read without it (the edges
 * live in a concurrent map) and may be stale by the time they return.
 *
 * <p><b>Canonical rotation.</b> A returned cycle starts at its smallest member by the graph's comparator and
 * follows the wait direction, so the same cycle reads the same whichever party closed it. The comparator
 * must be a stable total order on the parties that can meet in one cycle; it is called only while a cycle
 * is being reported.
 *
 * <p><b>Keeping edges true.</b> The graph records what its users tell it. A user must add an edge only while
 * the waiter is really about to block on the owner, and remove it (or re-point it, by {@code stopWaiting}
 * followed by {@code tryWait}) before the owner can stop being what the waiter waits for. An edge that
 * outlives the wait it describes can make a later {@code tryWait} report a cycle that does not exist.
 * {@link TrackedLock} shows one way: every change of a lock's owner and every edge towards that owner happen
 * under the lock's own mutex.
 *
 * @param <P> party type: needs {@code equals}/{@code hashCode}; identity types such as {@link Thread} work
 */
public final class WaitForGraph<P> {
  private final Comparator<? super P> order;
  private final ConcurrentHashMap<P, P> waitsFor = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * @param order a stable total order on parties, used only to rotate reported cycles
   */
  public WaitForGraph(Comparator<? super P> order) {
    this.order = Objects.requireNonNull(order, "order");
  }

  /**
   * Records that {@code waiter} waits for {@code owner}, unless that would close a cycle.
   *
   * @return empty if the edge was added; otherwise the cycle that the edge would close, in canonical
   *     rotation ({@code c.get(i)} waits for {@code c.get(i + 1)}, the last for the first), and the edge is
   *     not added. A party waiting for itself is a cycle of one.
   * @throws IllegalStateException if {@code waiter} already waits for a party
   */
  public Optional<List<P>> tryWait(P waiter, P owner) {
    Objects.requireNonNull(waiter, "waiter");
    Objects.requireNonNull(owner, "owner");
    lock.lock();
    try {
      P current = waitsFor.get(waiter);
      if (current != null) {
        throw new IllegalStateException(waiter + " already waits for " + current);
      }
      List<P> path = null;
      P p = owner;
      while (p != null) {
        if (p.equals(waiter)) {
          if (path == null) {
            path = new ArrayList<>(1);
          }
          path.add(0, waiter);
          return Optional.of(rotate(path));
        }
        if (path == null) {
          path = new ArrayList<>();
        }
        path.add(p);
        p = waitsFor.get(p);
      }
      waitsFor.put(waiter, owner);
      return Optional.empty();
    } finally {
      lock.unlock();
    }
  }

  /** Removes {@code waiter}'s edge, if any. */
  public void stopWaiting(P waiter) {
    lock.lock();
    try {
      waitsFor.remove(waiter);
    } finally {
      lock.unlock();
    }
  }

  /** The party {@code waiter} waits for, or null. May be stale under concurrency. */
  public P waitingFor(P waiter) {
    return waitsFor.get(waiter);
  }

  /** A snapshot of every edge, waiter to owner. */
  public Map<P, P> edges() {
    lock.lock();
    try {
      return Map.copyOf(waitsFor);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Points every party in {@code waiters} at {@code owner}, replacing any edge they had, under one acquisition
   * of the lock. Cannot close a cycle because {@code owner} must not wait for anyone and is not among
   * {@code waiters}.
   *
   * @throws IllegalStateException if {@code owner} waits for a party or is among {@code waiters}; nothing is
   *     changed then
   */
  void waitAll(Iterable<? extends P> waiters, P owner) {
    Objects.requireNonNull(owner, "owner");
    lock.lock();
    try {
      P next = waitsFor.get(owner);
      if (next != null) {
        throw new IllegalStateException(owner + " waits for " + next + " and cannot be waited for by a group");
      }
      for (P w : waiters) {
        if (w.equals(owner)) {
          throw new IllegalStateException(owner + " cannot wait for itself");
        }
      }
      for (P w : waiters) {
        waitsFor.put(w, owner);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Ownership hand-off: removes {@code newOwner}'s edge (it stops waiting) and points every party in
   * {@code waiters} at it, under one acquisition of the lock. Cannot close a cycle, since {@code newOwner}
   * waits for nobody afterwards.
   *
   * @throws IllegalStateException if {@code newOwner} is among {@code waiters}; nothing is changed then
   */
  void handOff(P newOwner, Iterable<? extends P> waiters) {
    Objects.requireNonNull(newOwner, "newOwner");
    lock.lock();
    try {
      for (P w : waiters) {
        if (w.equals(newOwner)) {
          throw new IllegalStateException(newOwner + " cannot wait for itself");
        }
      }
      waitsFor.remove(newOwner);
      for (P w : waiters) {
        waitsFor.put(w, newOwner);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Number of waiting parties, read under the graph's lock so it agrees with every completed change. */
  public int size() {
    lock.lock();
    try {
      return waitsFor.size();
    } finally {
      lock.unlock();
    }
  }

  private List<P> rotate(List<P> cycle) {
    int min = 0;
    for (int i = 1; i < cycle.size(); i++) {
      if (order.compare(cycle.get(i), cycle.get(min)) < 0) {
        min = i;
      }
    }
    List<P> rotated = new ArrayList<>(cycle.size());
    for (int i = 0; i < cycle.size(); i++) {
      rotated.add(cycle.get((min + i) % cycle.size()));
    }
    return List.copyOf(rotated);
  }

  @Override
  public String toString() {
    return "WaitForGraph" + waitsFor;
  }
}
