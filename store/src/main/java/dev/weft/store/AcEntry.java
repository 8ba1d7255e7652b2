package dev.weft.store;

import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The body of one action-cache entry of {@link RemoteCache}: the traces of one memo, newest first, each with
 * a reference to its value, optionally signed.
 *
 * <pre>
 * entry  = body sum [mac]
 * body   = "WFAC" u8:format(1) u8:flags u16:count item{count}
 * item   = u32:n trace(n bytes, {@link TraceFormat#write}) value
 * value  = u8:1 sha256(32) u32:size                  the value is the CAS blob at sha256
 *        | u8:2 sha256(32) u32:size bytes(size)      the value is inline
 * sum    = SHA-256("weft-ac/1" 0x00 address(32) body)
 * mac    = HMAC-SHA256(key, "weft-ac/1" 0x00 address(32) body), present iff flags bit 0 (signed)
 * </pre>
 *
 * The checksum catches corruption on the way or on the server's disk for every reader (an entry that
 * decodes after a flipped bit could otherwise replay a wrong diagnostic); the MAC catches forgery for readers
 * with the key. Both cover the entry's own address, so an entry copied to another address is refused, and
 * every trace must name the memo whose address it is stored at. Decoding never trusts a length: each is checked
 * against the bytes that remain. Nothing else of the entry is interpreted; values are decoded by the query's
 * codec in the engine, after their SHA-256 and fingerprint are checked by the loader.
 */
final class AcEntry {
  static final int CAS = 1;
  static final int INLINE = 2;
  private static final byte[] MAGIC = {'W', 'F', 'A', 'C'};
  private static final int FORMAT = 1;
  private static final int SIGNED = 1;
  private static final int MAC_BYTES = 32;
  private static final int SUM_BYTES = 32;
  private static final byte[] MAC_CONTEXT = "weft-ac/1\0".getBytes(StandardCharsets.US_ASCII);

  private AcEntry() {}

  /**
   * One trace of an entry with the reference to its value.
   *
   * @param trace the trace, its loader already bound to {@code value}
   * @param encoded the trace as {@link TraceFormat#write} encodes it
   * @param kind {@link #CAS} or {@link #INLINE}
   * @param sha256 the SHA-256 of the value's bytes
   * @param size the value's length
   * @param inline the value's bytes when {@code kind == INLINE}, otherwise null
   */
  record Item(Trace trace, byte[] encoded, int kind, byte[] sha256, int size, byte[] inline) {}

  /** Why an entry was refused. */
  static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Encodes {@code items} (newest first), signed when {@code key} is not null; keeps the longest prefix of
   * {@code items} that fits in {@code maxBytes} (at least one item, or none when the first alone does not fit).
   */
  static byte[] encode(byte[] address, List<Item> items, byte[] key, int maxBytes) {
    int n = items.size();
    while (true) {
      byte[] body = encodeFirst(address, items, n, key);
      if (body.length <= maxBytes || n == 0) {
        return n == 0 ? null : body;
      }
      n--;
    }
  }

  private static byte[] encodeFirst(byte[] address, List<Item> items, int n, byte[] key) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.write(MAGIC);
      out.writeByte(FORMAT);
      out.writeByte(key != null ? SIGNED : 0);
      out.writeShort(n);
      for (int i = 0; i < n; i++) {
        writeItem(items.get(i), out);
      }
      byte[] body = bytes.toByteArray();
      out.write(sum(address, body, body.length));
      if (key != null) {
        out.write(mac(key, address, body, body.length));
      }
    } catch (IOException e) {
      throw new AssertionError("in-memory stream", e);
    }
    return bytes.toByteArray();
  }

  /** Writes {@code it} as the {@code item} of the format above (a {@link Bundle} holds items too). */
  static void writeItem(Item it, DataOutputStream out) throws IOException {
    out.writeInt(it.encoded.length);
    out.write(it.encoded);
    out.writeByte(it.kind);
    out.write(it.sha256);
    out.writeInt(it.size);
    if (it.kind == INLINE) {
      out.write(it.inline);
    }
  }

  /**
   * Reads one {@code item}, its trace decoded (with no value loader) and checked to be of a memo
   * {@code owner} accepts.
   *
   * @param limit the largest length accepted for any field
   * @throws Refused if it is malformed, or its trace belongs elsewhere
   * @throws IOException if the input ends early
   */
  static Item readItem(DataInputStream in, int limit, java.util.function.Predicate<MemoId> owner)
      throws IOException, Refused {
    byte[] encoded = readExactly(in, in.readInt(), limit);
    int kind = in.readUnsignedByte();
    byte[] sha = readExactly(in, 32, 32);
    int size = in.readInt();
    if (kind != CAS && kind != INLINE) {
      throw new Refused("unknown value kind " + kind);
    }
    if (size < 0) {
      throw new Refused("negative value size");
    }
    byte[] inline = kind == INLINE ? readExactly(in, size, limit) : null;
    ByteArrayInputStream slice = new ByteArrayInputStream(encoded);
    Trace decoded = TraceFormat.read(new DataInputStream(slice), encoded.length, () -> null);
    if (slice.available() != 0) {
      throw new Refused("trailing bytes after a trace");
    }
    if (!owner.test(decoded.id())) {
      throw new Refused("holds a trace of " + decoded.id());
    }
    return new Item(decoded, encoded, kind, sha, size, inline);
  }

  /**
   * Decodes an entry read from {@code address}.
   *
   * @param id the memo the entry must belong to
   * @param key the HMAC key; when not null, an entry without a valid MAC is refused
   * @param limit the largest length accepted for any field
   * @param bind gives each decoded item's trace its value loader
   * @throws Refused if the entry is malformed, unsigned or wrongly signed, or names another memo
   */
  static List<Item> decode(byte[] body, MemoId id, byte[] address, byte[] key, int limit,
      Function<Item, Trace> bind) throws Refused {
    if (body.length < MAGIC.length + 4 || !Arrays.equals(body, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new Refused("not an entry of this format");
    }
    if (body[4] != FORMAT) {
      throw new Refused("entry format " + body[4]);
    }
    boolean signed = (body[5] & SIGNED) != 0;
    int end = body.length - SUM_BYTES - (signed ? MAC_BYTES : 0);
    if (end < MAGIC.length + 4) {
      throw new Refused("truncated entry");
    }
    if (!MessageDigest.isEqual(sum(address, body, end), Arrays.copyOfRange(body, end, end + SUM_BYTES))) {
      throw new Refused("checksum does not match");
    }
    if (key != null) {
      if (!signed) {
        throw new Refused("unsigned entry");
      }
      byte[] expected = mac(key, address, body, end);
      if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(body, end + SUM_BYTES, body.length))) {
        throw new Refused("signature does not match");
      }
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body, 6, end - 6));
    try {
      int count = in.readUnsignedShort();
      List<Item> items = new ArrayList<>(Math.min(count, 64));
      for (int i = 0; i < count; i++) {
        Item unbound = readItem(in, limit, id::equals);
        items.add(new Item(bind.apply(unbound), unbound.encoded, unbound.kind, unbound.sha256, unbound.size,
            unbound.inline));
      }
      if (in.available() != 0) {
        throw new Refused("trailing bytes");
      }
      return items;
    } catch (EOFException e) {
      throw new Refused("truncated entry");
    } catch (IOException e) {
      throw new Refused("malformed entry: " + e.getMessage());
    }
  }

  /**
   * {@code added} (newest first) in front of {@code existing}, without two items of the same
   * {@link Trace#digest}, at most {@code max} items.
   */
  static List<Item> merge(List<Item> added, List<Item> existing, int max) {
    List<Item> out = new ArrayList<>(Math.min(max, added.size() + existing.size()));
    Set<Object> seen = new HashSet<>();
    for (List<Item> list : List.of(added, existing)) {
      for (Item it : list) {
        if (out.size() < max && seen.add(it.trace.digest())) {
          out.add(it);
        }
      }
    }
    return out;
  }

  /** The TraceFormat encoding of {@code t}. */
  static byte[] encodeTrace(Trace t) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      TraceFormat.write(t, new DataOutputStream(bytes));
    } catch (IOException e) {
      throw new AssertionError("in-memory stream", e);
    }
    return bytes.toByteArray();
  }

  private static byte[] readExactly(DataInputStream in, int n, int limit) throws IOException, Refused {
    if (n < 0 || n > limit || n > in.available()) {
      throw new Refused("length " + n + " exceeds what the entry holds");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  private static byte[] sum(byte[] address, byte[] body, int length) {
    return sum(MAC_CONTEXT, address, body, length);
  }

  /** SHA-256 of {@code context}, {@code address} and the first {@code length} bytes of {@code body}. */
  static byte[] sum(byte[] context, byte[] address, byte[] body, int length) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    md.update(context);
    md.update(address);
    md.update(body, 0, length);
    return md.digest();
  }

  private static byte[] mac(byte[] key, byte[] address, byte[] body, int length) {
    return mac(key, MAC_CONTEXT, address, body, length);
  }

  /** HMAC-SHA256 under {@code key} of {@code context}, {@code address} and {@code body}'s first bytes. */
  static byte[] mac(byte[] key, byte[] context, byte[] address, byte[] body, int length) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(context);
      mac.update(address);
      mac.update(body, 0, length);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
    }
  }
}
