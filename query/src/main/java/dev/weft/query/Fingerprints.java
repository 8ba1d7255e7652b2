package dev.weft.query;

import dev.weft.query.MemoStore.Fingerprint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/** The fingerprint function of {@link MemoStore.Fingerprint}: the first 128 bits of SHA-256. */
final class Fingerprints {
  private Fingerprints() {}

  static Fingerprint of(byte[] bytes, int offset, int length) {
    MessageDigest md = sha256();
    md.update(bytes, offset, length);
    ByteBuffer b = ByteBuffer.wrap(md.digest());
    return new Fingerprint(b.getLong(), b.getLong());
  }

  static Fingerprint ofTrace(Fingerprint value, List<MemoStore.Step> steps) {
    MessageDigest md = sha256();
    ByteBuffer b = ByteBuffer.allocate(16);
    b.putLong(value.high()).putLong(value.low());
    md.update(b.array());
    for (MemoStore.Step s : steps) {
      switch (s) {
        case MemoStore.Dep d -> dep(md, (byte) 1, d);
        case MemoStore.Group g -> {
          md.update((byte) 2);
          md.update(ByteBuffer.allocate(4).putInt(g.deps().size()).array());
          for (MemoStore.Dep d : g.deps()) {
            dep(md, (byte) 3, d);
          }
        }
        case MemoStore.Report r -> {
          md.update((byte) 4);
          md.update(ByteBuffer.allocate(4).putInt(r.diagnostic().length).array());
          md.update(r.diagnostic());
        }
      }
    }
    ByteBuffer out = ByteBuffer.wrap(md.digest());
    return new Fingerprint(out.getLong(), out.getLong());
  }

  private static void dep(MessageDigest md, byte tag, MemoStore.Dep d) {
    byte[] q = d.query().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + q.length + 4 + 16);
    b.put(tag).putInt(q.length).put(q).putInt(d.key().length);
    md.update(b.array(), 0, 1 + 4 + q.length + 4);
    md.update(d.key());
    md.update(ByteBuffer.allocate(16).putLong(d.fingerprint().high()).putLong(d.fingerprint().low()).array());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
