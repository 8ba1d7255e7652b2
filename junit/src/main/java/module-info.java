/**
 * A JUnit Jupiter test kit for code running on Weft; see {@link dev.weft.junit}.
 */
module dev.weft.junit {
  requires transitive dev.weft.scheduler;
  requires transitive org.junit.jupiter.api;

  exports dev.weft.junit;
  // JUnit instantiates the (package-private) extensions that @WeftTest names.
  opens dev.weft.junit to org.junit.platform.commons;
}
