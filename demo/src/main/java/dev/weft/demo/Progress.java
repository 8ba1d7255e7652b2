package dev.weft.demo;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Parse progress. Query bodies only increment an atomic counter ({@link #run()}); a platform thread of this
 * class polls it and draws a progress bar on a terminal, or prints a plain line at every tenth otherwise
 * (pipes, CI, tests). The bodies never touch the bar or a stream, so they take no lock a platform thread
 * could hold, which keeps a deterministic run free of foreign wakeups.
 */
final class Progress implements Runnable, AutoCloseable {
  private static final long POLL_MILLIS = 100;

  private final AtomicLong done = new AtomicLong();
  private final long total;
  private final ProgressBar bar;
  private final PrintWriter plain;
  private final ScheduledExecutorService poller;
  private int printedTenths;
  private long printedCount;

  private Progress(long total, ProgressBar bar, PrintWriter plain) {
    this.total = total;
    this.bar = bar;
    this.plain = plain;
    if (bar == null && plain == null) {
      poller = null;
    } else {
      poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "weft-demo-progress");
        t.setDaemon(true);
        return t;
      });
      poller.scheduleAtFixedRate(this::show, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** A progress bar on {@code terminal}. */
  static Progress bar(String task, long total, PrintStream terminal) {
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setUnit(" files", 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis((int) POLL_MILLIS)
        .setConsumer(new ConsoleProgressBarConsumer(terminal))
        .build();
    return new Progress(total, bar, null);
  }

  /** Plain lines {@code parsed 10% (340 of 3,400 files)} on {@code out}. */
  static Progress lines(long total, PrintWriter out) {
    return new Progress(total, null, out);
  }

  /** No display; counts only. */
  static Progress none() {
    return new Progress(0, null, null);
  }

  /** One more file parsed. Lock-free; called from query bodies. */
  @Override
  public void run() {
    done.incrementAndGet();
  }

  long done() {
    return done.get();
  }

  private synchronized void show() {
    long n = Math.min(done.get(), total);
    if (bar != null) {
      bar.stepTo(n);
      return;
    }
    // One line per tenth reached, skipping tenths that fall on the same file count (small trees).
    int tenths = total == 0 ? 10 : (int) (n * 10 / total);
    while (printedTenths < tenths) {
      printedTenths++;
      long count = (printedTenths * total + 9) / 10;
      if (count > printedCount) {
        printedCount = count;
        plain.printf(Locale.ROOT, "parsed %,d of %,d files (%d%%)%n", count, total, count * 100 / total);
      }
    }
    plain.flush();
  }

  /** Stops polling and completes the display. */
  @Override
  public void close() {
    if (poller == null) {
      return;
    }
    poller.shutdownNow();
    try {
      poller.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    show();
    if (bar != null) {
      bar.close();
    }
  }
}
