package dev.weft.store;

import java.util.concurrent.atomic.LongAdder;

/** The mutable counters behind {@link RemoteCache.Counters}. */
final class RemoteCounters {
  final LongAdder lookups = new LongAdder();
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder timeouts = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder bypassed = new LongAdder();
  final LongAdder breakerOpenings = new LongAdder();
  final LongAdder valuesLoaded = new LongAdder();
  final LongAdder uploaded = new LongAdder();
  final LongAdder uploadsDropped = new LongAdder();
  final LongAdder requests = new LongAdder();
  final LongAdder requestNanos = new LongAdder();
  final LongAdder bytesRead = new LongAdder();
  final LongAdder bytesWritten = new LongAdder();
  final LongAdder writes = new LongAdder();
  final LongAdder writeNanos = new LongAdder();
  final LongAdder bundlesLoaded = new LongAdder();
  final LongAdder bundleBytes = new LongAdder();
  final LongAdder bundleNanos = new LongAdder();
  final LongAdder bundleHits = new LongAdder();
  final LongAdder bundlesUploaded = new LongAdder();

  RemoteCache.Counters snapshot() {
    return new RemoteCache.Counters(lookups.sum(), hits.sum(), misses.sum(), errors.sum(), timeouts.sum(),
        refused.sum(), bypassed.sum(), breakerOpenings.sum(), valuesLoaded.sum(), uploaded.sum(),
        uploadsDropped.sum(), requests.sum(), requestNanos.sum(), bytesRead.sum(), bytesWritten.sum(),
        bundlesLoaded.sum(), bundleBytes.sum(), bundleNanos.sum(), bundleHits.sum(), bundlesUploaded.sum());
  }
}
