package dev.weft.query;

import dev.weft.query.MemoStore.Fingerprint;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The fingerprint function of {@link MemoStore.Fingerprint}: XXH3-128 of the encoded bytes
 * ({@code docs/adr/0036-fingerprint-hash.md} gives the measurements behind the choice and what it means for
 * inputs chosen by an adversary).
 */
final class Fingerprints {
  private Fingerprints() {}

  static Fingerprint of(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + " + " + length + ") of "
          + bytes.length + " bytes");
    }
    return Xxh3.hash128(bytes, offset, length);
  }

  /**
   * The fingerprint of a trace's value fingerprint and steps, over an unambiguous encoding of both:
   *
   * <pre>
   * i64 i64 (value) then per step: 1 dep | 2 varint:n (3 dep){n} | 4 varint:len bytes
   * dep = varint:chars UTF-16 query, varint:len key, i64 i64 fingerprint
   * </pre>
   */
  static Fingerprint ofTrace(Fingerprint value, List<MemoStore.Step> steps) {
    CodecSupport.Sink sink = new CodecSupport.Sink(64 + 96 * steps.size());
    DataOutputStream out = new DataOutputStream(sink);
    try {
      out.writeLong(value.high());
      out.writeLong(value.low());
      for (MemoStore.Step s : steps) {
        switch (s) {
          case MemoStore.Dep d -> dep(out, 1, d);
          case MemoStore.Group g -> {
            out.writeByte(2);
            CodecSupport.writeVarint(out, g.deps().size());
            for (MemoStore.Dep d : g.deps()) {
              dep(out, 3, d);
            }
          }
          case MemoStore.Report r -> {
            out.writeByte(4);
            CodecSupport.writeBytes(out, r.diagnostic());
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // an in-memory sink does not fail
    }
    return Xxh3.hash128(sink.array(), 0, sink.size());
  }

  private static void dep(DataOutputStream out, int tag, MemoStore.Dep d) throws IOException {
    out.writeByte(tag);
    CodecSupport.writeVarint(out, d.query().length());
    out.writeChars(d.query());
    CodecSupport.writeBytes(out, d.key());
    out.writeLong(d.fingerprint().high());
    out.writeLong(d.fingerprint().low());
  }
}
