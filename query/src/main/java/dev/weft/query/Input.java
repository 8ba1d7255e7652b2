package dev.weft.query;

/**
 * A query whose values are given by {@link QueryEngine#set} rather than computed. Reading a key that was
 * never set throws {@link MissingInputException}. Create one with {@link Query#input(String)}.
 *
 * <p>For an input, {@link #withCutoff} decides when {@link QueryEngine#set} is a no-op, and
 * {@link #withCodec} lets a {@link MemoStore} fingerprint its values (so memos that read it can be kept);
 * {@link #withCycleFallback}, {@link #withLru}, {@link #withFixpoint} and {@link #withVersion} have no effect.
 * The {@code withX} methods of an input return inputs.
 *
 * @param <K> key type
 * @param <V> value type
 */
public sealed interface Input<K, V> extends Query<K, V> permits QueryDef.InputDef {
  @Override
  @CheckReturnValue
  Input<K, V> withCycleFallback(CycleFallback<K, V> fallback);

  @Override
  @CheckReturnValue
  Input<K, V> withCutoff(java.util.function.BiPredicate<? super V, ? super V> same);

  @Override
  @CheckReturnValue
  Input<K, V> withLru(int capacity);

  @Override
  @CheckReturnValue
  Input<K, V> withFixpoint(java.util.function.Function<? super K, ? extends V> initial);

  @Override
  @CheckReturnValue
  Input<K, V> withFixpoint(java.util.function.Function<? super K, ? extends V> initial, int maxRounds);

  @Override
  @CheckReturnValue
  Input<K, V> withCodec(Codec<K> keys, Codec<V> values);

  @Override
  @CheckReturnValue
  Input<K, V> withVersion(String version);
}
