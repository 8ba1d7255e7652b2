package dev.weft.query;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;

/**
 * Encodes values of one type to bytes and back, so that a {@link MemoStore} can keep memos across processes
 * and share them across machines ({@link Query#withCodec}). Built-in codecs for the common types, and
 * combinators for lists, sets, maps, optionals and records, are in {@link Codecs}.
 *
 * <p>Rules a codec must follow (the engine relies on them for correctness across processes):
 * <ul>
 *   <li><b>Deterministic.</b> Equal values (by the query's cutoff) encode to equal bytes, in every process:
 *       fingerprints of the bytes, not the values, decide whether a stored result is reused. Sort the elements
 *       of sets and maps (the built-ins do); never encode identity hash codes, iteration order of hash-based
 *       collections, or timestamps. An encoding found to differ for one value is reported once.</li>
 *   <li><b>Self-delimiting.</b> {@code read} consumes exactly what {@code write} produced, so codecs compose.</li>
 *   <li><b>Total on its own output.</b> {@code read} of bytes that {@code write} produced returns an equal
 *       value. On anything else it may throw (any exception): the engine then recomputes and warns once; it
 *       never returns a half-read value to a reader.</li>
 * </ul>
 * There is no Java serialization anywhere in Weft: bytes from a store or a remote cache are only ever turned
 * into objects by the query's own codec.
 *
 * @param <T> the value type
 */
public interface Codec<T> {
  /** Writes {@code value} (never null). */
  void write(T value, DataOutput out) throws IOException;

  /** Reads one value written by {@link #write}. */
  T read(DataInput in) throws IOException;

  /**
   * A codec of {@code U} that converts to and from this codec's type: {@code Codecs.STRING.map(URI::create,
   * URI::toString)}.
   */
  default <U> Codec<U> map(Function<? super T, ? extends U> decode, Function<? super U, ? extends T> encode) {
    Objects.requireNonNull(decode, "decode");
    Objects.requireNonNull(encode, "encode");
    Codec<T> self = this;
    return new Codec<>() {
      @Override
      public void write(U value, DataOutput out) throws IOException {
        self.write(encode.apply(value), out);
      }

      @Override
      public U read(DataInput in) throws IOException {
        return decode.apply(self.read(in));
      }
    };
  }
}
