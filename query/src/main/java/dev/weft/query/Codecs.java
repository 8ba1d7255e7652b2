package dev.weft.query;

import static dev.weft.query.CodecSupport.MAX_COUNT;
import static dev.weft.query.CodecSupport.readLength;
import static dev.weft.query.CodecSupport.writeVarint;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
  public static final Codec<Unit> UNIT = new Codec<>() {
    @Override
    public void write(Unit value, DataOutput out) {}

    @Override
    public Unit read(DataInput in) {
      return Unit.VALUE;
    }

    @Override
    public String toString() {
      return "Codecs.UNIT";
    }
  };

  /** UTF-8, length-prefixed. */
  public static final Codec<String> STRING = new Codec<>() {
    @Override
    public void write(String value, DataOutput out) throws IOException {
      CodecSupport.writeString(out, value);
    }

    @Override
    public String read(DataInput in) throws IOException {
      return CodecSupport.readString(in);
    }

    @Override
    public String toString() {
      return "Codecs.STRING";
    }
  };

  /** Four bytes, big-endian. */
  public static final Codec<Integer> INT = new Codec<>() {
    @Override
    public void write(Integer value, DataOutput out) throws IOException {
      out.writeInt(value);
    }

    @Override
    public Integer read(DataInput in) throws IOException {
      return in.readInt();
    }

    @Override
    public String toString() {
      return "Codecs.INT";
    }
  };

  /** Eight bytes, big-endian. */
  public static final Codec<Long> LONG = new Codec<>() {
    @Override
    public void write(Long value, DataOutput out) throws IOException {
      out.writeLong(value);
    }

    @Override
    public Long read(DataInput in) throws IOException {
      return in.readLong();
    }

    @Override
    public String toString() {
      return "Codecs.LONG";
    }
  };

  /** The eight bytes of {@link Double#doubleToLongBits} (one NaN). */
  public static final Codec<Double> DOUBLE = new Codec<>() {
    @Override
    public void write(Double value, DataOutput out) throws IOException {
      out.writeLong(Double.doubleToLongBits(value));
    }

    @Override
    public Double read(DataInput in) throws IOException {
      return Double.longBitsToDouble(in.readLong());
    }

    @Override
    public String toString() {
      return "Codecs.DOUBLE";
    }
  };

  /** One byte, 0 or 1. */
  public static final Codec<Boolean> BOOLEAN = new Codec<>() {
    @Override
    public void write(Boolean value, DataOutput out) throws IOException {
      out.writeByte(value ? 1 : 0);
    }

    @Override
    public Boolean read(DataInput in) throws IOException {
      return readFlag(in);
    }

    @Override
    public String toString() {
      return "Codecs.BOOLEAN";
    }
  };

  /** A length-prefixed byte array (read as a new array). */
  public static final Codec<byte[]> BYTES = new Codec<>() {
    @Override
    public void write(byte[] value, DataOutput out) throws IOException {
      CodecSupport.writeBytes(out, value);
    }

    @Override
    public byte[] read(DataInput in) throws IOException {
      return CodecSupport.readBytes(in);
    }

    @Override
    public String toString() {
      return "Codecs.BYTES";
    }
  };

  /**
   * A path in a platform-independent form: its root (if any, with {@code /} as the separator) and its name
   * elements. A relative path written on one platform reads as the same relative path on any other; read
   * paths belong to the default file system.
   */
  public static final Codec<Path> PATH = new Codec<>() {
    @Override
    public void write(Path value, DataOutput out) throws IOException {
      Path root = value.getRoot();
      out.writeByte(root == null ? 0 : 1);
      if (root != null) {
        CodecSupport.writeString(out, root.toString().replace('\\', '/'));
      }
      int n = value.getNameCount();
      writeVarint(out, n);
      for (int i = 0; i < n; i++) {
        CodecSupport.writeString(out, value.getName(i).toString());
      }
    }

    @Override
    public Path read(DataInput in) throws IOException {
      String root = readFlag(in) ? CodecSupport.readString(in) : null;
      int n = readLength(in, MAX_COUNT);
      String[] names = new String[n];
      for (int i = 0; i < n; i++) {
        String name = CodecSupport.readString(in);
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0
            || (name.isEmpty() && (n > 1 || root != null))) {
          throw new IOException("malformed path element '" + name + "'");
        }
        names[i] = name;
      }
      try {
        if (root != null) {
          return Path.of(root + String.join("/", names));
        }
        return n == 0 ? Path.of("") : Path.of(names[0], Arrays.copyOfRange(names, 1, n));
      } catch (InvalidPathException e) {
        throw new IOException("path not valid on this platform: " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() {
      return "Codecs.PATH";
    }
  };

  /**
   * A {@link Diagnostic} by its fields: severity, message, location, code and notes (recursively, at most 32
   * levels deep). Any implementation of {@link Diagnostic} is written; reading gives the built-in form, equal
   * to {@code Diagnostic.of(severity, message)} with the same location, code and notes.
   */
  public static final Codec<Diagnostic> DIAGNOSTIC = new DiagnosticCodec();

  /** An enum constant by its name. */
  public static <E extends Enum<E>> Codec<E> enumOf(Class<E> type) {
    Objects.requireNonNull(type, "type");
    E[] constants = type.getEnumConstants();
    if (constants == null) {
      throw new IllegalArgumentException(type + " is not an enum");
    }
    return new Codec<>() {
      @Override
      public void write(E value, DataOutput out) throws IOException {
        CodecSupport.writeString(out, value.name());
      }

      @Override
      public E read(DataInput in) throws IOException {
        String name = CodecSupport.readString(in);
        for (E e : constants) {
          if (e.name().equals(name)) {
            return e;
          }
        }
        throw new IOException("no constant " + name + " in " + type.getName());
      }

      @Override
      public String toString() {
        return "Codecs.enumOf(" + type.getSimpleName() + ")";
      }
    };
  }

  /** A list: its size, then its elements in order. Reads an unmodifiable list; null elements are refused. */
  public static <T> Codec<List<T>> list(Codec<T> element) {
    Objects.requireNonNull(element, "element");
    return new Codec<>() {
      @Override
      public void write(List<T> value, DataOutput out) throws IOException {
        writeVarint(out, value.size());
        int n = 0;
        for (T t : value) {
          element.write(Objects.requireNonNull(t, "list element"), out);
          n++;
        }
        if (n != value.size()) {
          throw new IOException("list changed while being written");
        }
      }

      @Override
      public List<T> read(DataInput in) throws IOException {
        int n = readLength(in, MAX_COUNT);
        List<T> out = new ArrayList<>(Math.min(n, 1024));
        for (int i = 0; i < n; i++) {
          out.add(notNull(element.read(in)));
        }
        return Collections.unmodifiableList(out);
      }

      @Override
      public String toString() {
        return "Codecs.list(" + element + ")";
      }
    };
  }

  /**
   * A set, sorted by the encoded bytes of its elements (unsigned lexicographic), so equal sets encode alike
   * whatever their iteration order. Reads an unmodifiable set iterating in that order.
   */
  public static <T> Codec<Set<T>> set(Codec<T> element) {
    Objects.requireNonNull(element, "element");
    return new Codec<>() {
      @Override
      public void write(Set<T> value, DataOutput out) throws IOException {
        byte[][] encoded = CodecSupport.encodeSorted(element, value, "set element");
        writeVarint(out, encoded.length);
        for (byte[] e : encoded) {
          CodecSupport.writeBytes(out, e);
        }
      }

      @Override
      public Set<T> read(DataInput in) throws IOException {
        int n = readLength(in, MAX_COUNT);
        Set<T> out = new LinkedHashSet<>();
        byte[] previous = null;
        for (int i = 0; i < n; i++) {
          byte[] e = CodecSupport.readBytes(in);
          CodecSupport.checkAfter(previous, e, "set elements");
          previous = e;
          out.add(notNull(CodecSupport.decode(element, e)));
        }
        return Collections.unmodifiableSet(out);
      }

      @Override
      public String toString() {
        return "Codecs.set(" + element + ")";
      }
    };
  }

  /**
   * A map, sorted by the encoded bytes of its keys (unsigned lexicographic), so equal maps encode alike
   * whatever their iteration order. Reads an unmodifiable map iterating in that order.
   */
  public static <K, V> Codec<Map<K, V>> map(Codec<K> key, Codec<V> value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return new Codec<>() {
      @Override
      public void write(Map<K, V> map, DataOutput out) throws IOException {
        CodecSupport.writeMap(key, value, map, out);
      }

      @Override
      public Map<K, V> read(DataInput in) throws IOException {
        int n = readLength(in, MAX_COUNT);
        Map<K, V> out = new LinkedHashMap<>();
        byte[] previous = null;
        for (int i = 0; i < n; i++) {
          byte[] k = CodecSupport.readBytes(in);
          CodecSupport.checkAfter(previous, k, "map keys");
          previous = k;
          out.put(notNull(CodecSupport.decode(key, k)), notNull(value.read(in)));
        }
        return Collections.unmodifiableMap(out);
      }

      @Override
      public String toString() {
        return "Codecs.map(" + key + ", " + value + ")";
      }
    };
  }

  /** An optional: a presence byte, then the value if present. */
  public static <T> Codec<Optional<T>> optional(Codec<T> element) {
    Objects.requireNonNull(element, "element");
    return new Codec<>() {
      @Override
      public void write(Optional<T> value, DataOutput out) throws IOException {
        out.writeByte(value.isPresent() ? 1 : 0);
        if (value.isPresent()) {
          element.write(value.get(), out);
        }
      }

      @Override
      public Optional<T> read(DataInput in) throws IOException {
        return readFlag(in) ? Optional.of(notNull(element.read(in))) : Optional.empty();
      }

      @Override
      public String toString() {
        return "Codecs.optional(" + element + ")";
      }
    };
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
