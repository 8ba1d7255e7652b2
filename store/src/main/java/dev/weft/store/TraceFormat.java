package dev.weft.store;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Report;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The encoding of a trace without its value bytes, shared by the local store and the remote cache.
 *
 * <pre>
 * trace  = memoId fingerprint u32:steps step*
 * memoId = str:namespace str:query str:version bytes:key
 * step   = 1 dep | 2 u32:n dep{n} | 3 bytes:diagnostic
 * dep    = str:query bytes:key fingerprint
 * fingerprint = i64 i64;  str = UTF-8 as DataOutput.writeUTF;  bytes = u32 length, then the bytes
 * </pre>
 *
 * Reading checks every length against {@code limit}, so a corrupt or hostile input fails with an
 * {@link IOException} instead of allocating without bound.
 */
final class TraceFormat {
  private static final int DEP = 1;
  private static final int GROUP = 2;
  private static final int REPORT = 3;

  private TraceFormat() {}

  static void writeId(MemoId id, DataOutput out) throws IOException {
    out.writeUTF(id.namespace());
    out.writeUTF(id.query());
    out.writeUTF(id.version());
    writeBytes(id.key(), out);
  }

  static MemoId readId(DataInput in, int limit) throws IOException {
    return new MemoId(in.readUTF(), in.readUTF(), in.readUTF(), readBytes(in, limit));
  }

  /** Writes {@code t} without its value bytes. */
  static void write(Trace t, DataOutput out) throws IOException {
    writeId(t.id(), out);
    writeFingerprint(t.value(), out);
    List<Step> steps = t.steps();
    out.writeInt(steps.size());
    for (Step s : steps) {
      switch (s) {
        case Dep d -> {
          out.writeByte(DEP);
          writeDep(d, out);
        }
        case Group g -> {
          out.writeByte(GROUP);
          out.writeInt(g.deps().size());
          for (Dep d : g.deps()) {
            writeDep(d, out);
          }
        }
        case Report r -> {
          out.writeByte(REPORT);
          writeBytes(r.diagnostic(), out);
        }
      }
    }
  }

  /** Reads a trace written by {@link #write}; its value comes from {@code loader}. */
  static Trace read(DataInput in, int limit, Supplier<byte[]> loader) throws IOException {
    return read(in, limit, loader, null);
  }

  /**
   * Reads a trace written by {@link #write}.
   *
   * @param digest the trace's digest if the caller kept it with the trace and checked it is intact (see
   *     {@code Trace}), or null to compute it when needed
   */
  static Trace read(DataInput in, int limit, Supplier<byte[]> loader, Fingerprint digest) throws IOException {
    MemoId id = readId(in, limit);
    Fingerprint value = readFingerprint(in);
    int n = count(in.readInt(), limit);
    List<Step> steps = new ArrayList<>(Math.min(n, 1024));
    for (int i = 0; i < n; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case DEP -> steps.add(readDep(in, limit));
        case GROUP -> {
          int m = count(in.readInt(), limit);
          List<Dep> deps = new ArrayList<>(Math.min(m, 1024));
          for (int j = 0; j < m; j++) {
            deps.add(readDep(in, limit));
          }
          steps.add(new Group(deps));
        }
        case REPORT -> steps.add(new Report(readBytes(in, limit)));
        default -> throw new IOException("unknown trace step tag " + tag);
      }
    }
    return digest == null ? new Trace(id, value, steps, loader) : new Trace(id, value, steps, loader, digest);
  }

  static void writeFingerprint(Fingerprint f, DataOutput out) throws IOException {
    out.writeLong(f.high());
    out.writeLong(f.low());
  }

  static Fingerprint readFingerprint(DataInput in) throws IOException {
    return new Fingerprint(in.readLong(), in.readLong());
  }

  static void writeBytes(byte[] b, DataOutput out) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] readBytes(DataInput in, int limit) throws IOException {
    byte[] b = new byte[count(in.readInt(), limit)];
    in.readFully(b);
    return b;
  }

  private static void writeDep(Dep d, DataOutput out) throws IOException {
    out.writeUTF(d.query());
    writeBytes(d.key(), out);
    writeFingerprint(d.fingerprint(), out);
  }

  private static Dep readDep(DataInput in, int limit) throws IOException {
    return new Dep(in.readUTF(), readBytes(in, limit), readFingerprint(in));
  }

  private static int count(int n, int limit) throws IOException {
    if (n < 0 || n > limit) {
      throw new IOException("length " + n + " outside 0.." + limit);
    }
    return n;
  }
}
