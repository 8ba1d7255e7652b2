package dev.weft.store;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stops sending requests to a server that keeps failing, for a while.
 *
 * <p>States: <em>closed</em> ({@code openUntil == 0}, requests pass; {@code threshold} consecutive failures
 * open it), <em>open</em> ({@code now < openUntil}, requests are refused without being sent) and
 * <em>half-open</em> (the open period is over: exactly one request, the probe, passes; its success closes
 * the breaker, its failure opens it for another period). A success resets the count of consecutive failures.
 * The first opening is logged as a warning, later ones at debug level.
 */
final class CircuitBreaker {
  private static final System.Logger LOG = System.getLogger(RemoteCache.class.getName());

  private final int threshold;
  private final long openNanos;
  private final String server;
  private final RemoteCounters counters;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicLong openUntil = new AtomicLong(); // 0 while closed; System.nanoTime() deadline otherwise
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicBoolean warned = new AtomicBoolean();

  CircuitBreaker(int threshold, Duration openFor, String server, RemoteCounters counters) {
    this.threshold = threshold;
    this.openNanos = Math.max(1, openFor.toNanos());
    this.server = server;
    this.counters = counters;
  }

  /** Whether a request may be sent now; in the half-open state, true for one caller only. */
  boolean allow() {
    long until = openUntil.get();
    if (until == 0) {
      return true;
    }
    if (System.nanoTime() - until < 0) {
      return false;
    }
    return probing.compareAndSet(false, true);
  }

  /** Whether requests are being refused now (open, or half-open with the probe in flight). */
  boolean isOpen() {
    long until = openUntil.get();
    return until != 0 && (System.nanoTime() - until < 0 || probing.get());
  }

  void success() {
    failures.set(0);
    if (openUntil.get() != 0) {
      openUntil.set(0);
      probing.set(false);
      LOG.log(Level.INFO, "remote cache {0} answers again; using it", server);
    }
  }

  /** A request ended without telling whether the server is healthy; a probe lets another request probe. */
  void neutral() {
    probing.set(false);
  }

  void failure() {
    if (probing.get()) {
      openUntil.set(deadline());
      probing.set(false);
      return;
    }
    if (failures.incrementAndGet() >= threshold && openUntil.compareAndSet(0, deadline())) {
      counters.breakerOpenings.increment();
      Level level = warned.compareAndSet(false, true) ? Level.WARNING : Level.DEBUG;
      LOG.log(level, "remote cache {0} failed {1} times in a row; bypassing it for {2} ms (the run goes on "
          + "locally)", server, threshold, openNanos / 1_000_000);
    }
  }

  private long deadline() {
    long d = System.nanoTime() + openNanos;
    return d == 0 ? 1 : d;
  }
}
