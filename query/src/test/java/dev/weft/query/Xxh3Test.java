package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.Report;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * XXH3-128 against the sanity vectors of the xxHash reference implementation ({@code cli/xsum_sanity_check.c},
 * seed 0): a buffer of 2,367 bytes from its generator, hashed at lengths that cover every path of the
 * algorithm.
 */
@Timeout(30)
class Xxh3Test {
  private static final byte[] SANITY = sanityBuffer(2367);
  private static final byte[] LONG = sanityBuffer(1_000_010);

  /** The reference's {@code XSUM_fillTestBuffer}: bytes from the top of a multiplicative generator. */
  static byte[] sanityBuffer(int len) {
    long gen = 2654435761L;
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (gen >>> 56);
      gen *= 0x9E3779B185EBCA8DL; // 11400714785074694797, as in the reference
    }
    return b;
  }

  @ParameterizedTest(name = "length {0}")
  @CsvSource({
      "0, 6001C324468D497F, 99AA06D3014798D8",
      "1, C44BDFF4074EECDB, A6CD5E9392000F6A",
      "6, 3E7039BDDA43CFC6, 082AFE0B8162D12A",
      "12, 061A192713F69AD9, 6E3EFD8FC7802B18",
      "24, 1E7044D28B1B901D, 0CE966E4678D3761",
      "48, F942219AED80F67B, A002AC4E5478227E",
      "81, 5E8BAFB9F95FB803, 4952F58181AB0042",
      "222, F1AEBD597CEC6B3A, 337E09641B948717",
      "403, CDEB804D65C6DEA4, 1B6DE21E332DD73D",
      "512, 617E49599013CB6B, 18D2D110DCC9BCA1",
      "2048, DD59E2C3A5F038E0, F736557FD47073A5",
      "2240, 6E73A90539CF2948, CCB134FBFA7CE49D",
      "2367, CB37AEB9E5D361ED, E89C0F6FF369B427",
  })
  void hash128_referenceVectors_match(int len, String low, String high) {
    Fingerprint f = Xxh3.hash128(SANITY, 0, len);
    assertThat(f.low()).as("low64").isEqualTo(Long.parseUnsignedLong(low, 16));
    assertThat(f.high()).as("high64").isEqualTo(Long.parseUnsignedLong(high, 16));
    assertThat(f.toString()).isEqualToIgnoringCase(high + low);
  }

  /**
   * Inputs over 240 bytes, around and across 1 KiB blocks and at an offset: the fingerprints stored by every
   * earlier version (computed then, before the long-input loop moved into a method per block), so that stored
   * traces stay valid.
   */
  @ParameterizedTest(name = "length {0} at offset {1}")
  @CsvSource({
      "241, 0, 99a80ecf0ecfc647c5a639ecd2030e5e",
      "241, 7, 9291213fa3d2490c46f82438fb2c806b",
      "1023, 0, e8083e4d83214c3c87a8f7b2f2e22496",
      "1023, 7, e036410f80a8f5cac8f94ad83fcd2f78",
      "1024, 0, 0d30d24071c64c57dd85c9b5c1109c5c",
      "1024, 7, d63f3d8d31596f0b43ae6a589d84b0f5",
      "1025, 0, fd3ee4fe7f2954c6d870c0fa13211c6a",
      "1025, 7, 911d6488c50606b92dfeb02068c3382b",
      "1087, 0, b67e858cf9e0959e047f181e7c8a41b9",
      "1087, 7, 11a9ed73ad04abdb988a3d2d947e9110",
      "1088, 0, e0fa3b9e9fb69d83cc1450ea6b52a8f4",
      "1088, 7, 6da6935f82230c61c8886f84407dd4d9",
      "1089, 0, 6e026f1a15e62b39ef727b2effc4cc8c",
      "1089, 7, 61472062f7bc5a2e9e2e70be2db22520",
      "1152, 0, d2841053c71314658d10f861683eb1dd",
      "1152, 7, c0cb4f5333414b0d51dccff931d64d0b",
      "4096, 0, b9cfaea2ca5626a4e91206429d1f48f9",
      "4096, 7, 5845f94a79d093f31ac7685756399965",
      "65537, 0, 388e913ef5d18b4de42d29d5d26c06c2",
      "65537, 7, 2af386aa82a9cd3d97fc58c51918ba9b",
      "1000003, 0, 41409ee8715daae8487b8420bc57dde8",
      "1000003, 7, a05ae81c401ffc9c1b10c5820d77a59f",
  })
  void hash128_longInputs_unchangedFromEarlierVersions(int len, int off, String hex) {
    assertThat(Xxh3.hash128(LONG, off, len).toString()).isEqualTo(hex);
  }

  private record Pair(long high, long low) {}

  @Test
  void fingerprint_equalsAndHashCode_asARecordOfTheTwoHalves() {
    Random r = new Random(3);
    for (int i = 0; i < 1_000; i++) {
      long high = r.nextInt(4) == 0 ? r.nextInt(3) : r.nextLong();
      long low = r.nextInt(4) == 0 ? r.nextInt(3) : r.nextLong();
      Fingerprint f = new Fingerprint(high, low);
      assertThat(f.hashCode()).isEqualTo(new Pair(high, low).hashCode());
      assertThat(f).isEqualTo(new Fingerprint(high, low)).isNotEqualTo(new Fingerprint(high, low + 1))
          .isNotEqualTo(new Fingerprint(high + 1, low)).isNotEqualTo(new Pair(high, low));
    }
  }

  @Test
  void hash128_offsetInsideLargerArray_equalsHashOfCopy() {
    Random r = new Random(1);
    for (int len = 0; len < 2500; len += 1 + r.nextInt(7)) {
      int off = r.nextInt(50);
      byte[] big = new byte[off + len + r.nextInt(50)];
      r.nextBytes(big);
      assertThat(Xxh3.hash128(big, off, len)).isEqualTo(Xxh3.hash128(Arrays.copyOfRange(big, off, off + len), 0,
          len));
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  void hash128_pieces_equalsHashOfPiecesLaidEndToEnd(long seed) {
    Random r = new Random(seed);
    for (int i = 0; i < 400; i++) {
      // Every path and every stripe boundary: totals around 240 and around multiples of 64 and of 1,024.
      int len = r.nextInt(4) == 0 ? r.nextInt(300) : r.nextInt(5000);
      int headLen = r.nextInt(4) == 0 ? r.nextInt(200) : r.nextInt(8);
      int at = r.nextInt(headLen + 1);
      int off = r.nextInt(20);
      byte[] head = new byte[headLen + r.nextInt(10)];
      byte[] body = new byte[off + len + r.nextInt(10)];
      r.nextBytes(head);
      r.nextBytes(body);
      byte[] all = new byte[headLen + len];
      System.arraycopy(head, 0, all, 0, at);
      System.arraycopy(body, off, all, at, len);
      System.arraycopy(head, at, all, at + len, headLen - at);
      assertThat(Xxh3.hash128(head, at, headLen, body, off, len))
          .as("head %d at %d, body %d", headLen, at, len).isEqualTo(Xxh3.hash128(all, 0, all.length));
    }
  }

  @Test
  void hash128_piecesOutOfRange_throw() {
    assertThatThrownBy(() -> Xxh3.hash128(new byte[4], 3, 2, new byte[300], 0, 300))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Xxh3.hash128(new byte[4], 0, 4, new byte[300], 10, 300))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void hash128_everyLengthUpTo1100_distinct() {
    byte[] b = sanityBuffer(1100);
    Set<Fingerprint> seen = new HashSet<>();
    for (int len = 0; len <= 1100; len++) {
      assertThat(seen.add(Xxh3.hash128(b, 0, len))).as("length %d", len).isTrue();
    }
  }

  @Test
  void fingerprintOf_badRange_throws() {
    assertThatThrownBy(() -> Fingerprints.of(new byte[4], 2, 3)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void ofTrace_stepStructure_changesDigest() {
    Fingerprint v = Fingerprint.of(new byte[] {1});
    Fingerprint x = Fingerprint.of(new byte[] {2});
    Dep a = new Dep("q", new byte[] {1}, x);
    Dep b = new Dep("q", new byte[] {2}, x);
    Set<Fingerprint> digests = new HashSet<>(List.of(
        Fingerprints.ofTrace(v, List.of()),
        Fingerprints.ofTrace(x, List.of()),
        Fingerprints.ofTrace(v, List.of(a)),
        Fingerprints.ofTrace(v, List.of(a, b)),
        Fingerprints.ofTrace(v, List.of(b, a)),
        Fingerprints.ofTrace(v, List.of(new Group(List.of(a, b)))),
        Fingerprints.ofTrace(v, List.of(new Group(List.of(a)), b)),
        Fingerprints.ofTrace(v, List.of(new Report(new byte[] {1}))),
        Fingerprints.ofTrace(v, List.of(new Dep("q1", new byte[0], x))),
        Fingerprints.ofTrace(v, List.of(new Dep("q", new byte[] {1}, v)))));
    assertThat(digests).hasSize(10);
    assertThat(Fingerprints.ofTrace(v, List.of(a, b)))
        .isEqualTo(Fingerprints.ofTrace(v, List.of(new Dep("q", new byte[] {1}, x), b)));
  }
}
