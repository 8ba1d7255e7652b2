package dev.weft.store;

import static dev.weft.store.Fixtures.id;
import static dev.weft.store.Fixtures.trace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The action-cache entry format: round trip, merge, size bound, and refusal of any damage. */
class AcEntryTest {
  private static final byte[] KEY = "sixteen bytes or more of key".getBytes(StandardCharsets.UTF_8);
  private static final MemoId ID = id("entry", "k");

  static LongStream seeds() {
    return LongStream.range(0, 20L * Integer.getInteger("weft.stressFactor", 1));
  }

  private static AcEntry.Item item(Trace t) {
    byte[] v = t.loadValue();
    boolean inline = v.length <= 1024;
    return new AcEntry.Item(t, AcEntry.encodeTrace(t), inline ? AcEntry.INLINE : AcEntry.CAS,
        RemoteCache.sha256(v), v.length, inline ? v : null);
  }

  private static List<AcEntry.Item> items(int... variants) {
    List<AcEntry.Item> out = new ArrayList<>();
    for (int v : variants) {
      out.add(item(trace(ID, v, v % 2 == 0 ? 100 : 3000)));
    }
    return out;
  }

  private static List<Integer> decodeVariants(byte[] entry, byte[] key) throws AcEntry.Refused {
    return AcEntry.decode(entry, ID, ID.digest(), key, entry.length, AcEntry.Item::trace).stream()
        .map(i -> Fixtures.variant(i.trace())).toList();
  }

  @Test
  void decode_encodedEntry_returnsItsItemsInOrder() throws Exception {
    for (byte[] key : new byte[][] {null, KEY}) {
      byte[] entry = AcEntry.encode(ID.digest(), items(1, 2, 3), key, 1 << 20);
      List<AcEntry.Item> got = AcEntry.decode(entry, ID, ID.digest(), key, entry.length, AcEntry.Item::trace);
      assertThat(got).extracting(i -> Fixtures.variant(i.trace())).containsExactly(1, 2, 3);
      assertThat(got.get(1).inline()).isEqualTo(trace(ID, 2, 100).loadValue());
      assertThat(got.get(0).inline()).isNull();
      assertThat(got.get(0).size()).isEqualTo(3000);
      assertThat(got.get(0).trace().digest()).isEqualTo(trace(ID, 1, 3000).digest());
    }
  }

  @Test
  void merge_newFirstBoundedWithoutDuplicateDigests() {
    List<AcEntry.Item> merged = AcEntry.merge(items(4, 2), items(2, 3, 1), 3);
    assertThat(merged).extracting(i -> Fixtures.variant(i.trace())).containsExactly(4, 2, 3);
  }

  @Test
  void encode_overTheSizeBound_keepsTheNewestThatFit() throws Exception {
    byte[] all = AcEntry.encode(ID.digest(), items(2, 4, 6), null, 1 << 20);
    byte[] two = AcEntry.encode(ID.digest(), items(2, 4, 6), null, all.length - 1);
    assertThat(decodeVariants(two, null)).containsExactly(2, 4);
    assertThat(AcEntry.encode(ID.digest(), items(2), null, 64)).isNull();
  }

  @Test
  void decode_signedEntryWithoutTheKey_isAcceptedAndUnsignedWithTheKey_isRefused() throws Exception {
    byte[] signed = AcEntry.encode(ID.digest(), items(1), KEY, 1 << 20);
    byte[] unsigned = AcEntry.encode(ID.digest(), items(1), null, 1 << 20);
    assertThat(decodeVariants(signed, null)).containsExactly(1);
    assertThatThrownBy(() -> decodeVariants(unsigned, KEY)).hasMessageContaining("unsigned");
    assertThatThrownBy(() -> decodeVariants(signed, "another key of sixteen bytes".getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("signature");
  }

  @Test
  void decode_entryOfAnotherMemoAtThisAddress_isRefused() {
    MemoId other = id("entry", "other");
    byte[] entry = AcEntry.encode(ID.digest(), List.of(item(trace(other, 1, 10))), null, 1 << 20);
    assertThatThrownBy(() -> decodeVariants(entry, null)).hasMessageContaining("holds a trace of");
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void decode_anyFlippedBitOrTruncation_isRefused(long seed) {
    Random r = new Random(seed);
    for (byte[] key : new byte[][] {null, KEY}) {
      byte[] entry = AcEntry.encode(ID.digest(), items(1, 2, 5), key, 1 << 20);
      for (int i = 0; i < 50; i++) {
        byte[] damaged = entry.clone();
        int at = r.nextInt(damaged.length);
        damaged[at] ^= (byte) (1 << r.nextInt(8));
        assertThatThrownBy(() -> decodeVariants(damaged, key)).isInstanceOf(AcEntry.Refused.class);
        byte[] cut = Arrays.copyOf(entry, r.nextInt(entry.length));
        assertThatThrownBy(() -> decodeVariants(cut, key)).isInstanceOf(AcEntry.Refused.class);
      }
    }
  }

  @ParameterizedTest
  @MethodSource("seeds")
  void decode_randomBytes_isRefusedWithoutAllocatingTheirClaims(long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < 50; i++) {
      byte[] garbage = new byte[r.nextInt(400)];
      r.nextBytes(garbage);
      if (garbage.length > 6 && r.nextBoolean()) {
        System.arraycopy("WFAC".getBytes(StandardCharsets.US_ASCII), 0, garbage, 0, 4);
        garbage[4] = 1;
      }
      assertThatThrownBy(() -> decodeVariants(garbage, null)).isInstanceOf(AcEntry.Refused.class);
    }
  }
}
