package dev.weft.bench;

/**
 * A named contender in a workload: Weft in some configuration, or what a user would pick instead.
 *
 * @param name the row label in the table
 * @param weft whether this row measures Weft
 * @param opener sets the contender up; may throw {@link NotImplemented} while the Weft side is missing
 */
record Alternative(String name, boolean weft, Opener opener) {

  @FunctionalInterface
  interface Opener {
    Measured open() throws Exception;
  }

  static Alternative weft(String name, Opener opener) {
    return new Alternative(name, true, opener);
  }

  static Alternative baseline(String name, Opener opener) {
    return new Alternative(name, false, opener);
  }

  /** Thrown by an opener whose Weft side is not available in this build; reported as "n/a". */
  static final class NotImplemented extends RuntimeException {
    NotImplemented(String what) {
      super(what, null, false, false);
    }
  }
}
