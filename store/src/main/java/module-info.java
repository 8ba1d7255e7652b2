/**
 * Durable and shared memos for the query engine: an embedded local store and a client of the Bazel HTTP cache
 * protocol; see {@link dev.weft.store}. No dependencies beyond Weft's query module and the JDK.
 */
module dev.weft.store {
  requires transitive dev.weft.query;
  requires java.net.http;

  exports dev.weft.store;
}
