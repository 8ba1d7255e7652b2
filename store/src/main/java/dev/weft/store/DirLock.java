package dev.weft.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The writer's lock on a store directory: an exclusive {@link FileLock} on {@code weft.lock}, which holds the
 * owner's process id for messages.
 *
 * <p>File locks belong to the whole process, and on Linux closing <em>any</em> channel of a file releases the
 * process's locks on it. So a second store opened on the same directory in this JVM must not even open the
 * lock file: a JVM-wide set of held directories answers it first.
 */
final class DirLock implements AutoCloseable {
  private static final ConcurrentHashMap<Path, DirLock> HELD = new ConcurrentHashMap<>();

  private final Path key;
  private final FileChannel channel;
  private final FileLock lock;

  private DirLock(Path key, FileChannel channel, FileLock lock) {
    this.key = key;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Locks {@code dir} for writing.
   *
   * @return the lock, or null if this or another process holds it
   * @throws IOException if the lock file cannot be created or locked (an unwritable directory)
   */
  static DirLock tryAcquire(Path dir) throws IOException {
    Path key = dir.toRealPath();
    DirLock placeholder = new DirLock(key, null, null);
    if (HELD.putIfAbsent(key, placeholder) != null) {
      return null;
    }
    boolean done = false;
    try {
      FileChannel ch = FileChannel.open(key.resolve(StoreFormat.LOCK_FILE), StandardOpenOption.CREATE,
          StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (IOException | OverlappingFileLockException e) {
        ch.close();
        throw e instanceof IOException io ? io : new IOException(e);
      }
      if (lock == null) {
        ch.close(); // safe: this process holds no lock on the file (HELD says so)
        return null;
      }
      DirLock held = new DirLock(key, ch, lock);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)),
          0);
      HELD.put(key, held);
      done = true;
      return held;
    } finally {
      if (!done) {
        HELD.remove(key, placeholder);
      }
    }
  }

  /** Who holds {@code dir}'s lock, as its lock file says ({@code "pid 1234"}), or a placeholder. */
  static String holder(Path dir) {
    try {
      Path key = dir.toRealPath();
      if (HELD.containsKey(key)) {
        return "this process";
      }
      String s = Files.readString(key.resolve(StoreFormat.LOCK_FILE), StandardCharsets.UTF_8).strip();
      return s.isEmpty() ? "another process" : "process " + s.replace("pid ", "");
    } catch (IOException | RuntimeException e) {
      return "another process";
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // the lock goes with the channel or the process
    } finally {
      HELD.remove(key, this);
    }
  }
}
