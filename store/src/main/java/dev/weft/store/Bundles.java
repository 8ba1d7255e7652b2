package dev.weft.store;

import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.MemoId;
import dev.weft.query.MemoStore.Trace;
import java.security.MessageDigest;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The {@link Bundle}s of one {@link RemoteCache}: read once per namespace, written at each checkpoint.
 *
 * <p>Implementation overview. {@link #loaded} maps a namespace to the future of its bundle's traces. The first
 * lookup of a namespace installs the future and downloads on its own thread (the pointer, then the blob, each a
 * request with the cache's deadline); lookups of the same namespace meanwhile wait for that future, which the
 * downloader always completes (with no traces when anything fails), so no lookup waits longer than the two
 * requests' deadlines. Once complete, the map is only read. A namespace is downloaded at most once per cache.
 * {@link #known} holds, per namespace, the SHA-256 of the bundle the server is known to hold (downloaded or
 * uploaded here), so that a checkpoint whose bundle is that very one sends nothing. Bundles are uploaded one
 * at a time, and a bundle is skipped when a later checkpoint's is queued already (that one holds every trace
 * current then): a process that checkpoints twice in a row uploads one bundle.
 */
final class Bundles {
  private static final HexFormat HEX = HexFormat.of();
  private static final Comparator<Trace> BY_ID = Comparator.<Trace, String>comparing(t -> t.id().query())
      .thenComparing(t -> t.id().version())
      .thenComparing((a, b) -> Arrays.compareUnsigned(a.id().key(), b.id().key()));

  private final RemoteCache cache;
  private final HttpCache http;
  private final RemoteCounters counters;
  private final byte[] key;
  private final int maxBytes;
  private final int maxBlobBytes;
  private final Map<String, CompletableFuture<Map<MemoId, List<Trace>>>> loaded = new ConcurrentHashMap<>();
  private final Map<String, byte[]> known = new ConcurrentHashMap<>();
  /** Numbers the bundles queued; the newest accepted by the queue; one upload at a time. */
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicLong newest = new AtomicLong();
  private final ReentrantLock uploading = new ReentrantLock();

  Bundles(RemoteCache cache, HttpCache http, RemoteCounters counters, byte[] key, int maxBytes, int maxBlobBytes) {
    this.cache = cache;
    this.http = http;
    this.counters = counters;
    this.key = key;
    this.maxBytes = maxBytes;
    this.maxBlobBytes = maxBlobBytes;
  }

  /** The traces of {@code id} in its namespace's bundle, or null when the bundle has none (or there is none). */
  List<Trace> traces(MemoId id) {
    return bundle(id.namespace()).get(id);
  }

  private Map<MemoId, List<Trace>> bundle(String namespace) {
    CompletableFuture<Map<MemoId, List<Trace>>> f = loaded.get(namespace);
    if (f == null) {
      CompletableFuture<Map<MemoId, List<Trace>>> mine = new CompletableFuture<>();
      f = loaded.putIfAbsent(namespace, mine);
      if (f == null) {
        Map<MemoId, List<Trace>> result = Map.of();
        try {
          result = download(namespace);
        } finally {
          mine.complete(result);
        }
        return result;
      }
    }
    return RemoteCache.uninterruptibly(f, Map.of()); // the downloader's requests end by their deadlines
  }

  private Map<MemoId, List<Trace>> download(String namespace) {
    long t0 = System.nanoTime();
    byte[] address = Bundle.address(namespace);
    String where = "the bundle of '" + namespace + "' on " + http.base();
    try {
      byte[] body = http.get("ac/" + HEX.formatHex(address), Bundle.POINTER_BYTES);
      if (body == null) {
        return Map.of(); // no bundle yet
      }
      Bundle.Pointer p = Bundle.decodePointer(body, address, key);
      if (p.size() > maxBytes) {
        cache.refused("bundle", "ignoring " + where + ": " + p.size() + " bytes exceed maxBundleBytes " + maxBytes);
        return Map.of();
      }
      byte[] blob = http.get("cas/" + HEX.formatHex(p.sha256()), p.size());
      if (blob == null) {
        counters.errors.increment();
        cache.warnOnce("bundle", where + " names a blob the server does not have");
        return Map.of();
      }
      if (blob.length != p.size() || !MessageDigest.isEqual(RemoteCache.sha256(blob), p.sha256())) {
        cache.refused("bundle", "ignoring " + where + ": the blob does not match its hash");
        return Map.of();
      }
      Map<MemoId, List<Trace>> traces = Bundle.decode(blob, namespace, cache::bind);
      known.put(namespace, p.sha256());
      counters.bundlesLoaded.increment();
      counters.bundleBytes.add(blob.length);
      return traces;
    } catch (HttpCache.Failure f) {
      cache.problem(f);
      return Map.of();
    } catch (AcEntry.Refused r) {
      cache.refused("bundle", "ignoring " + where + ": " + r.getMessage());
      return Map.of();
    } finally {
      counters.bundleNanos.add(System.nanoTime() - t0);
    }
  }

  /** The number of the next bundle to queue. */
  long next() {
    return sequence.incrementAndGet();
  }

  /** Bundle {@code seq} is queued. */
  void queued(long seq) {
    newest.accumulateAndGet(seq, Math::max);
  }

  /**
   * Uploads bundle {@code seq} of {@code traces} (one checkpoint's, added and used), per namespace: the blob,
   * then its pointer. Runs on an upload thread. Sends nothing for a namespace whose bundle the server holds
   * already, nor when a later bundle is queued.
   */
  void upload(long seq, List<Trace> traces) {
    uploading.lock();
    try {
      if (seq < newest.get()) {
        return;
      }
      Map<String, List<Trace>> byNamespace = new LinkedHashMap<>();
      for (Trace t : traces) {
        byNamespace.computeIfAbsent(t.id().namespace(), k -> new ArrayList<>()).add(t);
      }
      for (Map.Entry<String, List<Trace>> e : byNamespace.entrySet()) {
        upload(e.getKey(), e.getValue());
      }
    } finally {
      uploading.unlock();
    }
  }

  private void upload(String namespace, List<Trace> traces) {
    traces.sort(BY_ID); // the same traces give the same blob, whichever machine writes it
    List<AcEntry.Item> items = new ArrayList<>(traces.size());
    for (Trace t : traces) {
      byte[] value = t.loadValue();
      if (value != null && value.length <= maxBlobBytes) {
        items.add(new AcEntry.Item(t, AcEntry.encodeTrace(t), AcEntry.INLINE, RemoteCache.sha256(value),
            value.length, value));
      }
    }
    Bundle.Encoded enc = Bundle.encode(items, maxBytes);
    if (enc == null) {
      return;
    }
    if (enc.traces() < items.size()) {
      cache.warnOnce("bundleSize", "the bundle of '" + namespace + "' holds " + enc.traces() + " of "
          + items.size() + " traces: the rest exceed maxBundleBytes " + maxBytes);
    }
    byte[] sha = RemoteCache.sha256(enc.blob());
    if (Arrays.equals(sha, known.get(namespace))) {
      return;
    }
    byte[] address = Bundle.address(namespace);
    try {
      http.put("cas/" + HEX.formatHex(sha), enc.blob());
      http.put("ac/" + HEX.formatHex(address),
          Bundle.encodePointer(address, new Bundle.Pointer(sha, enc.blob().length, enc.traces()), key));
      known.put(namespace, sha);
      counters.bundlesUploaded.increment();
    } catch (HttpCache.Failure f) {
      cache.problem(f);
    }
  }

  /**
   * A bundle's traces of one memo, then the traces of the memo's own entry that the bundle does not have,
   * fetched only when iterated to (the bundle's did not match) or when the size is asked for.
   */
  static final class Hit extends AbstractList<Trace> {
    private final List<Trace> bundled;
    private final Supplier<List<Trace>> entry;
    private volatile List<Trace> rest;

    Hit(List<Trace> bundled, Supplier<List<Trace>> entry) {
      this.bundled = bundled;
      this.entry = entry;
    }

    private List<Trace> rest() {
      List<Trace> r = rest;
      if (r == null) {
        synchronized (this) {
          r = rest;
          if (r == null) {
            Set<Fingerprint> have = new HashSet<>();
            for (Trace t : bundled) {
              have.add(t.digest());
            }
            r = new ArrayList<>();
            for (Trace t : entry.get()) {
              if (!have.contains(t.digest())) {
                r.add(t);
              }
            }
            rest = r;
          }
        }
      }
      return r;
    }

    @Override
    public Trace get(int index) {
      return index < bundled.size() ? bundled.get(index) : rest().get(index - bundled.size());
    }

    @Override
    public int size() {
      return bundled.size() + rest().size();
    }

    @Override
    public boolean isEmpty() {
      return bundled.isEmpty() && rest().isEmpty();
    }

    @Override
    public Iterator<Trace> iterator() {
      return new Iterator<>() {
        private int next;

        @Override
        public boolean hasNext() {
          return next < bundled.size() || next - bundled.size() < rest().size();
        }

        @Override
        public Trace next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          return get(next++);
        }
      };
    }
  }
}
