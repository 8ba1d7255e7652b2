package dev.weft.query;

import java.util.List;
import java.util.Optional;

/** An evaluation outcome: a value, or a failure thrown afresh on {@link #value()}. */
record EvaluationImpl<V>(V ok, Failure failed, List<Diagnostic> diagnostics) implements Evaluation<V> {
  @Override
  public V value() {
    if (failed != null) {
      throw failed.toException();
    }
    return ok;
  }

  @Override
  public Optional<Throwable> failure() {
    return failed == null ? Optional.empty() : Optional.of(failed.toException());
  }

  @Override
  public boolean isOk() {
    return failed == null;
  }

  @Override
  public V valueOr(V other) {
    return failed == null ? ok : other;
  }

  @Override
  public String toString() {
    return "Evaluation[" + (failed == null ? "value=" + ok : "failure=" + failed) + ", diagnostics="
        + diagnostics + "]";
  }
}
