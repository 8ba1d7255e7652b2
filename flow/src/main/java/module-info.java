/**
 * Pipelines and static graphs on Weft's scheduler; see {@link dev.weft.flow}. Micrometer is optional:
 * {@link dev.weft.flow.metrics} needs it at run time.
 */
module dev.weft.flow {
  requires transitive dev.weft.scheduler;
  requires jdk.jfr;
  requires static micrometer.core;

  exports dev.weft.flow;
  exports dev.weft.flow.metrics;
}
