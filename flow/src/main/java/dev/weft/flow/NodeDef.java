package dev.weft.flow;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * What a {@link Graph} node computes: its function and the ids of its inputs, one subclass per shape of
 * {@link Graph.Builder} method. {@link #compute} reads the inputs' values from the graph's value array (ids
 * are array indexes) and calls the function; the graph does everything else (order, cutoff, failures,
 * parallel slices). Raw types inside: the builder's signatures checked the types when the node was made.
 */
@SuppressWarnings({"unchecked", "rawtypes"})
abstract sealed class NodeDef
    permits NodeDef.Of1, NodeDef.Of2, NodeDef.Of3, NodeDef.OfAll, NodeDef.Stateful1, NodeDef.Stateful2 {
  /** Input ids, in the order the function takes them; a node's inputs always have smaller ids. */
  final int[] inputs;

  NodeDef(int... inputs) {
    this.inputs = inputs;
  }

  /** Runs the node's function on the current values of its inputs. */
  abstract Object compute(Object[] values) throws Exception;

  static final class Of1 extends NodeDef {
    private final Graph.NodeFunction1 fn;
    private final int a;

    Of1(Graph.NodeFunction1<?, ?> fn, int a) {
      super(a);
      this.fn = fn;
      this.a = a;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      return fn.apply(v[a]);
    }
  }

  static final class Of2 extends NodeDef {
    private final Graph.NodeFunction2 fn;
    private final int a;
    private final int b;

    Of2(Graph.NodeFunction2<?, ?, ?> fn, int a, int b) {
      super(a, b);
      this.fn = fn;
      this.a = a;
      this.b = b;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      return fn.apply(v[a], v[b]);
    }
  }

  static final class Of3 extends NodeDef {
    private final Graph.NodeFunction3 fn;
    private final int a;
    private final int b;
    private final int c;

    Of3(Graph.NodeFunction3<?, ?, ?, ?> fn, int a, int b, int c) {
      super(a, b, c);
      this.fn = fn;
      this.a = a;
      this.b = b;
      this.c = c;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      return fn.apply(v[a], v[b], v[c]);
    }
  }

  /** A runtime-length group: the function gets a fresh read-only list, so it may keep it. */
  static final class OfAll extends NodeDef {
    private final Graph.NodeFunctionAll fn;

    OfAll(Graph.NodeFunctionAll<?, ?> fn, int[] inputs) {
      super(inputs);
      this.fn = fn;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      Object[] args = new Object[inputs.length];
      for (int i = 0; i < args.length; i++) {
        args[i] = v[inputs[i]];
      }
      return fn.apply(new Values(args));
    }
  }

  /** One input and private state; the graph never runs one node on two threads at once. */
  static final class Stateful1 extends NodeDef {
    private final Graph.StatefulFunction1 fn;
    private final Object state;
    private final int a;

    Stateful1(Graph.StatefulFunction1<?, ?, ?> fn, Object state, int a) {
      super(a);
      this.fn = fn;
      this.state = state;
      this.a = a;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      return fn.apply(state, v[a]);
    }
  }

  static final class Stateful2 extends NodeDef {
    private final Graph.StatefulFunction2 fn;
    private final Object state;
    private final int a;
    private final int b;

    Stateful2(Graph.StatefulFunction2<?, ?, ?, ?> fn, Object state, int a, int b) {
      super(a, b);
      this.fn = fn;
      this.state = state;
      this.a = a;
      this.b = b;
    }

    @Override
    Object compute(Object[] v) throws Exception {
      return fn.apply(state, v[a], v[b]);
    }
  }

  /** A read-only list over a fresh array of input values. */
  private static final class Values extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;

    Values(Object[] items) {
      this.items = items;
    }

    @Override
    public Object get(int index) {
      return items[index];
    }

    @Override
    public int size() {
      return items.length;
    }
  }
}
