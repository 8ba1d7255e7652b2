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
public sealed interface Input<K, V> extends Query<K, V> permits QueryDef.InputDef {}
