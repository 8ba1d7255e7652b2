/**
 * {@code weft-demo}: the analysis of a Java source tree as Weft queries ({@link dev.weft.demo.Main}).
 * Everything but {@code Main} is package-private.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.demo;
