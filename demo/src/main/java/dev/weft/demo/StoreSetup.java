package dev.weft.demo;

import dev.weft.query.MemoStore;
import dev.weft.store.LocalStore;
import dev.weft.store.RemoteCache;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The memo stores of {@code --store DIR} and {@code --remote URL}: a {@link LocalStore}, a {@link RemoteCache},
 * or both tiered ({@link MemoStore#tiered}, the local store in front). Opened before the analysis, closed
 * after the engine (which writes its last checkpoint on close), and reported at the end of the output: what
 * the run reused from the stores and what it executed, the store's size against the sources it covers, and
 * the time spent opening, checkpointing and closing (a remote cache finishes its uploads on close).
 */
final class StoreSetup implements AutoCloseable {
  /** Memos a checkpoint may queue for upload: every memo of an analysis of all of a JDK's sources. */
  static final int UPLOAD_QUEUE = 1 << 18;
  /** How long closing waits for the uploads of the last checkpoint. */
  static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(2);

  final LocalStore local;
  final RemoteCache remote;
  final MemoStore store;
  final long openNanos;
  private long closeNanos = -1;
  private final List<String> failures = new ArrayList<>();

  /** What the reported analysis did with the store, recorded by {@link AnalyzeCommand}. */
  AnalysisRun.Counters counters;
  AnalysisRun.Checkpoint checkpoint;
  Map<String, Long> bodiesRun;
  long analysisNanos;

  private StoreSetup(LocalStore local, RemoteCache remote, long openNanos) {
    this.local = local;
    this.remote = remote;
    this.store = local != null && remote != null ? MemoStore.tiered(local, remote) : local != null ? local : remote;
    this.openNanos = openNanos;
  }

  /**
   * Opens the stores asked for.
   *
   * @param dir the local store's directory, or null
   * @param remote the remote cache's base URI, or null
   * @throws IllegalArgumentException if {@code remote} is not an {@code http} or {@code https} URI
   */
  static StoreSetup open(Path dir, URI remote) {
    long t0 = System.nanoTime();
    // One checkpoint of the demo hands the cache every memo of the analysis at once (14,000 on java.base):
    // the queue holds them all, and closing waits for them as a publishing CI job would.
    RemoteCache r = remote == null ? null : RemoteCache.builder(remote).uploadQueue(UPLOAD_QUEUE)
        .drainTimeout(DRAIN_TIMEOUT).build();
    LocalStore l;
    try {
      l = dir == null ? null : LocalStore.open(dir);
    } catch (RuntimeException e) {
      if (r != null) {
        r.close();
      }
      throw e;
    }
    return new StoreSetup(l, r, System.nanoTime() - t0);
  }

  /** Records a failed checkpoint: the analysis's results stand, the store keeps its previous state. */
  void failed(String what, RuntimeException e) {
    failures.add(what + ": " + (e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e));
  }

  List<String> failures() {
    return List.copyOf(failures);
  }

  /** Closes the stores (idempotent); a remote cache first waits for its queued uploads. */
  @Override
  public void close() {
    if (closeNanos >= 0) {
      return;
    }
    long t0 = System.nanoTime();
    try {
      store.close();
    } catch (RuntimeException e) {
      failed("closing the store", e);
    } finally {
      closeNanos = System.nanoTime() - t0;
    }
  }

  /** The store section of the output (after {@link #close}). */
  void print(Printer p, SourceTree tree) {
    p.text("");
    p.text("memo store");
    if (local != null) {
      long[] files = size(local.directory());
      long sources = sourceBytes(tree);
      p.text("  %-22s %s: %s in %,d files, %.2fx the %s of sources it covers%s", "local store",
          local.directory(), bytes(files[0]), files[1], sources == 0 ? 0.0 : (double) files[0] / sources,
          bytes(sources), local.isReadOnly() ? " (read-only: in use by another process, this run's memos are"
              + " not kept)" : "");
    }
    if (remote != null) {
      RemoteCache.Counters c = remote.counters();
      p.text("  %-22s %s: %,d lookups, %,d hits, %,d misses, %,d errors (%,d timeouts, %,d refused, %,d"
          + " bypassed), %s read, %s written, %,d traces uploaded, %,d dropped; bundles %,d loaded (%s in"
          + " %,.0f ms), %,d hits, %,d uploaded", "remote cache", remote,
          c.lookups(), c.hits(), c.misses(), c.errors(), c.timeouts(), c.refused(), c.bypassed(),
          bytes(c.bytesRead()), bytes(c.bytesWritten()), c.uploaded(), c.uploadsDropped(), c.bundlesLoaded(),
          bytes(c.bundleBytes()), Printer.millis(c.bundleNanos()), c.bundleHits(), c.bundlesUploaded());
    }
    AnalysisRun.Counters c = counters;
    if (c != null) {
      p.text("  %-22s %,9d  (looked up %,d, values decoded %,d, stored traces tried and not reused %,d)",
          "reused from the store", c.reused(), c.lookedUp(), c.decoded(), c.mismatched());
      p.text("  %-22s %,9d  (%s)", "bodies run", c.executions(), byQuery(bodiesRun));
    }
    if (checkpoint != null) {
      p.text("  %-22s %,9d  (memos computed by this run)", "traces stored", checkpoint.tracesStored());
    }
    for (String f : failures) {
      p.text("  store not written: %s", f);
    }
    p.timing("store open %,.1f ms (before the analysis; a local store reads its index)", Printer.millis(openNanos));
    if (checkpoint != null) {
      p.timing("checkpoint %,.1f ms = %.2f%% of the analysis (%,.0f ms)%s", Printer.millis(checkpoint.nanos()),
          analysisNanos == 0 ? 0.0 : 100.0 * checkpoint.nanos() / analysisNanos, Printer.millis(analysisNanos),
          checkpoint.storeNanos() < 0 ? "" : String.format(Locale.ROOT, "; the local store's write %,.1f ms of it",
              Printer.millis(checkpoint.storeNanos())));
    }
    if (remote != null) {
      RemoteCache.Counters r = remote.counters();
      p.timing("remote %,d requests, %,.0f ms in requests (summed over concurrent ones)", r.requests(),
          Printer.millis(r.requestNanos()));
    }
    p.timing("store close %,.1f ms (the engine's last checkpoint is before it%s)", Printer.millis(closeNanos),
        remote != null ? "; includes waiting for uploads to the remote cache" : "");
  }

  /** Bytes and number of the regular files under {@code dir}. */
  private static long[] size(Path dir) {
    long[] out = new long[2];
    try (Stream<Path> files = Files.walk(dir)) {
      files.filter(Files::isRegularFile).forEach(f -> {
        try {
          out[0] += Files.size(f);
          out[1]++;
        } catch (IOException e) {
          // deleted meanwhile
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // an unreadable directory counts as empty
    }
    return out;
  }

  /** UTF-8 bytes of the tree's sources. */
  static long sourceBytes(SourceTree tree) {
    long n = 0;
    for (SourceText s : tree.sources().values()) {
      n += s.text().getBytes(StandardCharsets.UTF_8).length;
    }
    return n;
  }

  /** {@code n} bytes in a unit that keeps three or more digits. */
  static String bytes(long n) {
    return n < 10_000 ? String.format(Locale.ROOT, "%,d bytes", n)
        : n < 10_000_000 ? String.format(Locale.ROOT, "%,.1f kB", n / 1e3)
        : String.format(Locale.ROOT, "%,.1f MB", n / 1e6);
  }

  private static String byQuery(Map<String, Long> bodies) {
    if (bodies == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    bodies.forEach((q, n) -> parts.add(q + " " + String.format(Locale.ROOT, "%,d", n)));
    return String.join(", ", parts);
  }
}
