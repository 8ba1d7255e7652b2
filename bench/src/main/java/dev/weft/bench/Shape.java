package dev.weft.bench;

/**
 * The dependency shapes of the cold-query workloads. Every node {@code k} is a trivial query:
 * {@code f(k) = k} for a leaf, otherwise {@code 1 + f(dep(k, 0)) + ... }. One iteration computes
 * {@link #roots()} from an empty memo, {@link #queries()} queries in all.
 */
public enum Shape {
  /** 64 independent chains of 256 queries; each reads its predecessor. */
  CHAIN {
    @Override
    boolean leaf(long k) {
      return k % LENGTH == 0;
    }

    @Override
    int arity(long k) {
      return 1;
    }

    @Override
    long dep(long k, int i) {
      return k - 1;
    }

    @Override
    long[] roots() {
      long[] r = new long[CHAINS];
      for (int c = 0; c < CHAINS; c++) {
        r[c] = (long) c * LENGTH + LENGTH - 1;
      }
      return r;
    }

    @Override
    int queries() {
      return CHAINS * LENGTH;
    }
  },
  /** 16 complete binary trees of 1023 queries; an inner node reads its two children. */
  TREE {
    @Override
    boolean leaf(long k) {
      return (k & (TREE_SLOT - 1)) >= TREE_SLOT / 2;
    }

    @Override
    int arity(long k) {
      return 2;
    }

    @Override
    long dep(long k, int i) {
      long base = k & ~(TREE_SLOT - 1);
      long n = k & (TREE_SLOT - 1);
      return base + 2 * n + i;
    }

    @Override
    long[] roots() {
      long[] r = new long[TREES];
      for (int t = 0; t < TREES; t++) {
        r[t] = (long) t * TREE_SLOT + 1;
      }
      return r;
    }

    @Override
    int queries() {
      return TREES * (TREE_SLOT - 1);
    }
  };

  static final int LENGTH = 256;
  static final int CHAINS = 64;
  static final int TREE_SLOT = 1024;
  static final int TREES = 16;

  abstract boolean leaf(long k);

  abstract int arity(long k);

  abstract long dep(long k, int i);

  abstract long[] roots();

  abstract int queries();

  /** The first {@code 1/divisor} of the roots. */
  long[] roots(int divisor) {
    long[] all = roots();
    return java.util.Arrays.copyOf(all, all.length / divisor);
  }

  /**
   * The expected sum of the values of the first {@code 1/divisor} of the roots, computed without a memo
   * (for checking every contender).
   */
  long expected(int divisor) {
    long sum = 0;
    for (long r : roots(divisor)) {
      sum += plain(r);
    }
    return sum;
  }

  private long plain(long k) {
    if (leaf(k)) {
      return k;
    }
    long v = 1;
    for (int i = 0; i < arity(k); i++) {
      v += plain(dep(k, i));
    }
    return v;
  }

  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
