package dev.weft.scheduler;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The carriers of a parallel scheduler that is a jobserver client: {@code n} platform threads sharing one
 * queue of continuations, each running only while it holds a permit (the process's implicit token or a token
 * read from make).
 *
 * <p><b>Carrier states.</b> <i>tokenless</i> (no permit; parked, or taking a permit) → <i>working</i> (a
 * permit; polls and runs continuations) → <i>lingering</i> (a permit, nothing to run; parked for at most
 * {@link Jobserver#LINGER_NANOS}) → back to working if work arrives, else tokenless after returning the
 * permit. The implicit token is taken first when free and given back as soon as its carrier finds nothing to
 * run (that costs no system call); a read token is given back only after lingering, which bounds the reads
 * and writes to one each per carrier per linger period, whatever the length of the tasks.
 *
 * <p><b>Wakeups.</b> {@link #execute} (called by the JDK from any thread, never blocking) queues the
 * continuation, then wakes one parked carrier that holds a permit; if there is none and no carrier is already
 * taking a permit, it wakes one tokenless carrier to take one. A carrier that gets a permit and still sees
 * more queued work than it can take wakes the next, so tokens are requested one at a time while there is
 * work for them. A carrier marks itself parked before its last look at the queue, and {@code execute} looks at
 * the marks after queueing, so no wakeup is lost (both are volatile accesses).
 *
 * <p><b>Shutdown.</b> {@link #shutdown} stops the carriers once the queue is empty; each returns its permit
 * (a carrier waiting for a token withdraws its request) and {@code shutdown} waits for them, so the tokens are
 * back when the scheduler's {@code close} returns. A continuation submitted afterwards (a thread that
 * outlived its scheduler) runs on a fresh platform thread, without a permit.
 */
final class JobserverCarriers implements Executor {
  private final Jobserver jobserver;
  private final Carrier[] carriers;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger acquiring = new AtomicInteger();
  private volatile boolean shutdown;

  /** Run by a carrier that finds the queue empty (the scheduler's idle hooks). */
  private final Runnable onIdle;

  JobserverCarriers(String name, int n, Jobserver jobserver, Runnable onIdle) {
    this.onIdle = onIdle;
    this.jobserver = jobserver;
    this.carriers = new Carrier[n];
    for (int i = 0; i < n; i++) {
      carriers[i] = new Carrier(name + "-carrier-" + i);
    }
    for (Carrier c : carriers) {
      c.start();
    }
  }

  @Override
  public void execute(Runnable continuation) {
    if (shutdown && allEnded()) {
      Thread.ofPlatform().daemon(true).start(continuation);
      return;
    }
    queue.offer(continuation);
    queued.incrementAndGet();
    signalWork();
  }

  /** Wakes a carrier that can run queued work, or one to take a permit for it. */
  private void signalWork() {
    for (Carrier c : carriers) {
      if (c.permit != Permit.NONE && c.parked && c.wake()) {
        return;
      }
    }
    if (acquiring.get() > 0 && !jobserver.implicitFree()) {
      return; // the carrier taking a permit wakes the next one once it has it
    }
    for (Carrier c : carriers) {
      if (c.permit == Permit.NONE && c.parked && c.wake()) {
        return;
      }
    }
  }

  int running() {
    return running.get();
  }

  int queued() {
    return Math.max(0, queued.get());
  }

  /** Stops the carriers after the queued work and waits until every permit is returned. */
  void shutdown() {
    shutdown = true;
    for (Carrier c : carriers) {
      LockSupport.unpark(c);
    }
    boolean interrupted = false;
    for (Carrier c : carriers) {
      while (c.isAlive()) {
        try {
          c.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    Runnable r;
    while ((r = queue.poll()) != null) { // left by threads that outlived the tasks: run them without a permit
      queued.decrementAndGet();
      Thread.ofPlatform().daemon(true).start(r);
    }
  }

  private boolean allEnded() {
    for (Carrier c : carriers) {
      if (c.isAlive()) {
        return false;
      }
    }
    return true;
  }

  private enum Permit { NONE, IMPLICIT, TOKEN }

  private final class Carrier extends Thread {
    volatile Permit permit = Permit.NONE;
    volatile boolean parked;
    private Jobserver.Grant grant;

    Carrier(String name) {
      super(null, null, name, 0, false);
      setDaemon(true);
    }

    /** Clears the parked mark and unparks, if this caller is the one to clear it. */
    boolean wake() {
      if (!parked) {
        return false;
      }
      parked = false;
      LockSupport.unpark(this);
      return true;
    }

    @Override
    public void run() {
      try {
        loop();
      } finally {
        returnPermit();
      }
    }

    private void loop() {
      while (true) {
        if (permit == Permit.NONE) {
          if (shutdown) {
            return; // carriers holding a permit drain the queue; shutdown() runs what is left
          }
          if (queue.isEmpty()) {
            park(0L);
            continue;
          }
          takePermit();
          continue;
        }
        Runnable r = queue.poll();
        if (r != null) {
          queued.decrementAndGet();
          if (!queue.isEmpty()) {
            signalWork();
          }
          running.incrementAndGet();
          try {
            r.run();
          } finally {
            running.decrementAndGet();
          }
          if (queue.isEmpty()) {
            onIdle.run();
          }
          continue;
        }
        if (shutdown) {
          return;
        }
        if (permit == Permit.IMPLICIT) {
          // Free to hand to another carrier at no cost; keeping it idle could starve a busy one of nothing.
          returnPermit();
          if (!queue.isEmpty()) {
            signalWork();
          }
          continue;
        }
        // A read token: linger, so that short idle gaps do not cost a write and a read each.
        if (!park(Jobserver.LINGER_NANOS) && queue.isEmpty()) {
          returnPermit();
          if (!queue.isEmpty()) {
            signalWork();
          }
        }
      }
    }

    /** Takes the implicit token if free, else waits for a read token (or for shutdown). */
    private void takePermit() {
      if (jobserver.tryTakeImplicit()) {
        permit = Permit.IMPLICIT;
        return;
      }
      acquiring.incrementAndGet();
      try {
        // Give up waiting when shut down, when the work is gone (another carrier took it), or when the
        // implicit token is free again (then take that instead).
        grant = jobserver.acquire(() -> shutdown || queue.isEmpty() || jobserver.implicitFree());
      } finally {
        acquiring.decrementAndGet();
      }
      if (grant != null) {
        permit = Permit.TOKEN;
      } else if (!shutdown && !queue.isEmpty() && !jobserver.implicitFree()) {
        park(Jobserver.LINGER_NANOS); // the jobserver was closed or broke: only the implicit token is left
      }
    }

    private void returnPermit() {
      Permit p = permit;
      permit = Permit.NONE;
      if (p == Permit.IMPLICIT) {
        jobserver.returnImplicit();
      } else if (p == Permit.TOKEN) {
        jobserver.release(grant);
        grant = null;
      }
    }

    /**
     * Parks until woken by {@link #wake} or, with {@code nanos > 0}, for at most that long. Returns true if it
     * was woken (or found work before parking), false on timeout.
     */
    private boolean park(long nanos) {
      parked = true;
      if (!queue.isEmpty() || shutdown) {
        parked = false;
        return true;
      }
      if (nanos > 0L) {
        long deadline = System.nanoTime() + nanos;
        while (parked) {
          long left = deadline - System.nanoTime();
          if (left <= 0L) {
            parked = false;
            return false;
          }
          LockSupport.parkNanos(JobserverCarriers.this, left);
          if (shutdown) {
            parked = false;
            return true;
          }
        }
        return true;
      }
      while (parked && !shutdown) {
        LockSupport.park(JobserverCarriers.this);
      }
      parked = false;
      return true;
    }
  }

  @Override
  public String toString() {
    return "JobserverCarriers[" + carriers.length + " carriers, " + jobserver + "]";
  }
}
