package dev.weft.deadlock;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

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
 * <p><b>Refusing another party.</b> {@link TrackedLock} may refuse a party other than the one closing a
 * cycle (its youngest). The package-private {@link #waitOrRefuse} then removes the chosen party's edge, marks
 * it refused and adds the closer's edge, in one critical section: removing any edge of a cycle breaks it, and
 * since the graph is a set of chains, the closer's edge can then close no other. A refused party gets no edge
 * and no hand-off ({@link #handOff}) until it takes its refusal ({@link #leave}).
 *
 * @param <P> party type: needs {@code equals}/{@code hashCode}; identity types such as {@link Thread} work
 */
public final class WaitForGraph<P> {
  private final Comparator<? super P> order;
  private final ConcurrentHashMap<P, P> waitsFor = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  // Parties refused while they waited, until they leave; guarded by lock.
  private final HashMap<P, Refusal<P>> refused = new HashMap<>();
  private final View<P> view = new ReadOnly<>(this);

  /**
   * The reading half of a {@link WaitForGraph} ({@link WaitForGraph#view()}): what a stall report or a
   * debugger needs, and nothing that changes the graph. {@link TrackedLock#waitForGraph()} hands out one.
   *
   * @param <P> party type
   */
  public interface View<P> {
    /** The party {@code waiter} waits for, or null. May be stale under concurrency. */
    P waitingFor(P waiter);

    /** A consistent snapshot of every edge, waiter to owner. */
    Map<P, P> edges();

    /** Number of waiting parties, agreeing with every completed change. */
    int size();
  }

  /**
   * A refusal decided by {@link #waitOrRefuse}: the cycle the closer's edge would have closed, the party
   * refused, and the closer.
   */
  record Refusal<P>(List<P> cycle, P victim, P closer) {}

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
    Refusal<P> r = waitOrRefuse(waiter, owner, null);
    return r == null ? Optional.empty() : Optional.of(r.cycle());
  }

  /**
   * The cycle that {@code waiter -> owner} would close, canonically rotated, or null. Holds the lock. The path
   * is walked once without allocating, and again to list the cycle only when there is one: almost every wait
   * closes none.
   */
  private List<P> cycleThrough(P waiter, P owner) {
    P p = owner;
    while (p != null && !p.equals(waiter)) {
      p = waitsFor.get(p);
    }
    if (p == null) {
      return null;
    }
    List<P> path = new ArrayList<>();
    path.add(waiter);
    for (p = owner; !p.equals(waiter); p = waitsFor.get(p)) {
      path.add(p);
    }
    return rotate(path);
  }

  /**
   * Like {@link #tryWait}, but when the edge would close a cycle, {@code chooser} (called under the graph's
   * lock with the cycle in canonical rotation) picks the party to refuse. If it picks {@code waiter}, nothing
   * changes. Otherwise the chosen party's edge is removed and it is marked refused (until {@link #leave}), and
   * {@code waiter}'s edge is added.
   *
   * @param chooser picks the party to refuse; null refuses {@code waiter}
   * @return null if the edge was added and no cycle was closed; otherwise the refusal
   * @throws IllegalStateException if {@code waiter} already waits, or the chooser picks a party off the cycle
   */
  Refusal<P> waitOrRefuse(P waiter, P owner, Function<List<P>, P> chooser) {
    Objects.requireNonNull(waiter, "waiter");
    Objects.requireNonNull(owner, "owner");
    lock.lock();
    try {
      P current = waitsFor.get(waiter);
      if (current != null) {
        throw new IllegalStateException(waiter + " already waits for " + current);
      }
      List<P> cycle = cycleThrough(waiter, owner);
      if (cycle == null) {
        waitsFor.put(waiter, owner);
        return null;
      }
      P victim = chooser == null ? waiter : chooser.apply(cycle);
      Refusal<P> r = new Refusal<>(cycle, victim, waiter);
      if (victim.equals(waiter)) {
        return r;
      }
      if (!cycle.contains(victim)) {
        throw new IllegalStateException(victim + " is not on the cycle " + cycle);
      }
      waitsFor.remove(victim);
      refused.put(victim, r);
      waitsFor.put(waiter, owner);
      return r;
    } finally {
      lock.unlock();
    }
  }

  /**
   * {@code waiter} stops waiting: removes its edge, and returns and forgets the refusal that ended its wait,
   * if {@link #waitOrRefuse} refused it.
   */
  Refusal<P> leave(P waiter) {
    lock.lock();
    try {
      waitsFor.remove(waiter);
      return refused.isEmpty() ? null : refused.remove(waiter);
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
   * {@code waiters} at it, under one acquisition of the lock; parties refused by {@link #waitOrRefuse} keep no
   * edge. Cannot close a cycle, since {@code newOwner} waits for nobody afterwards.
   *
   * @return false, changing nothing, if {@code newOwner} was refused (it is leaving and must not own)
   * @throws IllegalStateException if {@code newOwner} is among {@code waiters}; nothing is changed then
   */
  boolean handOff(P newOwner, Iterable<? extends P> waiters) {
    Objects.requireNonNull(newOwner, "newOwner");
    lock.lock();
    try {
      if (!refused.isEmpty() && refused.containsKey(newOwner)) {
        return false;
      }
      for (P w : waiters) {
        if (w.equals(newOwner)) {
          throw new IllegalStateException(newOwner + " cannot wait for itself");
        }
      }
      waitsFor.remove(newOwner);
      for (P w : waiters) {
        if (refused.isEmpty() || !refused.containsKey(w)) {
          waitsFor.put(w, newOwner);
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** This graph, read-only: a view that cannot be cast back to the graph. */
  public View<P> view() {
    return view;
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

  private static final class ReadOnly<P> implements View<P> {
    private final WaitForGraph<P> graph;

    ReadOnly(WaitForGraph<P> graph) {
      this.graph = graph;
    }

    @Override
    public P waitingFor(P waiter) {
      return graph.waitingFor(waiter);
    }

    @Override
    public Map<P, P> edges() {
      return graph.edges();
    }

    @Override
    public int size() {
      return graph.size();
    }

    @Override
    public String toString() {
      return graph.toString();
    }
  }
}
