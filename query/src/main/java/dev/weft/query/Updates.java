package dev.weft.query;

import java.util.Map;

/**
 * The writes of one {@link QueryEngine#update} transaction: every set and remove made through it lands in one
 * revision, with one cancellation of running evaluations, and no read sees some of them without the others.
 * The handle is valid only inside the transaction's function.
 *
 * {@snippet :
 * engine.update(tx -> {
 *   tx.set(source, "A.java", "class A {}");
 *   tx.set(source, "B.java", "class B {}");
 *   tx.remove(source, "Old.java");
 * });
 * }
 *
 * <p>Writes apply in call order, so a later write of one key wins. A write equal to the current value (by the
 * input's cutoff, same durability) changes nothing; a transaction that changes nothing starts no revision.
 */
public interface Updates {
  /** Sets {@code input} at {@code key} to {@code value}, durability {@link Durability#LOW}. */
  <K, V> Updates set(Input<K, V> input, K key, V value);

  /** Sets {@code input} at {@code key} to {@code value} with {@code durability}. */
  <K, V> Updates set(Input<K, V> input, K key, V value, Durability durability);

  /** Sets {@code input} at every key of {@code values}, durability {@link Durability#LOW}. */
  <K, V> Updates setAll(Input<K, V> input, Map<? extends K, ? extends V> values);

  /** Removes {@code input} at {@code key}: reading it then behaves as if it had never been set. */
  <K, V> Updates remove(Input<K, V> input, K key);

  /** Sets the singleton {@code input} ({@link Query#singleton}) to {@code value}, durability {@link Durability#LOW}. */
  default <V> Updates set(Input<Unit, V> input, V value) {
    return set(input, Unit.VALUE, value, Durability.LOW);
  }

  /** Sets the singleton {@code input} to {@code value} with {@code durability}. */
  default <V> Updates set(Input<Unit, V> input, V value, Durability durability) {
    return set(input, Unit.VALUE, value, durability);
  }

  /** Removes the value of the singleton {@code input}. */
  default <V> Updates remove(Input<Unit, V> input) {
    return remove(input, Unit.VALUE);
  }
}
