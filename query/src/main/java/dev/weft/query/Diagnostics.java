package dev.weft.query;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The diagnostics of an evaluation, in sequential order.
 *
 * <p><b>Implementation overview.</b> A memo's dependency record interleaves its reads (a {@link Memo}, or a
 * {@code Memo[]} for a getAll in key order) with its own reports (a {@link Diagnostic}) in program order, so a
 * depth-first walk of the records from the root, visiting each memo once at its first read, yields exactly
 * the order a single-threaded run of the bodies would have reported in, however the evaluation was
 * scheduled. The walk is iterative (records may be deep) and skips every memo whose {@link Memo#flags} say
 * that neither it nor anything it read reported, so collecting costs nothing for silent subtrees.
 */
final class Diagnostics {
  private Diagnostics() {}

  /** The diagnostics of {@code root} and everything it read, in sequential order. */
  static List<Diagnostic> collect(Memo root) {
    if (!root.hasDiagnostics() || root.deps == null) {
      return List.of();
    }
    ArrayList<Diagnostic> out = new ArrayList<>();
    Set<Memo> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.add(root);
    ArrayDeque<Object[]> arrays = new ArrayDeque<>();
    ArrayDeque<int[]> positions = new ArrayDeque<>();
    arrays.push(root.deps);
    positions.push(new int[1]);
    while (!arrays.isEmpty()) {
      Object[] a = arrays.peek();
      int[] pos = positions.peek();
      if (pos[0] == a.length) {
        arrays.pop();
        positions.pop();
        continue;
      }
      Object e = a[pos[0]++];
      if (e instanceof Memo d) {
        if (seen.add(d) && d.hasDiagnostics() && d.deps != null) {
          arrays.push(d.deps);
          positions.push(new int[1]);
        }
      } else if (e instanceof Memo[] group) {
        arrays.push(group);
        positions.push(new int[1]);
      } else {
        out.add((Diagnostic) e);
      }
    }
    return List.copyOf(out);
  }
}
