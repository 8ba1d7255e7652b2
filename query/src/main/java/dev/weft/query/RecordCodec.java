package dev.weft.query;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.RecordComponent;
import java.util.Objects;
import java.util.function.Function;

/**
 * The codec of {@link Codecs#record}: the components in order, each by its own codec, and a constructor that
 * receives them as an array.
 */
final class RecordCodec<R> implements Codec<R> {
  /** Builds the value from its decoded components. */
  @FunctionalInterface
  interface Constructor<R> {
    R make(Object[] components) throws Throwable;
  }

  /** Reads one component of a value. */
  @FunctionalInterface
  interface Getter {
    Object get(Object value) throws Throwable;
  }

  private final String name;
  private final Codec<Object>[] codecs;
  private final Getter[] getters;
  private final Constructor<R> constructor;

  private RecordCodec(String name, Codec<Object>[] codecs, Getter[] getters, Constructor<R> constructor) {
    this.name = name;
    this.codecs = codecs;
    this.getters = getters;
    this.constructor = constructor;
  }

  /** {@code pairs} alternates codecs and their {@code Function} getters. */
  @SuppressWarnings("unchecked")
  static <R> Codec<R> of(Constructor<R> constructor, Object... pairs) {
    int n = pairs.length / 2;
    Codec<Object>[] codecs = new Codec[n];
    Getter[] getters = new Getter[n];
    for (int i = 0; i < n; i++) {
      codecs[i] = (Codec<Object>) Objects.requireNonNull(pairs[2 * i], "codec of component " + i);
      Function<Object, Object> g =
          (Function<Object, Object>) Objects.requireNonNull(pairs[2 * i + 1], "getter of component " + i);
      getters[i] = g::apply;
    }
    return new RecordCodec<>("record", codecs, getters, constructor);
  }

  @SuppressWarnings("unchecked")
  static <R extends Record> Codec<R> reflective(Class<R> type, MethodHandles.Lookup lookup, Codec<?>... components) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(lookup, "lookup");
    Objects.requireNonNull(components, "components");
    if (!type.isRecord()) {
      throw new IllegalArgumentException(type.getName() + " is not a record class");
    }
    RecordComponent[] rc = type.getRecordComponents();
    if (rc.length != components.length) {
      throw new IllegalArgumentException(type.getName() + " has " + rc.length + " components but "
          + components.length + " codecs were given");
    }
    Codec<Object>[] codecs = new Codec[rc.length];
    Getter[] getters = new Getter[rc.length];
    Class<?>[] types = new Class<?>[rc.length];
    MethodHandle ctor;
    try {
      for (int i = 0; i < rc.length; i++) {
        codecs[i] = (Codec<Object>) Objects.requireNonNull(components[i], "codec of " + rc[i].getName());
        types[i] = rc[i].getType();
        MethodHandle h = lookup.unreflect(rc[i].getAccessor())
            .asType(MethodType.methodType(Object.class, Object.class));
        getters[i] = v -> (Object) h.invokeExact(v);
      }
      ctor = lookup.findConstructor(type, MethodType.methodType(void.class, types))
          .asSpreader(Object[].class, rc.length)
          .asType(MethodType.methodType(Object.class, Object[].class));
    } catch (IllegalAccessException | NoSuchMethodException e) {
      throw new IllegalArgumentException("cannot access the components or the canonical constructor of "
          + type.getName() + " with " + lookup + ": " + e.getMessage(), e);
    }
    MethodHandle c = ctor;
    return new RecordCodec<>(type.getSimpleName(), codecs, getters, args -> type.cast((Object) c.invokeExact(args)));
  }

  @Override
  public void write(R value, DataOutput out) throws IOException {
    for (int i = 0; i < codecs.length; i++) {
      Object component;
      try {
        component = getters[i].get(value);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable e) {
        throw new IOException("cannot read component " + i + " of " + name, e);
      }
      if (component == null && !(codecs[i] instanceof Codecs.NullableCodec)) {
        throw new NullPointerException("component " + i + " of " + name
            + " is null; give it a Codecs.nullable codec");
      }
      codecs[i].write(component, out);
    }
  }

  @Override
  public R read(DataInput in) throws IOException {
    Object[] components = new Object[codecs.length];
    for (int i = 0; i < codecs.length; i++) {
      Object c = codecs[i].read(in);
      if (c == null && !(codecs[i] instanceof Codecs.NullableCodec)) {
        throw new IOException("codec of component " + i + " of " + name + " read null");
      }
      components[i] = c;
    }
    try {
      return constructor.make(components);
    } catch (Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IOException("cannot construct " + name + " from the decoded components: " + e, e);
    }
  }

  @Override
  public String toString() {
    return "Codecs.record(" + name + ", " + codecs.length + " components)";
  }
}
