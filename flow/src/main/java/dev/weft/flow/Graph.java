package dev.weft.flow;

import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

/**
 * A static dataflow graph: sources set from outside, nodes computed from typed inputs, and
 * {@link #stabilize()} that recomputes only what changed.
 *
 * {@snippet :
 * Graph.Builder b = Graph.builder();
 * Source<Integer> s = b.source(1);
 * Node<Integer> a = b.node(x -> x + 1, s);
 * Node<Integer> d = b.node((x, y) -> x + y, s, a);
 * Graph g = b.build(scheduler);   // computes every node once
 * g.get(d);                       // 3
 * g.set(s, 5);
 * g.stabilize();                  // a = 6, d = 11
 * }
 *
 * <p><b>Model.</b> The shape is fixed at {@link Builder#build}: ports are numbered in creation order, which
 * is a topological order because a node's inputs must exist before it. Each node gets a height (sources 0,
 * a node one more than its highest input) and a list of dependents. {@link #set} stores a source value and,
 * if it differs ({@link Objects#equals}) from the old one, marks the source's dependents dirty.
 * {@link #stabilize()} visits the dirty nodes height by height, lowest first; a recomputed node whose value
 * equals its old value is cut off (its dependents are not marked), otherwise its dependents are marked. A
 * node is therefore computed at most once per stabilize, after all of its inputs, and only if one of its
 * inputs changed. Between two stabilizes, {@link #get} returns a source's latest value and a node's value as
 * of the last stabilize.
 *
 * <p><b>States of a node.</b> current → dirty (an input changed) → current (recomputed) or failed (its
 * function threw). A failed node keeps its last good value, stays dirty, and makes its whole downstream cone
 * <em>stale</em>: dirty nodes in the cone are skipped and stay dirty, and {@link #get} of any node in the cone
 * throws {@link GraphException} naming the failed node. Nodes outside the cone are recomputed normally, so a
 * failure poisons nothing else. The next stabilize clears the stale marks and retries the failed node first
 * (it is still dirty); once it succeeds the graph is consistent again.
 *
 * <p><b>Parallelism policy.</b> Nodes of one height never depend on each other. A height with at least
 * {@link Builder#parallelThreshold} dirty nodes, on a scheduler with more than one carrier, is split into
 * one contiguous slice per carrier, each computed by a task spawned on the scheduler (the calling thread
 * computes one slice itself if it is one of the scheduler's own threads, and waits otherwise); the
 * bookkeeping (cutoff, marking dependents, failures) then runs on the calling thread in slice order, so the
 * outcome is the same as sequential. Smaller heights, and every height on a one-carrier or deterministic
 * scheduler, run inline on the calling thread: spawning and joining a task costs microseconds, which only
 * pays off when the height has tens of nodes to share out. An empty stabilize checks one counter and returns.
 *
 * <p><b>Threads.</b> A graph is not thread-safe: call {@code set}, {@code stabilize} and {@code get} from one
 * thread at a time. Node functions must not call the graph (doing so throws {@link IllegalStateException}).
 * With parallel heights, node functions of one height run concurrently; each node's function, and a stateful
 * node's state, is only ever used by one thread at a time.
 *
 * <p><b>Differences from Jane Street's Incremental.</b> Incremental's graph is dynamic ({@code bind} changes
 * the shape, so heights are adjusted as it runs), nodes are computed only while observed, and its recompute
 * heap keeps linked lists per height. Here the shape is fixed, every node is always live, heights are computed
 * once, and each height's dirty set is a preallocated {@code int} array, so marking and visiting cost an array
 * store each. In Incremental an exception raised by a node aborts {@code stabilize} and later stabilizes
 * refuse to run; here a failure is contained to its cone and the graph recovers. Incremental recomputes on one
 * thread; here wide heights are computed in parallel.
 */
public final class Graph {
  private static final byte SKIPPED = 0;
  private static final byte SAME = 1;
  private static final byte CHANGED = 2;
  private static final byte FAILED = 3;
  /** {@link #evaluate}'s result for a node whose input failed: it is skipped and stays dirty. */
  private static final Object SKIP = new Object();

  private final Builder owner;
  private final Scheduler scheduler;
  private final String[] names;
  private final NodeDef[] defs;
  private final int[] height;
  private final int[][] children;
  private final int maxHeight;
  private final int threshold;
  private final int carriers;

  private final Object[] values;
  private final boolean[] queued;
  private final int[][] bucket;
  private final int[] bucketSize;
  private int pending;
  private int minDirty;
  private final int[] staleBy;
  private final Throwable[] failure;
  private int[] staleList = new int[8];
  private int staleCount;
  /** Results and statuses of one height computed in slices on the scheduler; null if no height can be. */
  private final Object[] results;
  private final byte[] status;
  private GraphStats last = GraphStats.EMPTY;
  private boolean stabilizing;

  private Graph(Builder b, Scheduler scheduler) {
    this.owner = b;
    this.scheduler = scheduler;
    int n = b.defs.size();
    this.names = new String[n];
    this.defs = b.defs.toArray(new NodeDef[0]);
    this.height = new int[n];
    this.values = new Object[n];
    this.queued = new boolean[n];
    this.staleBy = new int[n];
    this.failure = new Throwable[n];
    Arrays.fill(staleBy, -1);
    int[] childCount = new int[n];
    int max = 0;
    for (int id = 0; id < n; id++) {
      Port<?> port = b.ports.get(id);
      names[id] = port.name();
      NodeDef def = defs[id];
      if (def == null) {
        values[id] = b.initial.get(id);
        continue;
      }
      int h = 0;
      for (int in : def.inputs) {
        h = Math.max(h, height[in]);
        childCount[in]++;
      }
      height[id] = h + 1;
      max = Math.max(max, h + 1);
    }
    this.maxHeight = max;
    this.children = new int[n][];
    for (int id = 0; id < n; id++) {
      children[id] = new int[childCount[id]];
      childCount[id] = 0;
    }
    int[] perHeight = new int[max + 1];
    for (int id = 0; id < n; id++) {
      NodeDef def = defs[id];
      if (def != null) {
        perHeight[height[id]]++;
        for (int in : def.inputs) {
          // A node reading the same input twice is one dependent, not two.
          int[] c = children[in];
          if (childCount[in] == 0 || c[childCount[in] - 1] != id) {
            c[childCount[in]++] = id;
          }
        }
      }
    }
    int widest = 0;
    for (int id = 0; id < n; id++) {
      if (childCount[id] != children[id].length) {
        children[id] = Arrays.copyOf(children[id], childCount[id]);
      }
    }
    this.bucket = new int[max + 1][];
    this.bucketSize = new int[max + 1];
    for (int h = 0; h <= max; h++) {
      bucket[h] = new int[perHeight[h]];
      widest = Math.max(widest, perHeight[h]);
    }
    this.carriers = scheduler.isDeterministic() ? 1 : scheduler.stats().carriers();
    this.threshold = b.parallelThreshold;
    boolean mayParallel = carriers > 1 && widest >= threshold;
    this.results = mayParallel ? new Object[widest] : null;
    this.status = mayParallel ? new byte[widest] : null;
    this.minDirty = Integer.MAX_VALUE;
    for (int id = 0; id < n; id++) {
      if (defs[id] != null) {
        enqueue(id);
      }
    }
  }

  /** A new, empty builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The value of {@code port}: a source's latest value, or a node's value as of the last stabilize.
   *
   * @throws GraphException if the node, or a node it depends on, failed in the last stabilize
   * @throws IllegalArgumentException if the port belongs to another graph
   */
  @SuppressWarnings("unchecked")
  public <T> T get(Port<T> port) {
    int id = idOf(port);
    checkNotStabilizing("get");
    int f = staleBy[id];
    if (f >= 0) {
      throw f == id
          ? new GraphException(names[f], "failed", failure[f])
          : new GraphException(names[f], "failed, so '" + names[id] + "' has no current value", failure[f]);
    }
    return (T) values[id];
  }

  /**
   * Sets a source's value. If it differs from the old value ({@link Objects#equals}), the source's dependents
   * become dirty; they are recomputed by the next {@link #stabilize()}.
   *
   * @throws IllegalArgumentException if the source belongs to another graph
   */
  public <T> void set(Source<T> source, T value) {
    int id = idOf(source);
    checkNotStabilizing("set");
    if (Objects.equals(values[id], value)) {
      return;
    }
    values[id] = value;
    enqueueChildren(id);
  }

  /**
   * Recomputes every dirty node, lowest height first, cutting off propagation where a value did not change.
   * Nodes independent of a failing node are still recomputed.
   *
   * @throws GraphException naming the first failing node in topological order (later failures are suppressed
   *     exceptions); the graph stays usable
   * @throws IllegalStateException if called from a node function
   */
  public void stabilize() {
    checkNotStabilizing("stabilize");
    if (pending == 0) {
      last = GraphStats.EMPTY;
      return;
    }
    StabilizeEvent event = new StabilizeEvent();
    event.begin();
    try {
      recompute("failed");
    } finally {
      event.end(); // before shouldCommit, which compares the duration with the threshold
      if (event.shouldCommit()) {
        GraphStats s = last;
        event.recomputed = s.recomputed();
        event.cutOff = s.cutOff();
        event.failed = s.failed();
        event.parallelLevels = s.parallelLevels();
        event.commit();
      }
    }
  }

  /** What the last stabilize (or the initial computation) did. */
  public GraphStats stats() {
    return last;
  }

  private void checkNotStabilizing(String what) {
    if (stabilizing) {
      throw new IllegalStateException("Graph." + what + " called from a node function during stabilize");
    }
  }

  private int idOf(Port<?> port) {
    Objects.requireNonNull(port, "port");
    Builder o;
    int id;
    if (port instanceof Source<?> s) {
      o = s.owner;
      id = s.id;
    } else {
      Node<?> node = (Node<?>) port;
      o = node.owner;
      id = node.id;
    }
    if (o != owner) {
      throw new IllegalArgumentException(port + " belongs to another graph");
    }
    return id;
  }

  private void enqueue(int id) {
    queued[id] = true;
    int h = height[id];
    bucket[h][bucketSize[h]++] = id;
    pending++;
    if (h < minDirty) {
      minDirty = h;
    }
  }

  private void enqueueChildren(int id) {
    for (int c : children[id]) {
      if (!queued[c]) {
        enqueue(c);
      }
    }
  }

  /** Processes the dirty nodes; {@code what} words the failure ("failed", "failed while building"). */
  private void recompute(String what) {
    stabilizing = true;
    try {
      clearStale();
      int recomputed = 0;
      int cut = 0;
      int failed = 0;
      int parallelLevels = 0;
      GraphException first = null;
      int keptTotal = 0;
      int lowestKept = Integer.MAX_VALUE;
      for (int h = minDirty; h <= maxHeight && pending > keptTotal; h++) {
        int n = bucketSize[h];
        if (n == 0) {
          continue;
        }
        int[] b = bucket[h];
        boolean parallel = n >= threshold && carriers > 1;
        if (parallel) {
          parallelLevels++;
          computeParallel(b, n);
        }
        // Bookkeeping in slot order on this thread, whoever computed the node. Nodes of one height never read
        // each other, and a failure stales only higher nodes, so the order of computing changes no outcome.
        int kept = 0;
        for (int i = 0; i < n; i++) {
          int id = b[i];
          Object v;
          byte st;
          if (parallel) {
            v = results[i];
            st = status[i];
            results[i] = null;
          } else {
            v = evaluate(id);
            st = classify(id, v);
          }
          switch (st) {
            case SAME -> {
              queued[id] = false;
              pending--;
              recomputed++;
              cut++;
            }
            case CHANGED -> {
              queued[id] = false;
              pending--;
              recomputed++;
              values[id] = v;
              enqueueChildren(id);
            }
            case FAILED -> {
              Throwable error = ((Thrown) v).error();
              failed++;
              failure[id] = error;
              markStale(id);
              GraphException e = new GraphException(names[id], what, error);
              if (first == null) {
                first = e;
              } else {
                first.addSuppressed(e);
              }
              b[kept++] = id;
            }
            default -> b[kept++] = id; // skipped: an input failed; retried next time
          }
        }
        bucketSize[h] = kept;
        keptTotal += kept;
        if (kept > 0 && h < lowestKept) {
          lowestKept = h;
        }
      }
      minDirty = lowestKept;
      last = new GraphStats(recomputed, cut, failed, parallelLevels);
      if (first != null) {
        throw first;
      }
    } finally {
      stabilizing = false;
    }
  }

  /** Computes one height's nodes into {@code results/status}, in slices on the scheduler. */
  private void computeParallel(int[] b, int n) {
    int slices = Math.min(carriers, n);
    int per = (n + slices - 1) / slices;
    boolean owned = scheduler.owns(Thread.currentThread());
    List<Task<Void>> tasks = new ArrayList<>(slices);
    for (int s = owned ? 1 : 0; s < slices; s++) {
      int from = s * per;
      int to = Math.min(n, from + per);
      if (from < to) {
        try {
          tasks.add(scheduler.spawn("stabilize-" + s, () -> {
            computeRange(b, from, to);
            return null;
          }));
        } catch (IllegalStateException closed) {
          computeRange(b, from, to); // the scheduler is closed: compute this slice here instead
        }
      }
    }
    if (owned) {
      computeRange(b, 0, Math.min(n, per));
    }
    boolean interrupted = false;
    for (Task<Void> t : tasks) {
      while (true) {
        try {
          t.join();
          break;
        } catch (CancellationException e) {
          interrupted |= Thread.interrupted();
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Computes the nodes in slots {@code [from, to)} of one height into {@code results/status}. */
  private void computeRange(int[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      int id = b[i];
      Object v = evaluate(id);
      results[i] = v;
      status[i] = classify(id, v);
    }
  }

  /** The function of a node threw; a private type, so no node value can be mistaken for it. */
  private record Thrown(Throwable error) {}

  /**
   * Runs node {@code id}'s function on its inputs' current values: the one place a node function runs, for
   * the inline and the parallel path. Returns the new value, {@link #SKIP} if a node it depends on failed in
   * this stabilize, or a {@link Thrown}.
   */
  private Object evaluate(int id) {
    if (staleBy[id] >= 0) {
      return SKIP;
    }
    try {
      return defs[id].compute(values);
    } catch (Throwable t) {
      return new Thrown(t);
    }
  }

  /** What {@link #evaluate}'s result means for node {@code id}: skipped, failed, cut off or changed. */
  private byte classify(int id, Object v) {
    if (v == SKIP) {
      return SKIPPED;
    }
    if (v instanceof Thrown) {
      return FAILED;
    }
    return Objects.equals(values[id], v) ? SAME : CHANGED;
  }

  private void markStale(int failed) {
    int[] stack = new int[16];
    int top = 0;
    stale(failed, failed);
    stack[top++] = failed;
    while (top > 0) {
      int id = stack[--top];
      for (int c : children[id]) {
        if (staleBy[c] < 0) {
          stale(c, failed);
          if (top == stack.length) {
            stack = Arrays.copyOf(stack, top * 2);
          }
          stack[top++] = c;
        }
      }
    }
  }

  private void stale(int id, int failed) {
    staleBy[id] = failed;
    if (staleCount == staleList.length) {
      staleList = Arrays.copyOf(staleList, staleCount * 2);
    }
    staleList[staleCount++] = id;
  }

  private void clearStale() {
    for (int i = 0; i < staleCount; i++) {
      int id = staleList[i];
      staleBy[id] = -1;
      failure[id] = null;
    }
    staleCount = 0;
  }

  @Override
  public String toString() {
    return "Graph[" + names.length + " ports, height " + maxHeight + ", " + pending + " dirty]";
  }

  // ---- node functions

  /** The function of a one-input node. */
  @FunctionalInterface
  public interface NodeFunction1<A, R> {
    /** Computes the node's value. */
    R apply(A a) throws Exception;
  }

  /** The function of a two-input node. */
  @FunctionalInterface
  public interface NodeFunction2<A, B, R> {
    /** Computes the node's value. */
    R apply(A a, B b) throws Exception;
  }

  /** The function of a three-input node. */
  @FunctionalInterface
  public interface NodeFunction3<A, B, C, R> {
    /** Computes the node's value. */
    R apply(A a, B b, C c) throws Exception;
  }

  /** The function of a node over a group of inputs. */
  @FunctionalInterface
  public interface NodeFunctionAll<T, R> {
    /** Computes the node's value from the inputs' values, in the order the inputs were given (read-only). */
    R apply(List<T> values) throws Exception;
  }

  /** The function of a one-input stateful node. */
  @FunctionalInterface
  public interface StatefulFunction1<S, A, R> {
    /** Computes the node's value, reading and updating {@code state}. */
    R apply(S state, A a) throws Exception;
  }

  /** The function of a two-input stateful node. */
  @FunctionalInterface
  public interface StatefulFunction2<S, A, B, R> {
    /** Computes the node's value, reading and updating {@code state}. */
    R apply(S state, A a, B b) throws Exception;
  }

  /**
   * Describes a graph: sources, then nodes over existing ports. Not thread-safe; used once.
   *
   * <ul>
   *   <li>Each method returns a new port; a node's inputs must come from this builder.</li>
   *   <li>{@link #build} computes every node once and freezes the builder: adding ports or renaming them
   *       afterwards throws {@link IllegalStateException}.</li>
   * </ul>
   */
  public static final class Builder {
    final List<NodeDef> defs = new ArrayList<>();
    final List<Object> initial = new ArrayList<>();
    final List<Port<?>> ports = new ArrayList<>();
    int parallelThreshold = 64;
    private boolean built;

    Builder() {}

    /** A source with an initial value ({@code null} allowed). */
    public <T> Source<T> source(T initialValue) {
      checkOpen();
      Source<T> s = new Source<>(this, ports.size());
      add(s, null, initialValue);
      return s;
    }

    /** A node computed from one input. */
    public <A, R> Node<R> node(NodeFunction1<? super A, ? extends R> fn, Port<A> a) {
      Objects.requireNonNull(fn, "fn");
      return node(new NodeDef.Of1(fn, id(a)));
    }

    /** A node computed from two inputs. */
    public <A, B, R> Node<R> node(NodeFunction2<? super A, ? super B, ? extends R> fn, Port<A> a, Port<B> b) {
      Objects.requireNonNull(fn, "fn");
      return node(new NodeDef.Of2(fn, id(a), id(b)));
    }

    /** A node computed from three inputs. */
    public <A, B, C, R> Node<R> node(NodeFunction3<? super A, ? super B, ? super C, ? extends R> fn,
        Port<A> a, Port<B> b, Port<C> c) {
      Objects.requireNonNull(fn, "fn");
      return node(new NodeDef.Of3(fn, id(a), id(b), id(c)));
    }

    /**
     * A node computed from a group of inputs whose length is known only at run time. The function receives
     * their values as a read-only list in the order of {@code inputs}.
     */
    public <T, R> Node<R> nodeOfAll(List<? extends Port<? extends T>> inputs, NodeFunctionAll<T, ? extends R> fn) {
      Objects.requireNonNull(fn, "fn");
      int[] ids = new int[inputs.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = id(inputs.get(i));
      }
      return node(new NodeDef.OfAll(fn, ids));
    }

    /**
     * A node with private mutable state. {@code initialState} is called once, at this call; the same state
     * object is passed to every run of {@code fn}, which may read and update it. The function runs once per
     * stabilize in which its input changed (not when the input was cut off), never concurrently with itself.
     * The state is not rolled back if the function throws. The value returned should not be the state
     * object itself, or the cutoff (comparing old and new value with {@code equals}) would always see
     * "unchanged".
     */
    public <S, A, R> Node<R> stateful(Supplier<? extends S> initialState,
        StatefulFunction1<? super S, ? super A, ? extends R> fn, Port<A> a) {
      Objects.requireNonNull(fn, "fn");
      return node(new NodeDef.Stateful1(fn, initialState.get(), id(a)));
    }

    /** A stateful node over two inputs; see {@link #stateful(Supplier, StatefulFunction1, Port)}. */
    public <S, A, B, R> Node<R> stateful(Supplier<? extends S> initialState,
        StatefulFunction2<? super S, ? super A, ? super B, ? extends R> fn, Port<A> a, Port<B> b) {
      Objects.requireNonNull(fn, "fn");
      return node(new NodeDef.Stateful2(fn, initialState.get(), id(a), id(b)));
    }

    /**
     * The least number of dirty nodes of one height for them to be computed in parallel on the scheduler
     * (default 64). Lower it for heavy node functions.
     *
     * @throws IllegalArgumentException if {@code nodes < 1}
     */
    public Builder parallelThreshold(int nodes) {
      if (nodes < 1) {
        throw new IllegalArgumentException("parallel threshold must be at least 1, got " + nodes);
      }
      this.parallelThreshold = nodes;
      return this;
    }

    /**
     * Builds the graph and computes every node once, on the calling thread and {@code scheduler} (see the
     * parallelism policy in {@link Graph}).
     *
     * @throws GraphException if a node's function throws (the first in topological order)
     * @throws IllegalStateException if this builder was already built
     */
    public Graph build(Scheduler scheduler) {
      Objects.requireNonNull(scheduler, "scheduler");
      checkOpen();
      built = true;
      Graph g = new Graph(this, scheduler);
      g.recompute("failed while building the graph");
      return g;
    }

    private <R> Node<R> node(NodeDef def) {
      checkOpen();
      Node<R> n = new Node<>(this, ports.size());
      add(n, def, null);
      return n;
    }

    private void add(Port<?> port, NodeDef def, Object value) {
      ports.add(port);
      defs.add(def);
      initial.add(value);
    }

    private int id(Port<?> port) {
      Objects.requireNonNull(port, "input port");
      int id = port instanceof Source<?> s ? s.id : ((Node<?>) port).id;
      Builder o = port instanceof Source<?> s ? s.owner : ((Node<?>) port).owner;
      if (o != this) {
        throw new IllegalArgumentException(port + " belongs to another graph builder");
      }
      return id;
    }

    String rename(String name) {
      checkOpen();
      java.util.Objects.requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      return name;
    }

    private void checkOpen() {
      if (built) {
        throw new IllegalStateException("graph already built; the builder is frozen");
      }
    }
  }
}
