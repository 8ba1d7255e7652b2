package dev.weft.query;

import static dev.weft.query.CodecSupport.MAX_COUNT;
import static dev.weft.query.CodecSupport.readLength;
import static dev.weft.query.CodecSupport.writeVarint;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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

/**
 * The implementations behind {@link Codecs}: the scalar codecs and the collection combinators. The encodings
 * are documented, and fixed, in {@link Codecs}; stored fingerprints depend on every byte of them.
 */
final class BuiltinCodecs {
  private BuiltinCodecs() {}

  static final Codec<Unit> UNIT = new Codec<>() {
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

  static final Codec<String> STRING = new Codec<>() {
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

  static final Codec<Integer> INT = new Codec<>() {
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

  static final Codec<Long> LONG = new Codec<>() {
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

  static final Codec<Double> DOUBLE = new Codec<>() {
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

  static final Codec<Boolean> BOOLEAN = new Codec<>() {
    @Override
    public void write(Boolean value, DataOutput out) throws IOException {
      out.writeByte(value ? 1 : 0);
    }

    @Override
    public Boolean read(DataInput in) throws IOException {
      return Codecs.readFlag(in);
    }

    @Override
    public String toString() {
      return "Codecs.BOOLEAN";
    }
  };

  static final Codec<byte[]> BYTES = new Codec<>() {
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

  static final Codec<Path> PATH = new Codec<>() {
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
      String root = Codecs.readFlag(in) ? CodecSupport.readString(in) : null;
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

  static <E extends Enum<E>> Codec<E> enumOf(Class<E> type) {
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

  static <T> Codec<List<T>> list(Codec<T> element) {
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
          out.add(Codecs.notNull(element.read(in)));
        }
        return Collections.unmodifiableList(out);
      }

      @Override
      public String toString() {
        return "Codecs.list(" + element + ")";
      }
    };
  }

  static <T> Codec<Set<T>> set(Codec<T> element) {
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
          out.add(Codecs.notNull(CodecSupport.decode(element, e)));
        }
        return Collections.unmodifiableSet(out);
      }

      @Override
      public String toString() {
        return "Codecs.set(" + element + ")";
      }
    };
  }

  static <K, V> Codec<Map<K, V>> map(Codec<K> key, Codec<V> value) {
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
          out.put(Codecs.notNull(CodecSupport.decode(key, k)), Codecs.notNull(value.read(in)));
        }
        return Collections.unmodifiableMap(out);
      }

      @Override
      public String toString() {
        return "Codecs.map(" + key + ", " + value + ")";
      }
    };
  }

  static <T> Codec<Optional<T>> optional(Codec<T> element) {
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
        return Codecs.readFlag(in) ? Optional.of(Codecs.notNull(element.read(in))) : Optional.empty();
      }

      @Override
      public String toString() {
        return "Codecs.optional(" + element + ")";
      }
    };
  }
}
