package dev.weft.srctest.query;

import dev.weft.srctest.query.Program.Fail;
import dev.weft.srctest.query.Program.Node;
import dev.weft.srctest.query.Program.Read;
import dev.weft.srctest.query.Program.ReadAll;
import dev.weft.srctest.query.Program.ReadIf;
import dev.weft.srctest.query.Program.ReadInput;
import dev.weft.srctest.query.Program.ReadParity;
import dev.weft.srctest.query.Program.Report;
import dev.weft.srctest.query.Program.Step;
import dev.weft.srctest.query.Program.TryRead;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A plain sequential evaluator of a {@link Program}: what DESIGN.md section 4 says a single-threaded,
 * depth-first run computes, written without any of the engine's machinery.
 *
 * <ul>
 *   <li>While every edge of a ring is present, a member's outcome is its fallback value, or the ring's cycle
 *       message in canonical rotation (starting at the smallest call by query name, then key). A ring with an
 *       absent edge is evaluated like any other node.</li>
 *   <li>Any other node runs its steps in order; the first read whose outcome is not a value ends the body
 *       with that outcome (a {@code getAll} reads every node first, then takes the first failure in its key
 *       order); a {@code Fail} step ends it with that failure; otherwise the value is the mix of what it read.</li>
 *   <li>The diagnostics of an evaluation are a depth-first walk from the root: a body's own reports and its
 *       reads in program order, {@code getAll} in key order, each node once, at its first read, stopping where
 *       the body stopped.</li>
 * </ul>
 */
final class Reference {
  private final Program program;
  private final Integer[] inputs;
  private final Map<Integer, Outcome> memo = new HashMap<>();

  /** @param inputs input values by key; null for a key never set */
  Reference(Program program, Integer[] inputs) {
    this.program = program;
    this.inputs = inputs.clone();
  }

  Outcome outcome(int node) {
    Outcome o = memo.get(node);
    if (o == null) {
      o = compute(program.nodes.get(node));
      memo.put(node, o);
    }
    return o;
  }

  private Outcome compute(Node node) {
    if (node.ring() >= 0 && closed(program.rings.get(node.ring()))) {
      return node.fallback()
          ? new Outcome.Value(Program.fallbackValue(node.key()))
          : new Outcome.Cycle(cycleMessage(program.rings.get(node.ring())));
    }
    int acc = node.key();
    for (Step step : node.steps()) {
      switch (step) {
        case Read(int n) -> {
          Outcome o = outcome(n);
          if (!(o instanceof Outcome.Value(Object v))) {
            return o;
          }
          acc = Program.mix(acc, (Integer) v);
        }
        case TryRead(int n) -> acc = Program.mix(acc,
            outcome(n) instanceof Outcome.Value(Object v) ? (Integer) v : Program.RECOVERED);
        case ReadInput(int i) -> {
          if (inputs[i] == null) {
            return new Outcome.Failed("MissingInputException");
          }
          acc = Program.mix(acc, inputs[i]);
        }
        case ReadParity(int i) -> {
          if (inputs[i] == null) {
            return new Outcome.Failed("MissingInputException");
          }
          acc = Program.mix(acc, inputs[i] % 2);
        }
        case ReadIf(int i, int n) -> {
          acc = Program.mix(acc, inputs[i]);
          if (inputs[i] % 2 == 0) {
            Outcome o = outcome(n);
            if (!(o instanceof Outcome.Value(Object v))) {
              return o;
            }
            acc = Program.mix(acc, (Integer) v);
          }
        }
        case ReadAll(List<Integer> ns) -> {
          List<Outcome> os = ns.stream().map(this::outcome).toList();
          for (Outcome o : os) {
            if (!o.isValue()) {
              return o;
            }
          }
          for (Outcome o : os) {
            acc = Program.mix(acc, (Integer) ((Outcome.Value) o).value());
          }
        }
        case Report r -> { }
        case Fail(String message) -> {
          return new Outcome.Failed("IllegalStateException: " + message);
        }
      }
    }
    return new Outcome.Value(acc);
  }

  /** Whether every edge of {@code ring} is present under the current inputs, making it a cycle. */
  private boolean closed(List<Integer> ring) {
    for (int id : ring) {
      for (Step step : program.nodes.get(id).steps()) {
        if (step instanceof ReadIf(int i, int n) && inputs[i] % 2 != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** The rustc-shaped message of a ring, rotated to start at its smallest call. */
  String cycleMessage(List<Integer> ring) {
    List<String> calls = ring.stream().map(n -> program.nodes.get(n).call()).toList();
    int min = 0;
    for (int i = 1; i < calls.size(); i++) {
      if (calls.get(i).compareTo(calls.get(min)) < 0) {
        min = i;
      }
    }
    StringBuilder sb = new StringBuilder("cycle detected when computing ").append(calls.get(min));
    for (int i = 1; i < calls.size(); i++) {
      sb.append("\n  ...which requires computing ").append(calls.get((min + i) % calls.size()));
    }
    return sb.append("\n  ...which again requires computing ").append(calls.get(min))
        .append(", completing the cycle").toString();
  }

  /** Diagnostics of evaluating {@code root}, rendered as {@code severity: message}. */
  List<String> diagnostics(int root) {
    List<String> out = new ArrayList<>();
    walk(root, new HashSet<>(), out);
    return out;
  }

  private void walk(int id, Set<Integer> seen, List<String> out) {
    if (!seen.add(id)) {
      return;
    }
    Node node = program.nodes.get(id);
    for (Step step : node.steps()) {
      switch (step) {
        case Read(int n) -> {
          walk(n, seen, out);
          if (!outcome(n).isValue()) {
            return;
          }
        }
        case TryRead(int n) -> walk(n, seen, out);
        case ReadInput(int i) -> {
          if (inputs[i] == null) {
            return;
          }
        }
        case ReadParity(int i) -> {
          if (inputs[i] == null) {
            return;
          }
        }
        case ReadIf(int i, int n) -> {
          if (inputs[i] % 2 == 0) {
            walk(n, seen, out);
            if (!outcome(n).isValue()) {
              return;
            }
          }
        }
        case ReadAll(List<Integer> ns) -> {
          for (int n : ns) {
            walk(n, seen, out);
          }
          if (ns.stream().anyMatch(n -> !outcome(n).isValue())) {
            return;
          }
        }
        case Report(var severity, String message) ->
            out.add(severity.name().toLowerCase(Locale.ROOT) + ": " + message);
        case Fail f -> {
          return;
        }
      }
    }
  }
}
