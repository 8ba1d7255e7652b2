package dev.weft.store;

import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.Set;

/** Logs each kind of problem of one store once, through {@link System.Logger}; later ones are only counted. */
final class Warnings {
  /** The kinds of problems a store reports. */
  enum Kind {
    /** Another process holds the directory: this store reads only. */
    LOCKED,
    /** The directory cannot be created or written. */
    UNWRITABLE,
    /** A file named like the store's is not one of its files. */
    FOREIGN,
    /** A store of another format version. */
    VERSION,
    /** A traces file ends in an unfinished checkpoint or corrupt records. */
    DISCARDED,
    /** A trace that could not be decoded. */
    CORRUPT_TRACE,
    /** A value missing, cut short, or not matching its fingerprint. */
    CORRUPT_VALUE,
    /** A trace given to {@code write} whose value could not be loaded or did not match. */
    BAD_INPUT,
    /** A checkpoint could not be written. */
    WRITE_FAILED,
    /** Compaction failed; the store keeps its previous files. */
    COMPACTION_FAILED,
    /** Old files could not be deleted. */
    CLEANUP_FAILED
  }

  private static final System.Logger LOG = System.getLogger("dev.weft.store.LocalStore");

  private final String where;
  private final Set<Kind> given = EnumSet.noneOf(Kind.class);

  Warnings(String where) {
    this.where = where;
  }

  /** Logs {@code message} if no problem of {@code kind} was logged before; returns whether it was. */
  boolean warn(Kind kind, String message) {
    synchronized (given) {
      if (!given.add(kind)) {
        return false;
      }
    }
    LOG.log(Level.WARNING, "Weft store " + where + ": " + message + " (further problems of this kind are counted, not logged)");
    return true;
  }

  boolean given(Kind kind) {
    synchronized (given) {
      return given.contains(kind);
    }
  }
}
