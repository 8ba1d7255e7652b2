package dev.weft.bench;

/**
 * A static graph as an adapter: one source feeding a chain of {@link #NODES} nodes {@code x + 1}.
 * {@link Chain#change} sets the source to a new value and stabilizes, recomputing every node;
 * {@link Chain#noChange} stabilizes with nothing dirty.
 */
enum GraphKind {
  WEFT_PARALLEL_1("Weft Graph, parallel(1)"),
  WEFT_PARALLEL_2("Weft Graph, parallel(2)"),
  ARRAY("hand-written array recompute with cutoff (floor)");

  static final int NODES = 1_000;

  final String label;

  GraphKind(String label) {
    this.label = label;
  }

  interface Chain extends AutoCloseable {
    /** Sets the source to {@code value}, stabilizes, returns the last node's value. */
    long change(int value) throws Exception;

    /** Stabilizes with no source changed. */
    void noChange() throws Exception;

    @Override
    default void close() {}
  }

  Chain open() {
    return switch (this) {
      case WEFT_PARALLEL_1 -> WeftSide.graph(1);
      case WEFT_PARALLEL_2 -> WeftSide.graph(2);
      case ARRAY -> new Chain() {
        private final int[] values = new int[NODES + 1];
        private boolean dirty;

        @Override
        public long change(int value) {
          if (values[0] != value) {
            values[0] = value;
            dirty = true;
          }
          stabilize();
          return values[NODES];
        }

        @Override
        public void noChange() {
          stabilize();
        }

        private void stabilize() {
          if (!dirty) {
            return;
          }
          dirty = false;
          for (int i = 1; i <= NODES; i++) {
            int v = values[i - 1] + 1;
            if (v == values[i]) {
              return;
            }
            values[i] = v;
          }
        }
      };
    };
  }
}
