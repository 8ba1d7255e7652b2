package dev.weft.query;

import java.util.Objects;

/**
 * One query applied to one key, as it appears in cycles and failure paths. Renders as {@code name(key)}.
 *
 * @param query the query
 * @param key the key
 */
public record QueryCall(Query<?, ?> query, Object key) {
  public QueryCall {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(key, "key");
  }

  @Override
  public String toString() {
    return query.name() + "(" + key + ")";
  }
}
