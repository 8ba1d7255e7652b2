/**
 * Memoized, incremental queries on virtual threads; see {@link dev.weft.query}. Micrometer is optional:
 * {@link dev.weft.query.QueryEngineMetrics} needs it at run time.
 */
module dev.weft.query {
  requires transitive dev.weft.scheduler;
  requires jdk.jfr;
  requires static micrometer.core;

  exports dev.weft.query;
}
