package dev.weft.scheduler;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A client of the GNU make jobserver, so that the JVMs a {@code make -jN} starts never run more than
 * {@code N} carriers in all ({@link Scheduler.Builder#jobserver}).
 *
 * <p>GNU make hands every recipe it runs one job slot, the <i>implicit token</i>; the other {@code N - 1}
 * slots are bytes in a pipe or FIFO that any process of the build may read (take a slot) and must write back
 * (return it). {@link #fromEnvironment()} finds that pipe in {@code MAKEFLAGS}:
 * <ul>
 *   <li>{@code --jobserver-auth=fifo:PATH} (make 4.4 and later): a named FIFO;</li>
 *   <li>{@code --jobserver-auth=R,W} (make 4.2, 4.3) or {@code --jobserver-fds=R,W} (older): inherited file
 *       descriptors, opened through {@code /proc/self/fd} on Linux. make passes them only to recipes it
 *       knows to be recursive: prefix the recipe line with {@code +} (or have it mention {@code $(MAKE)});
 *       otherwise the descriptors are closed, which is detected (they must both name the same pipe) and
 *       reported with a warning.</li>
 * </ul>
 * Without {@code MAKEFLAGS}, without a jobserver in it (no {@code -j}, or {@code -j1}), with a form this
 * client does not read (Windows semaphores) or off Linux, the result is {@linkplain #isPresent() empty},
 * which a scheduler ignores; a debug line on the logger {@code dev.weft.scheduler} says why.
 *
 * <p>Rules a scheduler built with a jobserver follows (and tests with the machine's real {@code make}):
 * <ul>
 *   <li>One carrier runs on the implicit token; every further carrier that has work takes a token first and
 *       runs only while it holds one.</li>
 *   <li>A carrier gives its token back when it has been idle for 5 ms, which bounds
 *       the churn: at most one token read and one write per carrier per 5 ms of idleness, however short the
 *       tasks are.</li>
 *   <li>The implicit token is never written to the pipe: the process always keeps one slot, so it cannot end
 *       up waiting for a token that make waits for it to return.</li>
 *   <li>{@link Scheduler#close()} returns the tokens of its carriers; tokens still held when the JVM exits are
 *       returned by a shutdown hook (every token read is remembered with its byte and written back as it
 *       was read).</li>
 * </ul>
 *
 * <p>{@code fromEnvironment()} returns one client per process: several schedulers of one JVM share its
 * tokens and its one implicit token. Reading the pipe is done by one daemon thread, only while a carrier
 * waits for a token; a token that arrives when no carrier wants it any more is written back at once.
 */
public final class Jobserver {
  /*
   * Implementation overview. Tokens: every byte the reader thread reads is, under `lock`, either granted to
   * the oldest waiting request (then counted in `outstanding` and remembered in `held`) or written back at
   * once; every grant is written back exactly once, by `release` or by `close`, whichever comes first
   * (`closed` makes the other a no-op). The reader reads only while a request waits, so an idle process
   * holds no token beyond those its carriers hold. The implicit token is an AtomicBoolean, never a byte.
   * Closing the read channel is the only way a blocked read ends early: NIO signals the reader, whose read
   * then returns the byte it got or throws AsynchronousCloseException, so no byte is lost; an interrupt would
   * throw even after a completed read. Lock order: a carrier holds no lock of its own when it calls in here.
   */
  private static final System.Logger LOG = System.getLogger("dev.weft.scheduler");
  private static final Jobserver NONE = new Jobserver(null, null, "none");
  private static final ReentrantLock ENVIRONMENT_LOCK = new ReentrantLock();
  private static Jobserver environment; // guarded by ENVIRONMENT_LOCK

  /** How long an idle carrier keeps a token before writing it back. */
  static final long LINGER_NANOS = 5_000_000L;

  private final FileChannel in; // null when empty
  private final FileChannel out;
  private final String description;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wanted = lock.newCondition();
  private final AtomicBoolean implicit = new AtomicBoolean(true); // free
  // guarded by lock
  private final ArrayDeque<Grant> requests = new ArrayDeque<>();
  private int outstanding; // tokens read and not yet written back (held by carriers or being handed over)
  private final ArrayDeque<Byte> held = new ArrayDeque<>(); // the bytes of the outstanding tokens
  private long reads;
  private long writes;
  private boolean closed;
  private Thread reader;

  private Jobserver(FileChannel in, FileChannel out, String description) {
    this.in = in;
    this.out = out;
    this.description = description;
  }

  /**
   * The jobserver named by this process's {@code MAKEFLAGS}, or an empty one. The first call decides; every
   * call returns the same instance.
   */
  public static Jobserver fromEnvironment() {
    ENVIRONMENT_LOCK.lock();
    try {
      if (environment == null) {
        environment = fromMakeflags(System.getenv("MAKEFLAGS"));
        if (environment.isPresent()) {
          Jobserver js = environment;
          Runtime.getRuntime().addShutdownHook(new Thread(js::close, "weft-jobserver-return"));
        }
      }
      return environment;
    } finally {
      ENVIRONMENT_LOCK.unlock();
    }
  }

  /** An empty jobserver: a scheduler built with it runs as if it had none. */
  public static Jobserver none() {
    return NONE;
  }

  /** Whether a jobserver was found; an empty one limits nothing. */
  public boolean isPresent() {
    return in != null;
  }

  @Override
  public String toString() {
    if (!isPresent()) {
      return "Jobserver[none]";
    }
    lock.lock();
    try {
      return "Jobserver[" + description + ", tokens held " + outstanding + ", read " + reads + ", written "
          + writes + (closed ? ", closed" : "") + "]";
    } finally {
      lock.unlock();
    }
  }

  // ---- parsing ------------------------------------------------------------------------------------------

  /** The jobserver that {@code makeflags} names (the last {@code --jobserver-auth} wins, as in make). */
  static Jobserver fromMakeflags(String makeflags) {
    if (makeflags == null || makeflags.isBlank()) {
      LOG.log(System.Logger.Level.DEBUG, "no jobserver: MAKEFLAGS is not set");
      return NONE;
    }
    String auth = null;
    for (String word : makeflags.trim().split("\\s+")) {
      if (word.startsWith("--jobserver-auth=")) {
        auth = word.substring("--jobserver-auth=".length());
      } else if (word.startsWith("--jobserver-fds=")) {
        auth = word.substring("--jobserver-fds=".length());
      }
    }
    if (auth == null) {
      LOG.log(System.Logger.Level.DEBUG, "no jobserver: MAKEFLAGS ''{0}'' names none (make without -j?)", makeflags);
      return NONE;
    }
    try {
      if (auth.startsWith("fifo:")) {
        return openFifo(Path.of(auth.substring("fifo:".length())));
      }
      int comma = auth.indexOf(',');
      if (comma > 0) {
        int r = Integer.parseInt(auth.substring(0, comma));
        int w = Integer.parseInt(auth.substring(comma + 1));
        return openDescriptors(r, w);
      }
    } catch (NumberFormatException e) {
      // falls through: not a form this client reads
    }
    LOG.log(System.Logger.Level.DEBUG, "no jobserver: ''{0}'' is not a jobserver this client reads", auth);
    return NONE;
  }

  private static Jobserver openFifo(Path fifo) {
    try {
      // A FIFO is neither a regular file, a directory nor a link.
      if (!Files.readAttributes(fifo, BasicFileAttributes.class).isOther()) {
        LOG.log(System.Logger.Level.WARNING, "MAKEFLAGS names the jobserver FIFO {0}, which is not a FIFO;"
            + " running without a jobserver", fifo);
        return NONE;
      }
      // Read end opened read-write: opening a FIFO this way never blocks, and keeps it open for the writer.
      FileChannel in = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileChannel out = FileChannel.open(fifo, StandardOpenOption.WRITE);
      return new Jobserver(in, out, "fifo:" + fifo);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot open the jobserver FIFO {0} ({1}); running without a"
          + " jobserver", fifo, e.toString());
      return NONE;
    }
  }

  private static Jobserver openDescriptors(int r, int w) {
    if (r < 0 || w < 0) {
      LOG.log(System.Logger.Level.DEBUG, "no jobserver: make disabled it for this process ({0},{1})", r, w);
      return NONE;
    }
    Path fds = Path.of("/proc/self/fd");
    if (!Files.isDirectory(fds)) {
      LOG.log(System.Logger.Level.DEBUG, "no jobserver: descriptors {0},{1} need /proc/self/fd (Linux)", r, w);
      return NONE;
    }
    Path rp = fds.resolve(Integer.toString(r));
    Path wp = fds.resolve(Integer.toString(w));
    try {
      String rt = Files.readSymbolicLink(rp).toString();
      String wt = Files.readSymbolicLink(wp).toString();
      if (!rt.startsWith("pipe:") || !rt.equals(wt)) {
        throw new IOException("descriptors " + r + "," + w + " are " + rt + " and " + wt + ", not one pipe");
      }
      FileChannel in = FileChannel.open(rp, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileChannel out = FileChannel.open(wp, StandardOpenOption.WRITE);
      return new Jobserver(in, out, "fds " + r + "," + w + " (" + rt + ")");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      LOG.log(System.Logger.Level.WARNING, "MAKEFLAGS names the jobserver descriptors {0},{1}, which this JVM"
          + " did not inherit ({2}); mark the recipe that starts it as recursive with a leading ''+''. Running"
          + " without a jobserver.", r, w, e.getMessage());
      return NONE;
    }
  }

  // ---- tokens -------------------------------------------------------------------------------------------

  /** A carrier's request for a token; {@code token} is set (under the lock) when granted. */
  static final class Grant {
    final Thread thread;
    volatile boolean granted;
    byte token;

    Grant(Thread thread) {
      this.thread = thread;
    }
  }

  /** Takes the implicit token if no carrier of this process holds it. Never blocks. */
  boolean tryTakeImplicit() {
    return implicit.compareAndSet(true, false);
  }

  /** Whether no carrier holds the implicit token; a snapshot. Never blocks. */
  boolean implicitFree() {
    return implicit.get();
  }

  void returnImplicit() {
    implicit.set(true);
  }

  /**
   * Waits for a token for the calling carrier. Returns the grant, or null if {@code stop} became true (polled
   * every {@code LINGER_NANOS} and whenever the carrier is unparked) or the jobserver was closed or broke
   * first.
   */
  Grant acquire(java.util.function.BooleanSupplier stop) {
    Grant g = new Grant(Thread.currentThread());
    lock.lock();
    try {
      if (closed) {
        return null;
      }
      requests.addLast(g);
      startReader();
      wanted.signal();
    } finally {
      lock.unlock();
    }
    while (!g.granted) {
      if (stop.getAsBoolean()) {
        lock.lock();
        try {
          if (!g.granted) {
            requests.remove(g);
            return null;
          }
        } finally {
          lock.unlock();
        }
        break;
      }
      LockSupport.parkNanos(this, LINGER_NANOS);
      Thread.interrupted(); // carriers are not interrupted by Weft; a stray interrupt only re-polls
      lock.lock();
      try {
        if (closed && !g.granted) {
          requests.remove(g);
          return null;
        }
      } finally {
        lock.unlock();
      }
    }
    return g;
  }

  /** Writes a token back (unless the jobserver was closed, which wrote back every token already). */
  void release(Grant g) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      held.remove(g.token); // the bytes are interchangeable for accounting; the value written is g's
      outstanding--;
      write(g.token);
    } finally {
      lock.unlock();
    }
  }

  /** Starts the reader thread on the first request. Holds the lock. */
  private void startReader() {
    if (reader == null) {
      reader = Thread.ofPlatform().daemon(true).name("weft-jobserver-reader").start(this::readLoop);
    }
  }

  /** Reads one token per pending request; a token nobody wants any more goes straight back. */
  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(1);
    while (true) {
      lock.lock();
      try {
        while (requests.isEmpty() && !closed) {
          wanted.awaitUninterruptibly();
        }
        if (closed) {
          return;
        }
      } finally {
        lock.unlock();
      }
      int n;
      buf.clear();
      try {
        n = in.read(buf);
      } catch (IOException e) {
        n = -2; // closed under the read (shutdown), or the pipe broke
        if (!(e instanceof java.nio.channels.AsynchronousCloseException)) {
          LOG.log(System.Logger.Level.WARNING, "jobserver {0}: reading a token failed ({1}); no more tokens will"
              + " be taken", description, e.toString());
        }
      }
      lock.lock();
      try {
        if (n == 1) {
          reads++;
          byte b = buf.get(0);
          Grant g = closed ? null : requests.pollFirst();
          if (g == null) {
            write(b);
          } else {
            g.token = b;
            held.addLast(b);
            outstanding++;
            g.granted = true;
            LockSupport.unpark(g.thread);
          }
          continue;
        }
        if (n == 0) {
          continue;
        }
        // End of stream or failure: make is gone or the channel was closed. Waiting carriers give up.
        closed = true;
        for (Grant g : requests) {
          LockSupport.unpark(g.thread);
        }
        requests.clear();
        return;
      } finally {
        lock.unlock();
      }
    }
  }

  /** Writes one token byte back to make. Holds the lock. */
  private void write(byte b) {
    try {
      ByteBuffer one = ByteBuffer.wrap(new byte[] {b});
      while (one.hasRemaining()) {
        out.write(one);
      }
      writes++;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "jobserver {0}: writing a token back failed ({1})", description,
          e.toString());
    }
  }

  /**
   * Returns every token this process holds and stops reading: the shutdown hook's work. Idempotent. Carriers
   * still running keep running; their later releases are ignored.
   */
  void close() {
    if (!isPresent()) {
      return;
    }
    Thread r;
    lock.lock();
    try {
      if (closed && held.isEmpty()) {
        return;
      }
      closed = true;
      wanted.signalAll();
      for (Grant g : requests) {
        LockSupport.unpark(g.thread);
      }
      requests.clear();
      r = reader;
    } finally {
      lock.unlock();
    }
    try {
      in.close(); // wakes a reader blocked in read(); a byte it got meanwhile is written back below
    } catch (IOException e) {
      // nothing to return through a channel that cannot even close
    }
    if (r != null) {
      try {
        r.join(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    lock.lock();
    try {
      while (!held.isEmpty()) {
        write(held.pollFirst());
      }
      outstanding = 0;
    } finally {
      lock.unlock();
    }
  }

  /** Tokens read and written so far, for tests and measurements: {reads, writes, held now}. */
  long[] counts() {
    lock.lock();
    try {
      return new long[] {reads, writes, outstanding};
    } finally {
      lock.unlock();
    }
  }

  String description() {
    return Objects.requireNonNullElse(description, "none");
  }
}
