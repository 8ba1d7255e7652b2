package dev.weft.srctest.query;

import dev.weft.query.Codecs;
import dev.weft.query.CycleException;
import dev.weft.query.Diagnostic;
import dev.weft.query.Input;
import dev.weft.query.MissingInputException;
import dev.weft.query.Query;
import dev.weft.query.QueryContext;
import dev.weft.query.QueryFailedException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A random query program for differential testing: nodes whose bodies read inputs and other nodes (single
 * reads and {@code getAll}), report diagnostics and sometimes throw, plus rings of nodes that read each other
 * in a cycle. The same program runs on a {@link dev.weft.query.QueryEngine} (through {@link #queries}) and
 * on the sequential {@link Reference} evaluator.
 *
 * <p>Shape, chosen so that DESIGN.md section 4 fixes every outcome:
 * <ul>
 *   <li>Node {@code n} is the query call {@code f(n + 10)} or, if it has a cycle fallback, {@code g(n + 10)};
 *       keys have two digits, so their string order (the engine's canonical order) is their numeric order.</li>
 *   <li>Ring members read an input, then the next member of their ring, some of them only while an input is
 *       even; nothing else. A ring whose edges are all present is therefore a simple cycle whose members
 *       report nothing, and a member's outcome is its fallback or the ring's {@code CycleException},
 *       whichever member the evaluation entered by. A ring with an absent edge is a plain chain.</li>
 *   <li>Every other node reads only ring members and nodes earlier in a random order, so the rest is a DAG.
 *       A body lets the failure of a read propagate, so a node's outcome is its first failing read's, except
 *       for a {@link TryRead}, which catches the failure and goes on with {@link #RECOVERED}.</li>
 *   <li>Inputs have keys {@code 0..inputs}; key {@code inputs} starts unset, so reading it fails with
 *       {@code MissingInputException} until a later revision sets it. Ring members read only set keys.</li>
 * </ul>
 */
final class Program {
  static final int KEY_OFFSET = 10;
  /** What a {@link TryRead} uses in place of a failed read. */
  static final int RECOVERED = -7;

  sealed interface Step permits Read, TryRead, ReadInput, ReadParity, ReadIf, ReadAll, Report, Fail {}

  record Read(int node) implements Step {}

  /** Reads a node and recovers from its failure (or cycle) with {@link #RECOVERED}. */
  record TryRead(int node) implements Step {}

  /** Reads input {@code input}, then node {@code node} only if that input is even. */
  record ReadIf(int input, int node) implements Step {}

  record ReadInput(int input) implements Step {}

  /** Reads an input but uses only its parity, so many input changes are cut off early. */
  record ReadParity(int input) implements Step {}

  /** {@code ctx.getAll} over nodes that share one query, in this order. */
  record ReadAll(List<Integer> nodes) implements Step {}

  record Report(Diagnostic.Severity severity, String message) implements Step {}

  record Fail(String message) implements Step {}

  /**
   * @param ring index of the node's ring, or -1 for a DAG node
   */
  record Node(int id, boolean fallback, int ring, List<Step> steps) {
    int key() {
      return id + KEY_OFFSET;
    }

    String call() {
      return (fallback ? "g" : "f") + "(" + key() + ")";
    }
  }

  final List<Node> nodes;
  final List<List<Integer>> rings;
  final int inputs;

  Program(List<Node> nodes, List<List<Integer>> rings, int inputs) {
    this.nodes = List.copyOf(nodes);
    this.rings = List.copyOf(rings);
    this.inputs = inputs;
  }

  /** A value for a fallback-carrying node on a cycle. */
  static int fallbackValue(int key) {
    return -1000 - key;
  }

  static int mix(int acc, int value) {
    return acc * 31 + value;
  }

  /**
   * A random program.
   *
   * @param size number of nodes, at most 90
   * @param inputs number of input keys set from the start, at most 9
   */
  static Program random(SplittableRandom r, int size, int inputs) {
    if (size > 90 || inputs > 9 || size < 1 || inputs < 1) {
      throw new IllegalArgumentException("size " + size + ", inputs " + inputs);
    }
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      ids.add(i);
    }
    Collections.shuffle(ids, new java.util.Random(r.nextLong()));
    boolean[] fallback = new boolean[size];
    for (int i = 0; i < size; i++) {
      fallback[i] = r.nextInt(3) == 0;
    }
    Node[] nodes = new Node[size];
    List<List<Integer>> rings = new ArrayList<>();
    int next = 0;
    int ringCount = r.nextInt(4);
    for (int c = 0; c < ringCount && next < size; c++) {
      int length = Math.min(1 + r.nextInt(4), size - next);
      List<Integer> ring = List.copyOf(ids.subList(next, next + length));
      next += length;
      rings.add(ring);
      for (int i = 0; i < length; i++) {
        int id = ring.get(i);
        List<Step> steps = new ArrayList<>();
        if (r.nextBoolean()) {
          steps.add(new ReadInput(r.nextInt(inputs)));
        }
        int successor = ring.get((i + 1) % length);
        // Some edges depend on an input: the ring closes only while all of them are even, so the cycle
        // appears and vanishes between revisions.
        steps.add(r.nextInt(3) == 0 ? new ReadIf(r.nextInt(inputs), successor) : new Read(successor));
        nodes[id] = new Node(id, fallback[id], rings.size() - 1, steps);
      }
    }
    List<Integer> ringMembers = new ArrayList<>(ids.subList(0, next));
    List<Integer> earlier = new ArrayList<>();
    for (int p = next; p < size; p++) {
      int id = ids.get(p);
      List<Integer> readable = new ArrayList<>(earlier);
      if (r.nextInt(4) == 0) {
        readable.addAll(ringMembers);
      }
      List<Step> steps = new ArrayList<>();
      int count = r.nextInt(6);
      int reports = 0;
      for (int s = 0; s < count; s++) {
        int kind = r.nextInt(10);
        if (kind < 4 && !readable.isEmpty()) {
          int n = readable.get(r.nextInt(readable.size()));
          steps.add(r.nextInt(4) == 0 ? new TryRead(n) : new Read(n));
        } else if (kind < 6 && readable.size() >= 2) {
          boolean g = r.nextBoolean();
          List<Integer> same = readable.stream().filter(n -> fallback[n] == g).toList();
          if (same.size() >= 2) {
            List<Integer> pick = new ArrayList<>(same);
            Collections.shuffle(pick, new java.util.Random(r.nextLong()));
            List<Integer> group = new ArrayList<>(pick.subList(0, Math.min(pick.size(), 2 + r.nextInt(3))));
            if (r.nextInt(4) == 0) {
              group.add(group.getFirst()); // a repeated key: read twice, its diagnostics once
            }
            steps.add(new ReadAll(List.copyOf(group)));
          }
        } else if (kind < 8) {
          // Input key `inputs` starts unset (MissingInputException) and may be set in a later revision.
          int key = r.nextInt(12) == 0 ? inputs : r.nextInt(inputs);
          steps.add(r.nextBoolean() ? new ReadInput(key) : new ReadParity(key));
        } else {
          Diagnostic.Severity sev = Diagnostic.Severity.values()[r.nextInt(3)];
          steps.add(new Report(sev, "n" + id + "." + reports++));
        }
      }
      if (r.nextInt(8) == 0) {
        steps.add(new Fail("boom " + (id + KEY_OFFSET)));
      }
      nodes[id] = new Node(id, fallback[id], -1, steps);
      earlier.add(id);
    }
    return new Program(List.of(nodes), rings, inputs);
  }

  /** The engine-side view of this program: the two node queries and the input. */
  final class Queries {
    final Input<Integer, Integer> input;
    final Query<Integer, Integer> f;
    final Query<Integer, Integer> g;

    /** @param lru LRU capacity of both node queries, or -1 for none */
    Queries(int lru) {
      this(lru, false);
    }

    /**
     * @param lru LRU capacity of both node queries, or -1 for none
     * @param kept whether the queries and the input carry codecs, so that a store keeps their memos
     */
    Queries(int lru, boolean kept) {
      Query<Integer, Integer> f = Query.of("f", this::body);
      Query<Integer, Integer> g = Query.<Integer, Integer>of("g", this::body)
          .withCycleFallback((key, cycle) -> fallbackValue(key));
      if (kept) {
        f = f.withCodec(Codecs.INT, Codecs.INT);
        g = g.withCodec(Codecs.INT, Codecs.INT);
      }
      this.f = lru < 0 ? f : f.withLru(lru);
      this.g = lru < 0 ? g : g.withLru(lru);
      this.input = kept ? Query.<Integer, Integer>input("in").withCodec(Codecs.INT, Codecs.INT)
          : Query.input("in");
    }

    Query<Integer, Integer> queryOf(int node) {
      return nodes.get(node).fallback() ? g : f;
    }

    private Integer body(QueryContext ctx, Integer key) {
      Node node = nodes.get(key - KEY_OFFSET);
      int acc = key;
      for (Step step : node.steps()) {
        switch (step) {
          case Read(int n) -> acc = mix(acc, ctx.get(queryOf(n), n + KEY_OFFSET));
          case TryRead(int n) -> {
            int v;
            try {
              v = ctx.get(queryOf(n), n + KEY_OFFSET);
            } catch (QueryFailedException | CycleException | MissingInputException e) {
              v = RECOVERED;
            }
            acc = mix(acc, v);
          }
          case ReadInput(int i) -> acc = mix(acc, ctx.get(input, i));
          case ReadParity(int i) -> acc = mix(acc, ctx.get(input, i) % 2);
          case ReadIf(int i, int n) -> {
            int v = ctx.get(input, i);
            acc = mix(acc, v);
            if (v % 2 == 0) {
              acc = mix(acc, ctx.get(queryOf(n), n + KEY_OFFSET));
            }
          }
          case ReadAll(List<Integer> ns) -> {
            List<Integer> keys = ns.stream().map(n -> n + KEY_OFFSET).toList();
            for (int v : ctx.getAll(queryOf(ns.getFirst()), keys)) {
              acc = mix(acc, v);
            }
          }
          case Report(Diagnostic.Severity sev, String message) -> ctx.report(switch (sev) {
            case ERROR -> Diagnostic.error(message);
            case WARNING -> Diagnostic.warning(message);
            case INFO -> Diagnostic.info(message);
          });
          case Fail(String message) -> throw new IllegalStateException(message);
        }
      }
      return acc;
    }
  }

  Queries queries(int lru) {
    return new Queries(lru);
  }

  Queries keptQueries(int lru) {
    return new Queries(lru, true);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Program[inputs=").append(inputs).append(", rings=");
    for (List<Integer> ring : rings) {
      sb.append(ring.stream().map(n -> nodes.get(n).call()).toList());
    }
    sb.append("]");
    for (Node n : nodes) {
      sb.append("\n  ").append(n.call()).append(n.ring() >= 0 ? " ring" + n.ring() : "").append(": ")
          .append(n.steps());
    }
    return sb.toString();
  }
}
