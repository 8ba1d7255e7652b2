package dev.weft.query;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Built-in {@link Codec}s for the values queries usually hold, and combinators that build codecs of
 * collections and records from codecs of their parts.
 *
 * {@snippet :
 * record Import(String name, boolean isStatic) {}
 * Codec<Import> importCodec = Codecs.record(
 *     Codecs.STRING, Import::name, Codecs.BOOLEAN, Import::isStatic, Import::new);
 * Codec<List<Import>> imports = Codecs.list(importCodec);
 * }
 *
 * <p>The encodings are deterministic (equal values give equal bytes, in every process and on every platform)
 * and self-delimiting:
 * <ul>
 *   <li>Numbers are big-endian and fixed-width; a {@code double} is written by
 *       {@link Double#doubleToLongBits}, so every NaN encodes alike. Lengths and counts are unsigned
 *       varints.</li>
 *   <li>Strings are standard UTF-8; a string with an unpaired surrogate cannot be encoded and {@code write}
 *       throws, rather than writing a lossy form.</li>
 *   <li>{@link #set} and {@link #map} sort their elements (keys) by their encoded bytes, so the order in which
 *       a set or map was built does not matter, whatever the element codec. Reading gives an unmodifiable
 *       set or map that iterates in that order. Two elements that encode alike are an error.</li>
 *   <li>Enums are written by name, so reordering constants keeps stored values readable; a renamed
 *       constant fails to read (the engine then recomputes).</li>
 * </ul>
 *
 * <p>Reading never trusts the input: every length is checked against a limit (256 MiB for bytes and strings,
 * 2<sup>24</sup> elements per collection), large arrays grow only as bytes arrive, and malformed input (bad
 * UTF-8, an unknown enum name, elements out of order, a flag byte other than 0 or 1) throws
 * {@link IOException}. Nested values read only as deep as their codecs are nested, except notes of a
 * {@link #DIAGNOSTIC}, which are limited to 32 levels.
 */
public final class Codecs {
  private Codecs() {}

  /** The key of a {@link Query#singleton singleton}: no bytes at all. */
  public static final Codec<Unit> UNIT = BuiltinCodecs.UNIT;

  /** UTF-8, length-prefixed. */
  public static final Codec<String> STRING = BuiltinCodecs.STRING;

  /** Four bytes, big-endian. */
  public static final Codec<Integer> INT = BuiltinCodecs.INT;

  /** Eight bytes, big-endian. */
  public static final Codec<Long> LONG = BuiltinCodecs.LONG;

  /** The eight bytes of {@link Double#doubleToLongBits} (one NaN). */
  public static final Codec<Double> DOUBLE = BuiltinCodecs.DOUBLE;

  /** One byte, 0 or 1. */
  public static final Codec<Boolean> BOOLEAN = BuiltinCodecs.BOOLEAN;

  /** A length-prefixed byte array (read as a new array). */
  public static final Codec<byte[]> BYTES = BuiltinCodecs.BYTES;

  /**
   * A path in a platform-independent form: its root (if any, with {@code /} as the separator) and its name
   * elements. A relative path written on one platform reads as the same relative path on any other; read
   * paths belong to the default file system.
   */
  public static final Codec<Path> PATH = BuiltinCodecs.PATH;

  /**
   * A {@link Diagnostic} by its fields: severity, message, location, code and notes (recursively, at most 32
   * levels deep). Any implementation of {@link Diagnostic} is written; reading gives the built-in form, equal
   * to {@code Diagnostic.of(severity, message)} with the same location, code and notes.
   */
  public static final Codec<Diagnostic> DIAGNOSTIC = new DiagnosticCodec();

  /** An enum constant by its name. */
  public static <E extends Enum<E>> Codec<E> enumOf(Class<E> type) {
    return BuiltinCodecs.enumOf(type);
  }

  /** A list: its size, then its elements in order. Reads an unmodifiable list; null elements are refused. */
  public static <T> Codec<List<T>> list(Codec<T> element) {
    return BuiltinCodecs.list(element);
  }

  /**
   * A set, sorted by the encoded bytes of its elements (unsigned lexicographic), so equal sets encode alike
   * whatever their iteration order. Reads an unmodifiable set iterating in that order.
   */
  public static <T> Codec<Set<T>> set(Codec<T> element) {
    return BuiltinCodecs.set(element);
  }

  /**
   * A map, sorted by the encoded bytes of its keys (unsigned lexicographic), so equal maps encode alike
   * whatever their iteration order. Reads an unmodifiable map iterating in that order.
   */
  public static <K, V> Codec<Map<K, V>> map(Codec<K> key, Codec<V> value) {
    return BuiltinCodecs.map(key, value);
  }

  /** An optional: a presence byte, then the value if present. */
  public static <T> Codec<Optional<T>> optional(Codec<T> element) {
    return BuiltinCodecs.optional(element);
  }

  /**
   * A codec that also accepts {@code null} (a presence byte, then the value if present); for record
   * components and fields that may be null.
   */
  public static <T> Codec<T> nullable(Codec<T> element) {
    Objects.requireNonNull(element, "element");
    return new NullableCodec<>(element);
  }

  /** A record of one component: {@code Codecs.record(Codecs.STRING, Name::value, Name::new)}. */
  public static <R, A> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Function<? super A, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(c -> constructor.apply(cast(c[0])), a, ga);
  }

  /** A record of two components, written in the order given. */
  public static <R, A, B> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Codec<B> b, Function<? super R, ? extends B> gb,
      BiFunction<? super A, ? super B, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(c -> constructor.apply(cast(c[0]), cast(c[1])), a, ga, b, gb);
  }

  /** A record of three components, written in the order given. */
  public static <R, A, B, C> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Codec<B> b, Function<? super R, ? extends B> gb, Codec<C> c, Function<? super R, ? extends C> gc,
      Constructor3<? super A, ? super B, ? super C, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(x -> constructor.apply(cast(x[0]), cast(x[1]), cast(x[2])), a, ga, b, gb, c, gc);
  }

  /** A record of four components, written in the order given. */
  public static <R, A, B, C, D> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Codec<B> b, Function<? super R, ? extends B> gb, Codec<C> c, Function<? super R, ? extends C> gc,
      Codec<D> d, Function<? super R, ? extends D> gd,
      Constructor4<? super A, ? super B, ? super C, ? super D, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(x -> constructor.apply(cast(x[0]), cast(x[1]), cast(x[2]), cast(x[3])),
        a, ga, b, gb, c, gc, d, gd);
  }

  /** A record of five components, written in the order given. */
  public static <R, A, B, C, D, E> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Codec<B> b, Function<? super R, ? extends B> gb, Codec<C> c, Function<? super R, ? extends C> gc,
      Codec<D> d, Function<? super R, ? extends D> gd, Codec<E> e, Function<? super R, ? extends E> ge,
      Constructor5<? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(
        x -> constructor.apply(cast(x[0]), cast(x[1]), cast(x[2]), cast(x[3]), cast(x[4])),
        a, ga, b, gb, c, gc, d, gd, e, ge);
  }

  /** A record of six components, written in the order given. */
  public static <R, A, B, C, D, E, F> Codec<R> record(Codec<A> a, Function<? super R, ? extends A> ga,
      Codec<B> b, Function<? super R, ? extends B> gb, Codec<C> c, Function<? super R, ? extends C> gc,
      Codec<D> d, Function<? super R, ? extends D> gd, Codec<E> e, Function<? super R, ? extends E> ge,
      Codec<F> f, Function<? super R, ? extends F> gf,
      Constructor6<? super A, ? super B, ? super C, ? super D, ? super E, ? super F, ? extends R> constructor) {
    Objects.requireNonNull(constructor, "constructor");
    return RecordCodec.of(
        x -> constructor.apply(cast(x[0]), cast(x[1]), cast(x[2]), cast(x[3]), cast(x[4]), cast(x[5])),
        a, ga, b, gb, c, gc, d, gd, e, ge, f, gf);
  }

  /**
   * A record class, one codec per component in declaration order, through its accessors and canonical
   * constructor found with {@code lookup} (pass {@code MethodHandles.lookup()} from code that can see the
   * record):
   *
   * {@snippet :
   * record Span(String file, int line, Optional<String> label) {}
   * Codec<Span> span = Codecs.record(Span.class, MethodHandles.lookup(),
   *     Codecs.STRING, Codecs.INT, Codecs.optional(Codecs.STRING));
   * }
   *
   * A primitive component takes the codec of its wrapper type; a component that may be null takes a
   * {@link #nullable} codec. Component types are checked against the codecs only when values are written
   * and read (a mismatch fails there).
   *
   * @throws IllegalArgumentException if {@code type} is not a record, the number of codecs differs from the
   *     number of components, or {@code lookup} cannot access the accessors or the canonical constructor
   */
  public static <R extends Record> Codec<R> record(Class<R> type, MethodHandles.Lookup lookup,
      Codec<?>... components) {
    return RecordCodec.reflective(type, lookup, components);
  }

  /**
   * The bytes of {@code value} encoded by {@code codec}.
   *
   * @throws IOException if the codec cannot encode the value
   */
  public static <T> byte[] encode(Codec<T> codec, T value) throws IOException {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(value, "value");
    return CodecSupport.encode(codec, value);
  }

  /**
   * The value {@code codec} reads from all of {@code bytes}. Any failure of the codec, and bytes left over
   * after the value, throw {@link IOException}.
   */
  public static <T> T decode(Codec<T> codec, byte[] bytes) throws IOException {
    Objects.requireNonNull(codec, "codec");
    Objects.requireNonNull(bytes, "bytes");
    return CodecSupport.decode(codec, bytes);
  }

  /** Builds a record of three components. */
  @FunctionalInterface
  public interface Constructor3<A, B, C, R> {
    R apply(A a, B b, C c);
  }

  /** Builds a record of four components. */
  @FunctionalInterface
  public interface Constructor4<A, B, C, D, R> {
    R apply(A a, B b, C c, D d);
  }

  /** Builds a record of five components. */
  @FunctionalInterface
  public interface Constructor5<A, B, C, D, E, R> {
    R apply(A a, B b, C c, D d, E e);
  }

  /** Builds a record of six components. */
  @FunctionalInterface
  public interface Constructor6<A, B, C, D, E, F, R> {
    R apply(A a, B b, C c, D d, E e, F f);
  }

  static boolean readFlag(DataInput in) throws IOException {
    int b = in.readUnsignedByte();
    if (b > 1) {
      throw new IOException("flag byte " + b + " is neither 0 nor 1");
    }
    return b == 1;
  }

  static <T> T notNull(T value) throws IOException {
    if (value == null) {
      throw new IOException("codec read null");
    }
    return value;
  }

  @SuppressWarnings("unchecked")
  private static <T> T cast(Object o) {
    return (T) o;
  }

  /** {@link #nullable}. */
  record NullableCodec<T>(Codec<T> element) implements Codec<T> {
    @Override
    public void write(T value, DataOutput out) throws IOException {
      out.writeByte(value == null ? 0 : 1);
      if (value != null) {
        element.write(value, out);
      }
    }

    @Override
    public T read(DataInput in) throws IOException {
      return readFlag(in) ? notNull(element.read(in)) : null;
    }

    @Override
    public String toString() {
      return "Codecs.nullable(" + element + ")";
    }
  }
}
