/**
 * Durable and shared memos for {@link dev.weft.query.QueryEngine}: {@code LocalStore}, an embedded store in one
 * directory, and {@code RemoteCache}, a client of the Bazel HTTP cache protocol. Both implement
 * {@link dev.weft.query.MemoStore}.
 *
 * <p>Parameters and return values are non-null unless documented otherwise.
 */
package dev.weft.store;
