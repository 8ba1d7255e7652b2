package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@Timeout(60)
class CodecsTest {
  enum Kind { CLASS, INTERFACE, RECORD }

  record Leaf(String s, int i, Optional<Long> l) {}

  record Node(Path path, Set<String> tags, Map<String, List<Leaf>> children, Kind kind, Diagnostic diagnostic,
      String note) {}

  record Checked(String name, int size) {
    Checked {
      if (size < 0) {
        throw new IllegalArgumentException("negative size");
      }
    }
  }

  static final Codec<Leaf> LEAF = Codecs.record(
      Codecs.STRING, Leaf::s, Codecs.INT, Leaf::i, Codecs.optional(Codecs.LONG), Leaf::l, Leaf::new);

  static final Codec<Node> NODE = Codecs.record(
      Codecs.PATH, Node::path,
      Codecs.set(Codecs.STRING), Node::tags,
      Codecs.map(Codecs.STRING, Codecs.list(LEAF)), Node::children,
      Codecs.enumOf(Kind.class), Node::kind,
      Codecs.DIAGNOSTIC, Node::diagnostic,
      Codecs.nullable(Codecs.STRING), Node::note,
      Node::new);

  static final Codec<Node> NODE_REFLECTIVE = Codecs.record(Node.class, MethodHandles.lookup(),
      Codecs.PATH, Codecs.set(Codecs.STRING), Codecs.map(Codecs.STRING, Codecs.list(LEAF)),
      Codecs.enumOf(Kind.class), Codecs.DIAGNOSTIC, Codecs.nullable(Codecs.STRING));

  static <T> T roundTrip(Codec<T> codec, T value) throws IOException {
    byte[] b = Codecs.encode(codec, value);
    T back = Codecs.decode(codec, b);
    assertThat(Codecs.encode(codec, back)).as("re-encoding").isEqualTo(b);
    return back;
  }

  @Test
  void classExample_importCodec_roundTrips() throws IOException {
    record Import(String name, boolean isStatic) {}
    Codec<Import> importCodec = Codecs.record(
        Codecs.STRING, Import::name, Codecs.BOOLEAN, Import::isStatic, Import::new);
    Codec<List<Import>> imports = Codecs.list(importCodec);
    List<Import> value = List.of(new Import("java.util.List", false), new Import("java.lang.Math.max", true));
    assertThat(Codecs.decode(imports, Codecs.encode(imports, value))).isEqualTo(value);
  }

  record Span(String file, int line, Optional<String> label) {}

  @Test
  void recordExample_reflective_roundTrips() throws IOException {
    Codec<Span> span = Codecs.record(Span.class, MethodHandles.lookup(),
        Codecs.STRING, Codecs.INT, Codecs.optional(Codecs.STRING));
    Span s = new Span("A.java", 3, Optional.of("here"));
    assertThat(Codecs.decode(span, Codecs.encode(span, s))).isEqualTo(s);
  }

  @Test
  void scalars_roundTrip_equalValues() throws IOException {
    for (String s : List.of("", "a", "héllo wörld", "日本語", "emoji \uD83D\uDE00 pair", "x".repeat(70_000))) {
      assertThat(roundTrip(Codecs.STRING, s)).isEqualTo(s);
    }
    for (int i : new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
      assertThat(roundTrip(Codecs.INT, i)).isEqualTo(i);
    }
    for (long l : new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}) {
      assertThat(roundTrip(Codecs.LONG, l)).isEqualTo(l);
    }
    for (double d : new double[] {0.0, -0.0, 1.5, Double.NaN, Double.NEGATIVE_INFINITY, Double.MIN_VALUE}) {
      assertThat((Object) roundTrip(Codecs.DOUBLE, d)).isEqualTo(d);
    }
    assertThat(roundTrip(Codecs.BOOLEAN, true)).isTrue();
    assertThat(roundTrip(Codecs.BOOLEAN, false)).isFalse();
    assertThat(roundTrip(Codecs.BYTES, new byte[] {1, 2, -3})).containsExactly(1, 2, -3);
    assertThat(roundTrip(Codecs.BYTES, new byte[0])).isEmpty();
  }

  @Test
  void double_differentNaNs_encodeAlike() throws IOException {
    double otherNaN = Double.longBitsToDouble(0x7ff8000000000123L);
    assertThat(Codecs.encode(Codecs.DOUBLE, otherNaN)).isEqualTo(Codecs.encode(Codecs.DOUBLE, Double.NaN));
  }

  @Test
  void path_relativeAbsoluteAndEmpty_roundTrip() throws IOException {
    for (Path p : List.of(Path.of("a"), Path.of("src", "main", "A.java"), Path.of("/abs/x.java"), Path.of("/"),
        Path.of(""), Path.of("..", "up"))) {
      assertThat(roundTrip(Codecs.PATH, p)).isEqualTo(p);
    }
  }

  @Test
  void path_encoding_isSlashSeparatedNames() throws IOException {
    // Flag 0 (no root), 2 names: "a", "b.txt".
    byte[] b = Codecs.encode(Codecs.PATH, Path.of("a", "b.txt"));
    assertThat(b).containsExactly(0, 2, 1, 'a', 5, 'b', '.', 't', 'x', 't');
  }

  @Test
  void diagnostic_allFields_roundTrip() throws IOException {
    Diagnostic d = Diagnostic.warning("unused import java.util.List")
        .at(Diagnostic.Location.of("A.java", 3, 1))
        .withCode("unused-import")
        .withNote(Diagnostic.info("first declared here").at(Diagnostic.Location.span("A.java", 2, 1, 2, 20)))
        .withNote("remove it");
    assertThat(roundTrip(Codecs.DIAGNOSTIC, d)).isEqualTo(d);
    assertThat(roundTrip(Codecs.DIAGNOSTIC, Diagnostic.error("plain"))).isEqualTo(Diagnostic.error("plain"));
  }

  @Test
  void diagnostic_otherImplementation_keptByFields() throws IOException {
    Diagnostic custom = new Diagnostic() {
      @Override
      public Severity severity() {
        return Severity.ERROR;
      }

      @Override
      public String message() {
        return "custom";
      }

      @Override
      public Optional<String> code() {
        return Optional.of("c1");
      }
    };
    Diagnostic back = Codecs.decode(Codecs.DIAGNOSTIC, Codecs.encode(Codecs.DIAGNOSTIC, custom));
    assertThat(back).isEqualTo(Diagnostic.error("custom").withCode("c1"));
  }

  @Test
  void diagnostic_notesNestedTooDeep_throwIOException() {
    Diagnostic d = Diagnostic.info("leaf");
    for (int i = 0; i < DiagnosticCodec.MAX_DEPTH + 2; i++) {
      d = Diagnostic.info("level " + i).withNote(d);
    }
    Diagnostic deep = d;
    assertThatThrownBy(() -> Codecs.encode(Codecs.DIAGNOSTIC, deep)).isInstanceOf(IOException.class);
  }

  @Test
  void enumOf_unknownName_throwsIOException() throws IOException {
    assertThat(roundTrip(Codecs.enumOf(Kind.class), Kind.RECORD)).isEqualTo(Kind.RECORD);
    byte[] b = Codecs.encode(Codecs.STRING, "ENUM");
    assertThatThrownBy(() -> Codecs.decode(Codecs.enumOf(Kind.class), b)).isInstanceOf(IOException.class)
        .hasMessageContaining("ENUM");
  }

  @Test
  void collections_roundTrip_andReadUnmodifiable() throws IOException {
    List<String> list = roundTrip(Codecs.list(Codecs.STRING), List.of("b", "a", "b"));
    assertThat(list).containsExactly("b", "a", "b");
    assertThatThrownBy(() -> list.add("x")).isInstanceOf(UnsupportedOperationException.class);
    Set<Integer> set = roundTrip(Codecs.set(Codecs.INT), Set.of(3, 1, 2));
    assertThat(set).containsExactly(1, 2, 3);
    Map<String, Integer> map = roundTrip(Codecs.map(Codecs.STRING, Codecs.INT), Map.of("z", 1, "a", 2));
    assertThat(map).containsExactly(Map.entry("a", 2), Map.entry("z", 1));
    assertThat(roundTrip(Codecs.optional(Codecs.INT), Optional.of(5))).contains(5);
    assertThat(roundTrip(Codecs.optional(Codecs.INT), Optional.empty())).isEmpty();
    assertThat(Codecs.decode(Codecs.nullable(Codecs.INT), Codecs.encode(Codecs.nullable(Codecs.INT), 7)))
        .isEqualTo(7);
    byte[] nul = new byte[] {0};
    assertThat(Codecs.decode(Codecs.nullable(Codecs.INT), nul)).isNull();
  }

  @Test
  void set_anyInsertionOrder_encodesIdentically() throws IOException {
    Random r = new Random(7);
    List<String> elements = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      elements.add(randomString(r));
    }
    Codec<Set<String>> codec = Codecs.set(Codecs.STRING);
    byte[] expected = Codecs.encode(codec, new TreeSet<>(elements));
    for (int i = 0; i < 10; i++) {
      Collections.shuffle(elements, r);
      assertThat(Codecs.encode(codec, new LinkedHashSet<>(elements))).isEqualTo(expected);
      assertThat(Codecs.encode(codec, new HashSet<>(elements))).isEqualTo(expected);
      assertThat(Codecs.encode(codec, Set.copyOf(elements))).isEqualTo(expected);
    }
  }

  @Test
  void map_anyInsertionOrder_encodesIdentically() throws IOException {
    Random r = new Random(8);
    Map<Path, List<Leaf>> source = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      source.put(randomPath(r), List.of(randomLeaf(r), randomLeaf(r)));
    }
    Codec<Map<Path, List<Leaf>>> codec = Codecs.map(Codecs.PATH, Codecs.list(LEAF));
    byte[] expected = Codecs.encode(codec, new TreeMap<>(source));
    List<Map.Entry<Path, List<Leaf>>> entries = new ArrayList<>(source.entrySet());
    for (int i = 0; i < 10; i++) {
      Collections.shuffle(entries, r);
      Map<Path, List<Leaf>> shuffled = new LinkedHashMap<>();
      entries.forEach(e -> shuffled.put(e.getKey(), e.getValue()));
      assertThat(Codecs.encode(codec, shuffled)).isEqualTo(expected);
    }
  }

  @Test
  void map_keysThatEncodeAlike_throwIOException() {
    Codec<String> caseless = Codecs.STRING.map(s -> s, s -> s.toLowerCase(java.util.Locale.ROOT));
    assertThatThrownBy(() -> Codecs.encode(Codecs.map(caseless, Codecs.INT), Map.of("A", 1, "a", 2)))
        .isInstanceOf(IOException.class).hasMessageContaining("same bytes");
    assertThatThrownBy(() -> Codecs.encode(Codecs.set(caseless), Set.of("A", "a")))
        .isInstanceOf(IOException.class).hasMessageContaining("same bytes");
  }

  @Test
  void set_elementsOutOfOrder_throwIOException() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeByte(2);
    out.write(Codecs.encode(Codecs.BYTES, Codecs.encode(Codecs.STRING, "b")));
    out.write(Codecs.encode(Codecs.BYTES, Codecs.encode(Codecs.STRING, "a")));
    assertThatThrownBy(() -> Codecs.decode(Codecs.set(Codecs.STRING), bytes.toByteArray()))
        .isInstanceOf(IOException.class).hasMessageContaining("out of order");
  }

  @Test
  void record_allArities_roundTrip() throws IOException {
    record R1(String a) {}
    record R2(String a, int b) {}
    record R3(String a, int b, long c) {}
    record R4(String a, int b, long c, boolean d) {}
    record R5(String a, int b, long c, boolean d, double e) {}
    assertThat(roundTrip(Codecs.record(Codecs.STRING, R1::a, R1::new), new R1("x"))).isEqualTo(new R1("x"));
    assertThat(roundTrip(Codecs.record(Codecs.STRING, R2::a, Codecs.INT, R2::b, R2::new), new R2("x", 2)))
        .isEqualTo(new R2("x", 2));
    assertThat(roundTrip(Codecs.record(Codecs.STRING, R3::a, Codecs.INT, R3::b, Codecs.LONG, R3::c, R3::new),
        new R3("x", 2, 3L))).isEqualTo(new R3("x", 2, 3L));
    assertThat(roundTrip(Codecs.record(Codecs.STRING, R4::a, Codecs.INT, R4::b, Codecs.LONG, R4::c,
        Codecs.BOOLEAN, R4::d, R4::new), new R4("x", 2, 3L, true))).isEqualTo(new R4("x", 2, 3L, true));
    assertThat(roundTrip(Codecs.record(Codecs.STRING, R5::a, Codecs.INT, R5::b, Codecs.LONG, R5::c,
        Codecs.BOOLEAN, R5::d, Codecs.DOUBLE, R5::e, R5::new), new R5("x", 2, 3L, true, 0.5)))
        .isEqualTo(new R5("x", 2, 3L, true, 0.5));
  }

  @Test
  void record_reflective_matchesFunctionalForm() throws IOException {
    Node n = randomNode(new Random(3));
    assertThat(Codecs.encode(NODE_REFLECTIVE, n)).isEqualTo(Codecs.encode(NODE, n));
    assertThat(roundTrip(NODE_REFLECTIVE, n)).isEqualTo(n);
  }

  @Test
  void record_reflectiveWrongArity_throwsIllegalArgument() {
    assertThatThrownBy(() -> Codecs.record(Leaf.class, MethodHandles.lookup(), Codecs.STRING))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 components");
  }

  @Test
  void record_nullComponentWithoutNullableCodec_throwsNullPointer() {
    assertThatThrownBy(() -> Codecs.encode(LEAF, new Leaf(null, 1, Optional.empty())))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("nullable");
  }

  @Test
  void record_constructorRejectsDecodedComponents_throwsIOException() throws IOException {
    Codec<Checked> codec = Codecs.record(Checked.class, MethodHandles.lookup(), Codecs.STRING, Codecs.INT);
    byte[] b = Codecs.encode(Codecs.record(Codecs.STRING, Leaf::s, Codecs.INT, Leaf::i, (s, i) -> new Leaf(s, i,
        Optional.empty())), new Leaf("n", -1, Optional.empty()));
    assertThatThrownBy(() -> Codecs.decode(codec, b)).isInstanceOf(IOException.class)
        .hasMessageContaining("negative size");
  }

  @Test
  void string_unpairedSurrogate_throwsIOExceptionOnWrite() {
    assertThatThrownBy(() -> Codecs.encode(Codecs.STRING, "bad \uD800 here")).isInstanceOf(IOException.class)
        .hasMessageContaining("surrogate");
  }

  @Test
  void string_malformedUtf8_throwsIOException() {
    assertThatThrownBy(() -> Codecs.decode(Codecs.STRING, new byte[] {2, (byte) 0xC3, (byte) 0x28}))
        .isInstanceOf(IOException.class);
  }

  @Test
  void varint_nonMinimalOrOverlong_throwIOException() {
    assertThatThrownBy(() -> Codecs.decode(Codecs.BYTES, new byte[] {(byte) 0x80, 0}))
        .isInstanceOf(IOException.class).hasMessageContaining("non-minimal");
    assertThatThrownBy(() -> Codecs.decode(Codecs.BYTES, new byte[] {-1, -1, -1, -1, -1, 1}))
        .isInstanceOf(IOException.class);
  }

  @Test
  void bytes_hugeDeclaredLength_failsAtEndOfInputWithoutAllocatingIt() {
    // 0x0FFFFFFF = 256 MiB - 1 declared, 10 bytes present.
    byte[] b = new byte[14];
    b[0] = (byte) 0xFF;
    b[1] = (byte) 0xFF;
    b[2] = (byte) 0xFF;
    b[3] = (byte) 0x7F;
    assertThatThrownBy(() -> Codecs.decode(Codecs.BYTES, b)).isInstanceOf(IOException.class);
    // Beyond the limit: refused before reading.
    byte[] over = {(byte) 0x81, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
    assertThatThrownBy(() -> Codecs.decode(Codecs.BYTES, over)).isInstanceOf(IOException.class)
        .hasMessageContaining("limit");
  }

  @Test
  void list_hugeDeclaredCount_throwsIOException() {
    byte[] b = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0x07, 1, 2};
    assertThatThrownBy(() -> Codecs.decode(Codecs.list(Codecs.BOOLEAN), b)).isInstanceOf(IOException.class);
  }

  @Test
  void decode_trailingBytesOrBadFlag_throwIOException() throws IOException {
    byte[] b = Codecs.encode(Codecs.INT, 5);
    byte[] longer = Arrays.copyOf(b, b.length + 1);
    assertThatThrownBy(() -> Codecs.decode(Codecs.INT, longer)).isInstanceOf(IOException.class)
        .hasMessageContaining("left");
    assertThatThrownBy(() -> Codecs.decode(Codecs.BOOLEAN, new byte[] {2})).isInstanceOf(IOException.class);
  }

  static Stream<Integer> seeds() {
    return IntStream.rangeClosed(1, 40).boxed();
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void randomNode_roundTrips_andReencodesIdentically(int seed) throws IOException {
    Random r = new Random(seed);
    for (int i = 0; i < 20; i++) {
      Node n = randomNode(r);
      assertThat(roundTrip(NODE, n)).isEqualTo(n);
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void garbage_randomBytesAndCorruptions_throwOnlyIOException(int seed) throws IOException {
    Random r = new Random(seed);
    Codec<List<Node>> codec = Codecs.list(NODE);
    List<Node> value = List.of(randomNode(r), randomNode(r));
    byte[] valid = Codecs.encode(codec, value);
    for (int i = 0; i < 300; i++) {
      byte[] garbage = switch (i % 3) {
        case 0 -> randomBytes(r, r.nextInt(200));
        case 1 -> Arrays.copyOf(valid, r.nextInt(valid.length));
        default -> {
          byte[] b = valid.clone();
          for (int k = 0; k <= r.nextInt(3); k++) {
            b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
          }
          yield b;
        }
      };
      try {
        List<Node> back = Codecs.decode(codec, garbage);
        // A corruption that still decodes must be a value the codec can write again.
        assertThat(Codecs.encode(codec, back)).isNotNull();
      } catch (IOException expected) {
        // the contract: garbage fails with IOException
      }
    }
  }

  static Node randomNode(Random r) {
    Set<String> tags = new HashSet<>();
    for (int i = r.nextInt(5); i > 0; i--) {
      tags.add(randomString(r));
    }
    Map<String, List<Leaf>> children = new HashMap<>();
    for (int i = r.nextInt(4); i > 0; i--) {
      List<Leaf> leaves = new ArrayList<>();
      for (int j = r.nextInt(3); j > 0; j--) {
        leaves.add(randomLeaf(r));
      }
      children.put(randomString(r), leaves);
    }
    Diagnostic d = Diagnostic.of(Diagnostic.Severity.values()[r.nextInt(3)], randomString(r));
    if (r.nextBoolean()) {
      d = d.at(Diagnostic.Location.of(randomString(r), r.nextInt(1000), r.nextInt(80)));
    }
    if (r.nextBoolean()) {
      d = d.withCode("c" + r.nextInt(100)).withNote(Diagnostic.info(randomString(r)));
    }
    return new Node(randomPath(r), tags, children, Kind.values()[r.nextInt(3)], d,
        r.nextBoolean() ? null : randomString(r));
  }

  static Leaf randomLeaf(Random r) {
    return new Leaf(randomString(r), r.nextInt(), r.nextBoolean() ? Optional.empty() : Optional.of(r.nextLong()));
  }

  static Path randomPath(Random r) {
    String[] names = new String[1 + r.nextInt(4)];
    for (int i = 0; i < names.length; i++) {
      names[i] = "n" + Integer.toString(r.nextInt(1 << 20), 36) + (r.nextBoolean() ? ".java" : "");
    }
    Path p = Path.of(names[0], Arrays.copyOfRange(names, 1, names.length));
    return r.nextInt(4) == 0 ? Path.of("/").resolve(p) : p;
  }

  static String randomString(Random r) {
    StringBuilder sb = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      int cp = switch (r.nextInt(4)) {
        case 0 -> 'a' + r.nextInt(26);
        case 1 -> 0x20 + r.nextInt(0x5F);
        case 2 -> 0xA0 + r.nextInt(0xD000);
        default -> 0x1F600 + r.nextInt(0x40);
      };
      sb.appendCodePoint(cp);
    }
    return sb.toString();
  }

  static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}
