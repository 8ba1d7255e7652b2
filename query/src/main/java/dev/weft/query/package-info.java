/**
 * Memoized, incremental queries on virtual threads: {@link dev.weft.query.QueryEngine},
 * {@link dev.weft.query.Query} and the {@link dev.weft.query.QueryContext} a query body reads through.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 *
 * <p><b>Memory-ordering vocabulary.</b> A memo's result, dependency record and changed-at revision are plain
 * fields published by the volatile write of its verified-at revision ("release" below); every reader reads
 * verified-at first ("acquire") and the result after it. A memo's claim (its owning frame) is a volatile
 * field changed only by compare-and-set; its release is a volatile write of {@code null}. Comments at these
 * points name the ordering they rely on.
 */
package dev.weft.query;
