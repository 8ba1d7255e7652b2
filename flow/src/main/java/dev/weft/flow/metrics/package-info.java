/**
 * Micrometer binders for Weft flow. Micrometer is an optional dependency of weft-flow: add
 * {@code micrometer-core} to use this package; nothing else in Weft loads it.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.flow.metrics;
