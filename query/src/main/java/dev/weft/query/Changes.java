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
 *
 * <p>Each revision is a node on the previous one's chain, so a revision allocates one small node (and a copy
 * of {@code lastChanged} when a value changed), not a copy of the window: a {@code set} is cheap even while
 * inputs are loaded one by one. A chain is copied down to the window when it reaches twice its length.
 */
final class Changes {
  static final int WINDOW = 64;
  private static final int LEVELS = Durability.values().length;

  static final Changes NONE = new Changes(new long[LEVELS], 0L, 0L, null, 0);

  private final long[] lastChanged;
  /** This revision's stamp and the input bits it changed; nothing when {@code kept == 0} (no revision yet). */
  private final long stamp;
  private final long bits;
  /** The revision before, or null when this chain keeps no more. */
  private final Changes previous;
  /** The revisions on this chain, this one included. */
  private final int kept;

  private Changes(long[] lastChanged, long stamp, long bits, Changes previous, int kept) {
    this.lastChanged = lastChanged;
    this.stamp = stamp;
    this.bits = bits;
    this.previous = previous;
    this.kept = kept;
  }

  /**
   * The changes after revision {@code stamp}, which changed inputs with bits {@code changedBits}, the highest
   * durability among them {@code durability} (or -1 for a revision that changed no value, e.g. a durability
   * lowered).
   */
  Changes next(long stamp, long changedBits, int durability) {
    long[] lc = lastChanged;
    if (durability >= 0) {
      lc = lc.clone();
      for (int d = 0; d <= durability; d++) {
        lc[d] = stamp;
      }
    }
    if (kept == 0) {
      return new Changes(lc, stamp, changedBits, null, 1);
    }
    if (kept < 2 * WINDOW) {
      return new Changes(lc, stamp, changedBits, this, kept + 1);
    }
    Changes[] last = new Changes[WINDOW - 1]; // newest first
    Changes c = this;
    for (int i = 0; i < last.length; i++, c = c.previous) {
      last[i] = c;
    }
    Changes chain = null;
    for (int i = last.length - 1; i >= 0; i--) {
      Changes o = last[i];
      chain = new Changes(o.lastChanged, o.stamp, o.bits, chain, last.length - i);
    }
    return new Changes(lc, stamp, changedBits, chain, WINDOW);
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
    int n = 0;
    for (Changes c = kept == 0 ? null : this; c != null && c.stamp > since; c = c.previous) {
      if (n++ == WINDOW) {
        return false; // revisions older than the window may have changed anything
      }
      changed |= c.bits;
    }
    return n < WINDOW && (changed & inputs) == 0;
  }

  @Override
  public String toString() {
    return "Changes[lastChanged=" + Arrays.toString(lastChanged) + ", " + Math.min(kept, WINDOW) + " revisions]";
  }
}
