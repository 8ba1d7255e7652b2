package dev.weft.query;

import java.util.Arrays;

/**
 * What changed in an engine's recent revisions, for the O(1) revalidation of stale memos ({@link Verify#shallow}).
 * Immutable: the gate replaces it at each revision (volatile write) while no evaluation runs.
 *
 * <p><b>Implementation overview.</b> Two summaries, both conservative (they may say "changed" for a memo
 * whose inputs did not change, never the reverse):
 * <ul>
 *   <li><b>Durability</b> (Salsa's durability check): {@code lastChanged[d]} is the stamp of the last revision
 *       in which an input of durability {@code >= d} changed. A memo of durability {@code d} verified at
 *       {@code v >= lastChanged[d]} read nothing that changed since.</li>
 *   <li><b>Input filter</b>: every input memo has one bit of 64 ({@link Memo#inputs}); every derived memo keeps
 *       the union of its dependencies' bits, a one-hash Bloom filter of the inputs it depends on transitively.
 *       Each revision records the union of the bits of the inputs it changed. A memo verified at {@code v}
 *       whose filter meets none of the bits of the revisions after {@code v} depends on no changed input. With
 *       a few inputs per memo (a file's parse, its declarations) the filter rules out most unrelated edits, so
 *       a revision's verification walks only the cone of what changed and its false positives; aggregate memos
 *       have full filters and are walked as before.</li>
 * </ul>
 * A memo's summaries are recomputed from its dependencies whenever it is executed or verified by walking them,
 * which keeps them supersets of what it depends on now. The window of revisions kept for the filter is
 * {@link #WINDOW}; a memo verified before it counts as "maybe changed".
 */
final class Changes {
  static final int WINDOW = 64;
  private static final int LEVELS = Durability.values().length;

  static final Changes NONE = new Changes(new long[LEVELS], new long[0], new long[0]);

  private final long[] lastChanged;
  /** Stamps of the last revisions, oldest first, and the input bits each changed. */
  private final long[] stamps;
  private final long[] bits;

  private Changes(long[] lastChanged, long[] stamps, long[] bits) {
    this.lastChanged = lastChanged;
    this.stamps = stamps;
    this.bits = bits;
  }

  /**
   * The changes after revision {@code stamp}, which changed inputs with bits {@code changedBits}, the highest
   * durability among them {@code durability} (or -1 for a revision that changed no value, e.g. a durability
   * lowered).
   */
  Changes next(long stamp, long changedBits, int durability) {
    long[] lc = lastChanged.clone();
    for (int d = 0; d <= durability; d++) {
      lc[d] = stamp;
    }
    int n = Math.min(stamps.length + 1, WINDOW);
    long[] s = new long[n];
    long[] b = new long[n];
    int keep = n - 1;
    System.arraycopy(stamps, stamps.length - keep, s, 0, keep);
    System.arraycopy(bits, bits.length - keep, b, 0, keep);
    s[keep] = stamp;
    b[keep] = changedBits;
    return new Changes(lc, s, b);
  }

  /** Whether no input of durability {@code >= durability} changed after {@code since}. */
  boolean classUnchangedSince(int durability, long since) {
    return lastChanged[durability] <= since;
  }

  /**
   * Whether a memo of durability {@code durability} with input filter {@code inputs}, verified at
   * {@code since}, depends on no input changed after {@code since} (up to the revision this snapshot ends at).
   */
  boolean unchangedSince(int durability, long inputs, long since) {
    if (classUnchangedSince(durability, since)) {
      return true;
    }
    long changed = 0;
    int i = stamps.length - 1;
    for (; i >= 0 && stamps[i] > since; i--) {
      changed |= bits[i];
    }
    if (i < 0 && stamps.length == WINDOW) {
      return false; // revisions older than the window may have changed anything
    }
    return (changed & inputs) == 0;
  }

  @Override
  public String toString() {
    return "Changes[lastChanged=" + Arrays.toString(lastChanged) + ", " + stamps.length + " revisions]";
  }
}
