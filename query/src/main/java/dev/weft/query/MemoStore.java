package dev.weft.query;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps memos beyond one engine: on disk between processes, or on a shared server between machines. The
 * engine talks to a store through this SPI in terms of <em>verifying traces</em>: for one memo (query name,
 * version and encoded key, {@link MemoId}) a trace records the fingerprint of its encoded value, the value's
 * bytes, and what the body read in read order ({@link Dep}, {@link Group}) interleaved with what it reported
 * ({@link Report}). A trace is reused in another engine when every dependency, brought up to date there, has
 * the recorded fingerprint; then the value is decoded and no body runs.
 *
 * <p>Implementations: {@code dev.weft.store.LocalStore} (an embedded store in one directory) and
 * {@code dev.weft.store.RemoteCache} (the Bazel HTTP cache protocol), both in {@code weft-store};
 * {@link #tiered} puts a local store in front of a remote one; {@link #none} keeps nothing.
 *
 * <p>Contract for implementations:
 * <ul>
 *   <li>Thread-safe: the engine looks up traces from many virtual threads at once.</li>
 *   <li>A store never throws from {@link #traces} or {@link Trace#loadValue} for a missing, unreadable,
 *       corrupt or unavailable entry: it returns no trace (or null bytes), counts the problem in
 *       {@link #stats}, and logs it at most once per kind. The engine then computes, which is always
 *       correct.</li>
 *   <li>{@link #write} is the only mutation. A local store applies it atomically (a crash leaves the previous
 *       or the new state); it throws {@link UncheckedIOException} when it cannot write (disk full, read-only
 *       directory), and the engine's in-memory results stay valid.</li>
 *   <li>{@link #close} is idempotent.</li>
 * </ul>
 */
public interface MemoStore extends AutoCloseable {

  /**
   * The traces recorded for {@code id}, newest first; empty if there are none or they cannot be read. The
   * engine tries them in order and reuses the first whose dependencies match.
   */
  List<Trace> traces(MemoId id);

  /**
   * The traces of several memos (the keys of one {@code getAll}), in the order of {@code ids}. A store with
   * per-request latency issues the lookups concurrently; the default looks them up one by one.
   */
  default List<List<Trace>> traces(List<MemoId> ids) {
    List<List<Trace>> out = new ArrayList<>(ids.size());
    for (MemoId id : ids) {
      out.add(traces(id));
    }
    return out;
  }

  /**
   * Persists a checkpoint: {@code added} are traces of memos computed since the last checkpoint (their
   * {@link Trace#loadValue} returns the bytes at hand), {@code used} are traces that were current in the
   * engine at this checkpoint without being added (reused from this store, or added earlier and still
   * current). A store that bounds its size may drop traces not used for a number of checkpoints.
   *
   * @throws UncheckedIOException if the checkpoint cannot be written; the previous state stays intact
   */
  void write(List<Trace> added, List<Trace> used);

  /** A snapshot of the store's counters. */
  Stats stats();

  /** Releases the store's resources, after finishing what it must (a remote cache drains its uploads). */
  @Override
  void close();

  /** A store that keeps nothing: every lookup is empty and every write is dropped. */
  static MemoStore none() {
    return NoStore.INSTANCE;
  }

  /**
   * {@code local} in front of {@code remote}: a lookup reads the local traces first and asks the remote only
   * for what the engine needs beyond them; traces reused from the remote are written to the local store at the
   * next checkpoint; a checkpoint writes added traces to both. Closing the tiered store closes both.
   */
  static MemoStore tiered(MemoStore local, MemoStore remote) {
    return new TieredStore(Objects.requireNonNull(local, "local"), Objects.requireNonNull(remote, "remote"));
  }

  /**
   * Identifies one memo across processes and machines.
   *
   * @param namespace the engine's name ({@link QueryEngine.Builder#name})
   * @param query the query's name
   * @param version the query's version ({@link Query#withVersion}; empty when not set)
   * @param key the key encoded by the query's key codec; not copied, must not be modified
   */
  record MemoId(String namespace, String query, String version, byte[] key) {
    public MemoId {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(query, "query");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(key, "key");
    }

    /**
     * SHA-256 over the four fields, each length-prefixed: the address of this memo's entry in a
     * content-addressed store.
     */
    public byte[] digest() {
      MessageDigest md = sha256();
      for (String s : new String[] {namespace, query, version}) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        md.update(intBytes(b.length));
        md.update(b);
      }
      md.update(intBytes(key.length));
      md.update(key);
      return md.digest();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MemoId m && namespace.equals(m.namespace) && query.equals(m.query)
          && version.equals(m.version) && Arrays.equals(key, m.key);
    }

    @Override
    public int hashCode() {
      // Objects.hash(namespace, query, version), without its array: every store lookup hashes an id
      int h = ((31 + namespace.hashCode()) * 31 + query.hashCode()) * 31 + version.hashCode();
      return h * 31 + Arrays.hashCode(key);
    }

    /**
     * For messages and logs: the namespace, query name and version, each cut at 200 characters, and
     * the key's first 32 bytes in hex, so that one id stays on one log line however long its parts.
     */
    @Override
    public String toString() {
      return Shown.cut(namespace) + ":" + Shown.cut(query) + (version.isEmpty() ? "" : "@" + Shown.cut(version))
          + "(" + HexFormat.of().formatHex(key, 0, Math.min(key.length, 32)) + (key.length > 32 ? "…" : "") + ")";
    }
  }

  /**
   * A 128-bit fingerprint of encoded bytes (see {@link #of}); equal fingerprints are taken to mean equal
   * bytes.
   *
   * @param high the first 64 bits
   * @param low the last 64 bits
   */
  record Fingerprint(long high, long low) {
    /** The fingerprint of {@code bytes}. */
    public static Fingerprint of(byte[] bytes) {
      return Fingerprints.of(bytes, 0, bytes.length);
    }

    // equals and hashCode as a record's, written out: the generated ones go through method handles, which a new
    // JVM runs interpreted for a while, and a re-run compares tens of thousands of fingerprints.
    @Override
    public boolean equals(Object o) {
      return o instanceof Fingerprint f && high == f.high && low == f.low;
    }

    @Override
    public int hashCode() {
      return 31 * Long.hashCode(high) + Long.hashCode(low);
    }

    /** 32 hexadecimal digits. */
    @Override
    public String toString() {
      return HexFormat.of().toHexDigits(high) + HexFormat.of().toHexDigits(low);
    }
  }

  /** One element of a trace, in the order the body read and reported. */
  sealed interface Step permits Dep, Group, Report {}

  /**
   * A read of one memo: the dependency's query name, encoded key and the fingerprint of the value it had.
   *
   * @param query the dependency's query name
   * @param key its encoded key; not copied, must not be modified
   * @param fingerprint the fingerprint of its encoded value when it was read
   */
  record Dep(String query, byte[] key, Fingerprint fingerprint) implements Step {
    public Dep {
      Objects.requireNonNull(query, "query");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(fingerprint, "fingerprint");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Dep d && query.equals(d.query) && Arrays.equals(key, d.key)
          && fingerprint.equals(d.fingerprint);
    }

    @Override
    public int hashCode() {
      return (query.hashCode() * 31 + Arrays.hashCode(key)) * 31 + fingerprint.hashCode();
    }
  }

  /**
   * The reads of one {@code getAll}, in key order.
   *
   * @param deps the reads
   */
  record Group(List<Dep> deps) implements Step {
    public Group {
      deps = List.copyOf(deps);
    }
  }

  /**
   * A diagnostic the body reported, encoded with {@link Codecs#DIAGNOSTIC}.
   *
   * @param diagnostic the encoded diagnostic; not copied, must not be modified
   */
  record Report(byte[] diagnostic) implements Step {
    public Report {
      Objects.requireNonNull(diagnostic, "diagnostic");
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Report r && Arrays.equals(diagnostic, r.diagnostic);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(diagnostic);
    }
  }

  /**
   * A verifying trace of one memo: its value's fingerprint, its steps, and a loader of the value's bytes
   * (a remote store fetches them only when the trace is reused).
   */
  final class Trace {
    private final MemoId id;
    private final Fingerprint value;
    private final List<Step> steps;
    private final Supplier<byte[]> loader;
    private Fingerprint digest;

    /**
     * @param id the memo
     * @param value the fingerprint of the encoded value
     * @param steps reads and reports in order
     * @param loader returns the encoded value, or null when it cannot be loaded (counted by the store); may
     *     block for I/O
     */
    public Trace(MemoId id, Fingerprint value, List<Step> steps, Supplier<byte[]> loader) {
      this.id = Objects.requireNonNull(id, "id");
      this.value = Objects.requireNonNull(value, "value");
      this.steps = List.copyOf(steps);
      this.loader = Objects.requireNonNull(loader, "loader");
    }

    /**
     * A trace whose {@link #digest} its store already knows (it kept the digest with the trace), so that
     * comparing traces at a checkpoint does not hash every trace's steps again.
     *
     * @param digest what {@link #digest()} computes from {@code value} and {@code steps}; a store passes it
     *     only for a trace it read back intact (checksummed), never one from an untrusted source
     */
    public Trace(MemoId id, Fingerprint value, List<Step> steps, Supplier<byte[]> loader, Fingerprint digest) {
      this.id = Objects.requireNonNull(id, "id");
      this.value = Objects.requireNonNull(value, "value");
      this.steps = List.copyOf(steps);
      this.loader = Objects.requireNonNull(loader, "loader");
      this.digest = Objects.requireNonNull(digest, "digest");
    }

    public MemoId id() {
      return id;
    }

    /** The fingerprint of the encoded value. */
    public Fingerprint value() {
      return value;
    }

    public List<Step> steps() {
      return steps;
    }

    /** The encoded value, or null if it cannot be loaded; the caller checks it against {@link #value}. */
    public byte[] loadValue() {
      return loader.get();
    }

    /**
     * A fingerprint of the value's fingerprint and the steps: two traces of one memo with equal digests are
     * the same trace.
     */
    public Fingerprint digest() {
      Fingerprint d = digest;
      if (d == null) {
        d = digest = Fingerprints.ofTrace(value, steps);
      }
      return d;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Trace t && id.equals(t.id) && digest().equals(t.digest());
    }

    @Override
    public int hashCode() {
      return id.hashCode() * 31 + digest().hashCode();
    }

    @Override
    public String toString() {
      return "Trace[" + id + " = " + value + ", " + steps.size() + " steps]";
    }
  }

  /**
   * Counters of a store since it was opened. A tiered store reports the sums of its tiers.
   *
   * @param lookups trace lookups asked for
   * @param hits lookups that found at least one trace
   * @param misses lookups that found none
   * @param errors failed reads or writes (I/O errors, corrupt or oversized entries, timeouts, refused hashes)
   * @param bytesRead bytes read from the medium (file or network)
   * @param bytesWritten bytes written to the medium
   * @param writes checkpoints written
   * @param writeNanos time spent writing checkpoints
   */
  record Stats(long lookups, long hits, long misses, long errors, long bytesRead, long bytesWritten,
      long writes, long writeNanos) {
    /** All zero. */
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0);

    /** The field-by-field sum. */
    public Stats plus(Stats o) {
      return new Stats(lookups + o.lookups, hits + o.hits, misses + o.misses, errors + o.errors,
          bytesRead + o.bytesRead, bytesWritten + o.bytesWritten, writes + o.writes, writeNanos + o.writeNanos);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }
}

/** The store of {@link MemoStore#none()}. */
final class NoStore implements MemoStore {
  static final NoStore INSTANCE = new NoStore();

  private NoStore() {}

  @Override
  public List<Trace> traces(MemoId id) {
    return List.of();
  }

  @Override
  public void write(List<Trace> added, List<Trace> used) {}

  @Override
  public Stats stats() {
    return Stats.ZERO;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "MemoStore.none()";
  }
}
