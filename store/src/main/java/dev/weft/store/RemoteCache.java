package dev.weft.store;

import dev.weft.query.MemoStore;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * A {@link MemoStore} on a shared cache server that speaks Bazel's HTTP caching protocol (bazel-remote,
 * nginx with WebDAV {@code PUT}, BuildBuddy, ...), so that machines reuse each other's memos.
 *
 * {@snippet :
 * MemoStore remote = RemoteCache.builder(URI.create("http://cache:8080/weft/"))
 *     .hmacKey(key)                             // readers ignore entries not signed with it
 *     .requestTimeout(Duration.ofSeconds(5))
 *     .build();
 * QueryEngine engine = QueryEngine.builder().store(MemoStore.tiered(local, remote)).build();
 * }
 *
 * <p>Protocol. {@code GET}/{@code PUT {base}ac/{sha256}} holds the traces of one memo, newest first and at
 * most {@link Builder#tracesPerEntry} of them, at the hex {@link MemoId#digest} of the memo (it covers the
 * engine's name, the query's name and version and the encoded key); {@code GET}/{@code PUT
 * {base}cas/{sha256}} holds a value's bytes at their own SHA-256. A value of at most
 * {@link Builder#inlineValueBytes} travels inside the entry instead. docs/store.md describes the entry
 * format and the server set-up.
 *
 * <p>Behaviour:
 * <ul>
 *   <li>Lookups ({@link #traces(MemoId)}) block the calling thread for one request; {@link #traces(List)}
 *       issues its lookups concurrently, at most {@link Builder#concurrency} requests in flight in all. A
 *       value is fetched only when the engine reuses its trace ({@link Trace#loadValue}), and checked
 *       against its SHA-256 and the trace's fingerprint; a mismatch yields null, never other bytes.</li>
 *   <li>{@link #write} only queues the added traces (the {@code used} ones are on the server already) and
 *       returns; virtual threads of this cache upload them: the value first, then a read-merge-write of the
 *       memo's entry. When the queue is full, traces are dropped and counted. Concurrent writers of one entry
 *       on different machines may lose each other's newest trace; that costs a recomputation, never a wrong
 *       value.</li>
 *   <li>Every request has a deadline ({@link Builder#requestTimeout}) and every response body a cap; after
 *       {@link Builder#circuitBreaker} consecutive failures the server is bypassed for a while. Nothing here
 *       throws for a slow, failing, absent or hostile server: lookups come back empty, problems are counted
 *       ({@link #counters}) and each kind is logged once.</li>
 *   <li>Bundles ({@link Builder#bundles}, on by default): each checkpoint also uploads one blob holding all of
 *       its traces, added and used, with their values inline, and points to it from an entry at a fixed
 *       address per namespace (last writer wins). The first lookup of a namespace downloads that bundle once
 *       (lookups meanwhile wait for it) and checks it against its hash; the bundle then answers the lookups of
 *       the memos it has, a memo's own entry is fetched only when none of the bundle's traces matched, and
 *       memos the bundle lacks are looked up as usual. A bundle that cannot be fetched or verified is ignored
 *       (counted, warned once).</li>
 *   <li>With an {@link Builder#hmacKey}, entries are signed and entries without a valid signature are
 *       ignored. Without one, everyone who can write to the server is trusted (docs/store.md, Trust
 *       model).</li>
 *   <li>{@link #close} waits at most {@link Builder#drainTimeout} for queued uploads, then drops the rest;
 *       it is idempotent. A closed cache finds nothing and writes nothing.</li>
 * </ul>
 */
public final class RemoteCache implements MemoStore {
  /*
   * Implementation overview.
   *
   * Parts: HttpCache (requests: deadline, body cap, request slots, CircuitBreaker), AcEntry (the entry's
   * bytes: checksum, MAC, merge), Bundle and Bundles (a checkpoint's traces in one blob: format, and its
   * download once per namespace and upload per checkpoint), Uploads (the write queue and its virtual threads:
   * Upload jobs per memo and one BundleUpload per checkpoint), RemoteCounters.
   *
   * States: open, then closed (`closed`, set once by close()). While open, lookups run on the callers'
   * threads and uploads on the Uploads workers; once closed, lookups and writes return at once, close()
   * has drained or dropped the queue, and the HttpClient is shut down, cancelling what is still in flight.
   *
   * Invariants:
   * 1. A trace handed out has a ValueLoader that returns null or bytes whose length, SHA-256 and
   *    fingerprint match what the (checksummed, and with a key signed) entry recorded; loaded bytes are
   *    kept, so the local tier of a tiered store reads them without a second request.
   * 2. A value is in the CAS before any entry written here names it (upload order: CAS, then entry).
   * 3. One read-merge-write of an entry at a time in this process (a lock stripe per MemoId hash).
   * 4. Nothing here throws to the engine for anything the server does; each problem is counted once in
   *    `errors` (with `timeouts` and `refused` as sub-counts) and logged once per kind.
   */
  private static final System.Logger LOG = System.getLogger(RemoteCache.class.getName());
  private static final HexFormat HEX = HexFormat.of();
  private static final int STRIPES = 64;

  private final HttpCache http;
  private final RemoteCounters counters = new RemoteCounters();
  private final CircuitBreaker breaker;
  private final Uploads<Job> uploads; // null when read-only
  private final Bundles bundles; // null when bundles are off
  private final byte[] key;
  private final int maxEntryBytes;
  private final int maxBlobBytes;
  private final int inlineValueBytes;
  private final int tracesPerEntry;
  private final Duration drainTimeout;
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private RemoteCache(Builder b) {
    this.breaker = new CircuitBreaker(b.breakerFailures, b.breakerOpenFor, b.base.toString(), counters);
    this.http = new HttpCache(b.base, b.connectTimeout, b.requestTimeout, b.concurrency, b.headers, breaker,
        counters);
    this.key = b.hmacKey;
    this.maxEntryBytes = b.maxEntryBytes;
    this.maxBlobBytes = b.maxBlobBytes;
    this.inlineValueBytes = b.inlineValueBytes;
    this.tracesPerEntry = b.tracesPerEntry;
    this.drainTimeout = b.drainTimeout;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
    this.bundles = b.bundles ? new Bundles(this, http, counters, key, b.maxBundleBytes, b.maxBlobBytes) : null;
    this.uploads = b.readOnly ? null
        : new Uploads<>(b.uploadQueue, Math.max(1, b.concurrency / 2), this::run);
  }

  /** A cache at {@code base} with the defaults of {@link Builder}. */
  public static RemoteCache http(URI base) {
    return builder(base).build();
  }

  /**
   * A builder of a cache at {@code base}, an {@code http} or {@code https} URI; the protocol's paths are
   * resolved against it as a directory ({@code http://cache:8080/weft} and {@code http://cache:8080/weft/}
   * both give {@code http://cache:8080/weft/ac/...}).
   */
  public static Builder builder(URI base) {
    return new Builder(base);
  }

  @Override
  public List<Trace> traces(MemoId id) {
    if (closed.get()) {
      return List.of();
    }
    counters.lookups.increment();
    List<Trace> bundled = bundles == null ? null : bundles.traces(id);
    if (bundled != null) {
      counters.hits.increment();
      counters.bundleHits.increment();
      return new Bundles.Hit(bundled, () -> lookup(id)); // the memo's entry only if the bundle's do not match
    }
    List<Trace> found = lookup(id);
    (found.isEmpty() ? counters.misses : counters.hits).increment();
    return found;
  }

  @Override
  public List<List<Trace>> traces(List<MemoId> ids) {
    if (ids.size() <= 1) {
      return MemoStore.super.traces(ids);
    }
    List<List<Trace>> out = new ArrayList<>(ids.size());
    try (ExecutorService lookups = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<List<Trace>>> futures = new ArrayList<>(ids.size());
      for (MemoId id : ids) {
        if (bundles != null && !closed.get() && bundles.traces(id) != null) {
          futures.add(CompletableFuture.completedFuture(traces(id))); // in memory: no thread
        } else {
          futures.add(lookups.submit(() -> traces(id))); // HttpCache bounds the requests in flight
        }
      }
      for (Future<List<Trace>> f : futures) {
        out.add(uninterruptibly(f, List.of()));
      }
    }
    return out;
  }

  /**
   * The value of {@code f}, or {@code orElse} if it failed; waits through interrupts (what it waits for ends
   * by its requests' deadlines) and keeps the interrupt status.
   */
  static <T> T uninterruptibly(Future<T> f, T orElse) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return f.get();
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          return orElse; // lookups do not throw; stay total anyway
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private List<Trace> lookup(MemoId id) {
    byte[] address = id.digest();
    byte[] body;
    try {
      body = http.get("ac/" + HEX.formatHex(address), maxEntryBytes);
    } catch (HttpCache.Failure f) {
      problem(f);
      return List.of();
    }
    if (body == null) {
      return List.of();
    }
    try {
      List<AcEntry.Item> items = AcEntry.decode(body, id, address, key, maxEntryBytes, this::bind);
      List<Trace> traces = new ArrayList<>(items.size());
      for (AcEntry.Item it : items) {
        traces.add(it.trace());
      }
      return traces;
    } catch (AcEntry.Refused r) {
      refused("entry", "ignoring entry " + id + " from " + http.base() + ": " + r.getMessage());
      return List.of();
    }
  }

  Trace bind(AcEntry.Item it) {
    Trace t = it.trace();
    return new Trace(t.id(), t.value(), t.steps(), new ValueLoader(it));
  }

  /** Loads a value once: from the entry or the CAS, checked against its SHA-256 and the trace's fingerprint. */
  private final class ValueLoader implements Supplier<byte[]> {
    private final AcEntry.Item item;
    private volatile byte[] loaded;

    ValueLoader(AcEntry.Item item) {
      this.item = item;
    }

    @Override
    public byte[] get() {
      byte[] b = loaded;
      if (b != null || closed.get()) {
        return b;
      }
      if (item.kind() == AcEntry.INLINE) {
        b = item.inline();
      } else if (item.size() > maxBlobBytes) {
        refused("blob", "value of " + item.trace().id() + " exceeds " + maxBlobBytes + " bytes");
        return null;
      } else {
        try {
          b = http.get("cas/" + HEX.formatHex(item.sha256()), item.size());
        } catch (HttpCache.Failure f) {
          problem(f);
          return null;
        }
        if (b == null) {
          counters.errors.increment();
          warnOnce("missing", "the value of " + item.trace().id() + " is missing from " + http.base());
          return null;
        }
      }
      if (b.length != item.size() || !MessageDigest.isEqual(sha256(b), item.sha256())
          || !Fingerprint.of(b).equals(item.trace().value())) {
        refused("hash", "a value from " + http.base() + " does not match its hash; ignoring it");
        return null;
      }
      counters.valuesLoaded.increment();
      loaded = b;
      return b;
    }
  }

  @Override
  public void write(List<Trace> added, List<Trace> used) {
    long t0 = System.nanoTime();
    counters.writes.increment();
    try {
      if (uploads == null || added.isEmpty()) {
        return; // the bundle, if any, is queued below
      }
      Map<MemoId, List<Trace>> byId = new LinkedHashMap<>();
      for (Trace t : added) {
        byId.computeIfAbsent(t.id(), k -> new ArrayList<>(1)).add(t);
      }
      for (Map.Entry<MemoId, List<Trace>> e : byId.entrySet()) {
        if (closed.get() || !uploads.offer(new Upload(e.getKey(), e.getValue()))) {
          counters.uploadsDropped.add(e.getValue().size());
          warnOnce("queue", "the upload queue to " + http.base() + " is full or closed; dropping traces");
        }
      }
    } finally {
      if (bundles != null && uploads != null && !closed.get() && !(added.isEmpty() && used.isEmpty())) {
        List<Trace> all = new ArrayList<>(added.size() + used.size());
        all.addAll(added);
        all.addAll(used);
        long seq = bundles.next();
        if (uploads.offer(new BundleUpload(seq, all))) {
          bundles.queued(seq);
        } else {
          warnOnce("queue", "the upload queue to " + http.base() + " is full or closed; dropping the bundle");
        }
      }
      counters.writeNanos.add(System.nanoTime() - t0);
    }
  }

  /** What the upload threads do. */
  private sealed interface Job permits Upload, BundleUpload {}

  /** The traces of one memo to upload, newest first. */
  private record Upload(MemoId id, List<Trace> traces) implements Job {}

  /** One checkpoint's traces, added and used, to upload as a bundle (after the memos queued before it). */
  private record BundleUpload(long seq, List<Trace> traces) implements Job {}

  private void run(Job job) {
    switch (job) {
      case Upload u -> upload(u);
      case BundleUpload b -> bundles.upload(b.seq, b.traces);
    }
  }

  private void upload(Upload u) {
    List<AcEntry.Item> items = new ArrayList<>(u.traces.size());
    for (Trace t : u.traces) {
      AcEntry.Item it = item(t);
      if (it == null) {
        counters.uploadsDropped.increment();
      } else {
        items.add(it);
      }
    }
    if (items.isEmpty()) {
      return;
    }
    byte[] address = u.id.digest();
    String path = "ac/" + HEX.formatHex(address);
    ReentrantLock stripe = stripes[Math.floorMod(u.id.hashCode(), STRIPES)];
    stripe.lock(); // one read-merge-write of an entry at a time in this process
    try {
      List<AcEntry.Item> existing = List.of();
      byte[] old = http.get(path, maxEntryBytes);
      if (old != null) {
        try {
          existing = AcEntry.decode(old, u.id, address, key, maxEntryBytes, AcEntry.Item::trace);
        } catch (AcEntry.Refused r) {
          refused("entry", "replacing entry " + u.id + " on " + http.base() + ": " + r.getMessage());
        }
      }
      byte[] body = AcEntry.encode(address, AcEntry.merge(items, existing, tracesPerEntry), key, maxEntryBytes);
      if (body == null) {
        counters.uploadsDropped.add(items.size());
        warnOnce("entrySize", "a trace of " + u.id + " does not fit in an entry of " + maxEntryBytes + " bytes");
        return;
      }
      http.put(path, body);
      counters.uploaded.add(items.size());
    } catch (HttpCache.Failure f) {
      counters.uploadsDropped.add(items.size());
      problem(f);
    } finally {
      stripe.unlock();
    }
  }

  /** The entry item of {@code t}, its value uploaded to the CAS unless inline; null if it cannot be. */
  private AcEntry.Item item(Trace t) {
    byte[] value = t.loadValue();
    if (value == null) {
      return null;
    }
    if (value.length > maxBlobBytes) {
      warnOnce("blobSize", "a value of " + t.id() + " exceeds " + maxBlobBytes + " bytes; not uploading it");
      return null;
    }
    byte[] sha = sha256(value);
    byte[] encoded = AcEntry.encodeTrace(t);
    if (value.length <= inlineValueBytes) {
      return new AcEntry.Item(t, encoded, AcEntry.INLINE, sha, value.length, value);
    }
    try {
      http.put("cas/" + HEX.formatHex(sha), value);
    } catch (HttpCache.Failure f) {
      problem(f);
      return null;
    }
    return new AcEntry.Item(t, encoded, AcEntry.CAS, sha, value.length, null);
  }

  void problem(HttpCache.Failure f) {
    if (f.kind != HttpCache.Kind.BYPASSED && f.kind != HttpCache.Kind.INTERRUPTED) {
      warnOnce(f.kind.name(), "remote cache request failed: " + f.getMessage());
    }
  }

  void refused(String kind, String message) {
    counters.refused.increment();
    counters.errors.increment();
    warnOnce(kind, message);
  }

  void warnOnce(String kind, String message) {
    LOG.log(warned.add(kind) ? Level.WARNING : Level.DEBUG, message);
  }

  @Override
  public Stats stats() {
    Counters c = counters();
    return new Stats(c.lookups(), c.hits(), c.misses(), c.errors(), c.bytesRead(), c.bytesWritten(),
        counters.writes.sum(), counters.writeNanos.sum());
  }

  /** A snapshot of this cache's counters, more detailed than {@link #stats}. */
  public Counters counters() {
    return counters.snapshot();
  }

  /** Waits until the uploads queued so far are done, at most {@code timeout}; true if they are. For tests. */
  boolean awaitUploads(Duration timeout) {
    return uploads == null || uploads.drain(timeout);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (uploads != null) {
        if (!uploads.drain(drainTimeout)) {
          warnOnce("drain", "uploads to " + http.base() + " did not finish within " + drainTimeout
              + "; dropping the rest");
        }
        for (Job j : uploads.shutdown()) {
          if (j instanceof Upload u) {
            counters.uploadsDropped.add(u.traces.size());
          }
        }
      }
    } finally {
      http.close();
    }
  }

  @Override
  public String toString() {
    return "RemoteCache[" + http.base() + (uploads == null ? ", read-only" : "") + (key != null ? ", signed" : "")
        + "]";
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * Counters of a remote cache since it was built.
   *
   * @param lookups memo lookups asked for
   * @param hits lookups that found at least one usable trace
   * @param misses lookups that found none (including failed and bypassed ones)
   * @param errors failed requests and refused answers (timeouts, I/O errors, error statuses, missing values,
   *     entries and values refused)
   * @param timeouts requests that missed their deadline (part of {@code errors})
   * @param refused entries and values refused: malformed, unsigned or wrongly signed, over a size cap, or not
   *     matching their hash (part of {@code errors})
   * @param bypassed requests not sent because the circuit breaker was open
   * @param breakerOpenings times the circuit breaker opened
   * @param valuesLoaded values loaded and verified
   * @param uploaded traces uploaded
   * @param uploadsDropped traces not uploaded: queue full, value missing or too large, server failing, or
   *     still queued when {@link #close} gave up
   * @param requests HTTP requests answered by the server
   * @param requestNanos time spent in HTTP requests, summed over concurrent ones
   * @param bytesRead response body bytes read
   * @param bytesWritten request body bytes accepted by the server
   * @param bundlesLoaded bundles downloaded and verified (at most one per namespace)
   * @param bundleBytes bytes of the bundles loaded (part of {@code bytesRead})
   * @param bundleNanos time spent fetching bundles, the pointer and the blob, failed attempts included
   * @param bundleHits lookups answered by a bundle (part of {@code hits})
   * @param bundlesUploaded bundles uploaded (a checkpoint whose bundle the server holds already sends none)
   */
  public record Counters(long lookups, long hits, long misses, long errors, long timeouts, long refused,
      long bypassed, long breakerOpenings, long valuesLoaded, long uploaded, long uploadsDropped, long requests,
      long requestNanos, long bytesRead, long bytesWritten, long bundlesLoaded, long bundleBytes, long bundleNanos,
      long bundleHits, long bundlesUploaded) {}

  /** Options of a {@link RemoteCache}; every one has a default. */
  public static final class Builder {
    private final URI base;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration drainTimeout = Duration.ofSeconds(10);
    private int maxEntryBytes = 4 << 20;
    private int maxBlobBytes = 64 << 20;
    private int inlineValueBytes = 1024;
    private int concurrency = 16;
    private int tracesPerEntry = 4;
    private int uploadQueue = 4096;
    private int breakerFailures = 5;
    private Duration breakerOpenFor = Duration.ofSeconds(30);
    private byte[] hmacKey;
    private boolean readOnly;
    private boolean bundles = true;
    private int maxBundleBytes = 256 << 20;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Builder(URI base) {
      Objects.requireNonNull(base, "base");
      String scheme = base.getScheme();
      if (!base.isAbsolute() || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
          || base.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URI with a host: " + base);
      }
      if (base.getQuery() != null || base.getFragment() != null) {
        throw new IllegalArgumentException("a cache URI has no query or fragment: " + base);
      }
      String path = base.getRawPath() == null || base.getRawPath().isEmpty() ? "/" : base.getRawPath();
      this.base = base.resolve(path.endsWith("/") ? path : path + "/");
    }

    /** Deadline for opening a connection (default 2 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /**
     * Deadline of one request, from sending it to the last byte of the answer; also the longest wait for a
     * free request slot (default 10 s).
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive(timeout, "requestTimeout");
      return this;
    }

    /** How long {@link RemoteCache#close} waits for queued uploads before dropping them (default 10 s). */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout, "drainTimeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("drainTimeout < 0: " + timeout);
      }
      return this;
    }

    /** The largest trace entry read or written (default 4 MiB); a larger answer is refused unread. */
    public Builder maxEntryBytes(int bytes) {
      this.maxEntryBytes = atLeast(bytes, 64, "maxEntryBytes");
      return this;
    }

    /** The largest value read or written (default 64 MiB). */
    public Builder maxBlobBytes(int bytes) {
      this.maxBlobBytes = atLeast(bytes, 1, "maxBlobBytes");
      return this;
    }

    /** Values of at most this many bytes travel inside their trace entry, saving a request (default 1024). */
    public Builder inlineValueBytes(int bytes) {
      this.inlineValueBytes = atLeast(bytes, 0, "inlineValueBytes");
      return this;
    }

    /** The most requests in flight at once, lookups and uploads together (default 16). */
    public Builder concurrency(int requests) {
      this.concurrency = atLeast(requests, 1, "concurrency");
      return this;
    }

    /** How many traces an entry keeps, newest first (default 4). */
    public Builder tracesPerEntry(int traces) {
      this.tracesPerEntry = atLeast(traces, 1, "tracesPerEntry");
      return this;
    }

    /** How many memos' traces wait for upload at most; more are dropped and counted (default 4096). */
    public Builder uploadQueue(int memos) {
      this.uploadQueue = atLeast(memos, 1, "uploadQueue");
      return this;
    }

    /**
     * After {@code failures} consecutive failed requests (timeouts, I/O errors, 5xx answers), send none for
     * {@code openFor}, then one probe whose success resumes (default 5 failures, 30 s).
     */
    public Builder circuitBreaker(int failures, Duration openFor) {
      this.breakerFailures = atLeast(failures, 1, "failures");
      this.breakerOpenFor = positive(openFor, "openFor");
      return this;
    }

    /**
     * Signs written entries with HMAC-SHA256 under {@code key} and ignores entries read without a valid
     * signature. Every machine that shares the cache needs the same key. Copied.
     */
    public Builder hmacKey(byte[] key) {
      if (key.length < 16) {
        throw new IllegalArgumentException("an HMAC key needs at least 16 bytes, got " + key.length);
      }
      this.hmacKey = key.clone();
      return this;
    }

    /** Only reads: {@link RemoteCache#write} sends nothing (for machines that must not publish). */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * Whether to read and write bundles (default true): at each checkpoint, one blob with every trace of the
     * checkpoint under a fixed address per namespace, so that a new machine reads them all in two requests
     * (docs/store.md, Protocol). Off, every memo is looked up by its own entry.
     */
    public Builder bundles(boolean bundles) {
      this.bundles = bundles;
      return this;
    }

    /**
     * The largest bundle read or written (default 256 MiB): a larger one is ignored unread, and a checkpoint
     * with more keeps only the traces that fit (the others are still in their entries).
     */
    public Builder maxBundleBytes(int bytes) {
      this.maxBundleBytes = atLeast(bytes, 64, "maxBundleBytes");
      return this;
    }

    /** A header sent with every request, for example an {@code Authorization} or API-key header. */
    public Builder header(String name, String value) {
      headers.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The cache; it opens no connection until the first request. */
    public RemoteCache build() {
      return new RemoteCache(this);
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    private static int atLeast(int v, int min, String what) {
      if (v < min) {
        throw new IllegalArgumentException(what + " must be at least " + min + ": " + v);
      }
      return v;
    }
  }
}
