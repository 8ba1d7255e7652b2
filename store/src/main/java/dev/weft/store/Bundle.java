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
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The bundle of {@link RemoteCache}: every trace of one checkpoint of a namespace in one CAS blob, found through
 * an action-cache entry at a fixed address per namespace (the <em>pointer</em>), so that a new machine reads a
 * whole analysis's traces with two requests instead of one per memo.
 *
 * <pre>
 * address = SHA-256("weft-bundle/1" 0x00 u32:n namespace(n bytes, UTF-8))
 * pointer = body sum [mac]
 * body    = "WFBP" u8:format(1) u8:flags sha256(32) u32:size u32:traces
 * sum     = SHA-256("weft-bundle/1" 0x00 address(32) body)
 * mac     = HMAC-SHA256(key, "weft-bundle/1" 0x00 address(32) body), present iff flags bit 0 (signed)
 * blob    = "WFBN" u8:format(1) u32:count item{count}       at cas/{sha256}, {@code size} bytes
 * item    = as in {@link AcEntry}, every value inline
 * </pre>
 *
 * The pointer is checked like an {@link AcEntry} (checksum, and with a key its MAC, both over its own address
 * and under a context of its own, so neither kind of entry passes for the other); the blob must have the SHA-256
 * and size the pointer names, so the pointer's signature covers every byte of it. Every trace in the blob must
 * belong to the pointer's namespace. Values travel inline, so a bundle needs nothing else from the CAS, and each
 * is checked against its SHA-256 and the trace's fingerprint when loaded, as an entry's are.
 */
final class Bundle {
  private static final byte[] CONTEXT = "weft-bundle/1\0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] POINTER_MAGIC = {'W', 'F', 'B', 'P'};
  private static final byte[] BLOB_MAGIC = {'W', 'F', 'B', 'N'};
  private static final int FORMAT = 1;
  private static final int SIGNED = 1;
  private static final int POINTER_BODY = 4 + 2 + 32 + 4 + 4;
  /** The largest pointer read: a body, its checksum and a MAC. */
  static final int POINTER_BYTES = POINTER_BODY + 64;

  private Bundle() {}

  /**
   * What a pointer names.
   *
   * @param sha256 the blob's SHA-256
   * @param size the blob's length
   * @param traces how many traces it holds
   */
  record Pointer(byte[] sha256, int size, int traces) {}

  /** The action-cache address of {@code namespace}'s pointer. */
  static byte[] address(String namespace) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    MessageDigest md = sha256();
    md.update(CONTEXT);
    md.update(new byte[] {(byte) (ns.length >>> 24), (byte) (ns.length >>> 16), (byte) (ns.length >>> 8),
        (byte) ns.length});
    md.update(ns);
    return md.digest();
  }

  /** The pointer to {@code p} at {@code address}, signed when {@code key} is not null. */
  static byte[] encodePointer(byte[] address, Pointer p, byte[] key) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      out.write(POINTER_MAGIC);
      out.writeByte(FORMAT);
      out.writeByte(key != null ? SIGNED : 0);
      out.write(p.sha256);
      out.writeInt(p.size);
      out.writeInt(p.traces);
      byte[] body = bytes.toByteArray();
      out.write(AcEntry.sum(CONTEXT, address, body, body.length));
      if (key != null) {
        out.write(AcEntry.mac(key, CONTEXT, address, body, body.length));
      }
    } catch (IOException e) {
      throw new AssertionError("in-memory stream", e);
    }
    return bytes.toByteArray();
  }

  /**
   * Decodes a pointer read from {@code address}.
   *
   * @param key the HMAC key; when not null, a pointer without a valid MAC is refused
   * @throws AcEntry.Refused if it is malformed, corrupt, unsigned or wrongly signed
   */
  static Pointer decodePointer(byte[] body, byte[] address, byte[] key) throws AcEntry.Refused {
    if (body.length < POINTER_BODY + 32 || !Arrays.equals(body, 0, 4, POINTER_MAGIC, 0, 4)) {
      throw new AcEntry.Refused("not a bundle pointer of this format");
    }
    if (body[4] != FORMAT) {
      throw new AcEntry.Refused("bundle pointer format " + body[4]);
    }
    boolean signed = (body[5] & SIGNED) != 0;
    if (body.length != POINTER_BODY + 32 + (signed ? 32 : 0)) {
      throw new AcEntry.Refused("bundle pointer of " + body.length + " bytes");
    }
    byte[] sum = AcEntry.sum(CONTEXT, address, body, POINTER_BODY);
    if (!MessageDigest.isEqual(sum, Arrays.copyOfRange(body, POINTER_BODY, POINTER_BODY + 32))) {
      throw new AcEntry.Refused("bundle pointer checksum does not match");
    }
    if (key != null) {
      if (!signed) {
        throw new AcEntry.Refused("unsigned bundle pointer");
      }
      byte[] mac = AcEntry.mac(key, CONTEXT, address, body, POINTER_BODY);
      if (!MessageDigest.isEqual(mac, Arrays.copyOfRange(body, POINTER_BODY + 32, body.length))) {
        throw new AcEntry.Refused("bundle pointer signature does not match");
      }
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(body, 6, POINTER_BODY - 6));
    try {
      byte[] sha = new byte[32];
      in.readFully(sha);
      int size = in.readInt();
      int traces = in.readInt();
      if (size < 0 || traces < 0) {
        throw new AcEntry.Refused("negative bundle size");
      }
      return new Pointer(sha, size, traces);
    } catch (IOException e) {
      throw new AcEntry.Refused("truncated bundle pointer");
    }
  }

  /**
   * Encodes {@code items} (values inline) as a blob of at most {@code maxBytes}: the longest prefix that fits.
   *
   * @return the blob and how many items it holds, or null if not even one fits
   */
  static Encoded encode(List<AcEntry.Item> items, int maxBytes) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    int n = 0;
    try {
      out.write(BLOB_MAGIC);
      out.writeByte(FORMAT);
      out.writeInt(0); // the count, filled in below
      long size = bytes.size();
      for (AcEntry.Item it : items) {
        size += 4 + it.encoded().length + 1 + 32 + 4 + it.size();
        if (size > maxBytes) {
          break;
        }
        AcEntry.writeItem(it, out);
        n++;
      }
    } catch (IOException e) {
      throw new AssertionError("in-memory stream", e);
    }
    if (n == 0) {
      return null;
    }
    byte[] blob = bytes.toByteArray();
    blob[5] = (byte) (n >>> 24);
    blob[6] = (byte) (n >>> 16);
    blob[7] = (byte) (n >>> 8);
    blob[8] = (byte) n;
    return new Encoded(blob, n);
  }

  /** A blob and the number of traces in it. */
  record Encoded(byte[] blob, int traces) {}

  /**
   * Decodes a blob (already checked against its pointer's hash) of {@code namespace}: each memo's traces in
   * the blob's order.
   *
   * @param bind gives each decoded item's trace its value loader
   * @throws AcEntry.Refused if it is malformed or holds a trace of another namespace, or a value not inline
   */
  static Map<MemoId, List<Trace>> decode(byte[] blob, String namespace, Function<AcEntry.Item, Trace> bind)
      throws AcEntry.Refused {
    if (blob.length < 9 || !Arrays.equals(blob, 0, 4, BLOB_MAGIC, 0, 4) || blob[4] != FORMAT) {
      throw new AcEntry.Refused("not a bundle of this format");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob, 5, blob.length - 5));
    try {
      int count = in.readInt();
      if (count < 0) {
        throw new AcEntry.Refused("negative count");
      }
      Map<MemoId, List<Trace>> out = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        AcEntry.Item it = AcEntry.readItem(in, blob.length, id -> id.namespace().equals(namespace));
        if (it.kind() != AcEntry.INLINE) {
          throw new AcEntry.Refused("a value not inline");
        }
        out.computeIfAbsent(it.trace().id(), k -> new ArrayList<>(1)).add(bind.apply(it));
      }
      if (in.available() != 0) {
        throw new AcEntry.Refused("trailing bytes");
      }
      return out;
    } catch (EOFException e) {
      throw new AcEntry.Refused("truncated bundle");
    } catch (IOException e) {
      throw new AcEntry.Refused("malformed bundle: " + e.getMessage());
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
