package dev.weft.bench;

import java.util.HashMap;

/**
 * The 100k-query graph of the incremental workload. {@link #SOURCES} inputs {@code src(i)}; {@code mid(i)}
 * reads {@code src(i)} and returns whether it is non-negative, so changing a source from one positive value to
 * another re-executes one {@code mid} whose value stays the same (the cutoff after one level);
 * {@code leaf(j)} reads {@code mid(j % SOURCES)}; {@code group(g)} reads {@link #PER_GROUP} leaves;
 * {@code root} reads every group.
 */
final class IncrementalGraph {
  static final int SOURCES = 1_000;
  static final int GROUPS = 1_000;
  static final int PER_GROUP = 97;
  static final int LEAVES = GROUPS * PER_GROUP;
  /** src, mid, leaf, group and root queries. */
  static final int QUERIES = SOURCES + SOURCES + LEAVES + GROUPS + 1;
  /** Recorded dependencies: mid→src, leaf→mid, group→leaf, root→group. */
  static final int EDGES = SOURCES + LEAVES + LEAVES + GROUPS;

  private IncrementalGraph() {}

  static int midOf(int source) {
    return source >= 0 ? 1 : 0;
  }

  static int leafOf(int j, int mid) {
    return mid + j % 7;
  }

  /** The root's value when every source is non-negative. */
  static long expectedRoot() {
    long sum = 0;
    for (int j = 0; j < LEAVES; j++) {
      sum += leafOf(j, 1);
    }
    return sum;
  }

  /** Recomputes the whole graph with plain HashMap memos, the way a non-incremental program would. */
  static long scratch(int[] sources) {
    HashMap<Integer, Integer> mid = new HashMap<>();
    HashMap<Integer, Integer> leaf = new HashMap<>();
    HashMap<Integer, Long> group = new HashMap<>();
    long root = 0;
    for (int g = 0; g < GROUPS; g++) {
      long sum = 0;
      for (int j = g * PER_GROUP; j < (g + 1) * PER_GROUP; j++) {
        Integer l = leaf.get(j);
        if (l == null) {
          int s = j % SOURCES;
          Integer m = mid.get(s);
          if (m == null) {
            m = midOf(sources[s]);
            mid.put(s, m);
          }
          l = leafOf(j, m);
          leaf.put(j, l);
        }
        sum += l;
      }
      group.put(g, sum);
      root += sum;
    }
    return root;
  }
}
