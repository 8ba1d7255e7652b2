package dev.weft.store;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real cache server run as a child process on a loopback port, in its own temporary directory: nginx with
 * WebDAV PUT, or bazel-remote when it is on the PATH. {@link #stop} and {@link #start} again keep the port,
 * so a test can kill the server mid-run and bring it back.
 */
public abstract class CacheServer implements AutoCloseable {
  /** The servers the tests run against: nginx always (failing when it is missing), bazel-remote if present. */
  public enum Kind {
    NGINX, BAZEL_REMOTE;

    public static Stream<Kind> available() {
      return BazelRemoteServer.binary() != null ? Stream.of(NGINX, BAZEL_REMOTE) : Stream.of(NGINX);
    }

    public CacheServer create() {
      return this == NGINX ? new NginxServer() : new BazelRemoteServer();
    }
  }

  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  final Path dir;
  final int port;
  private Process process;

  CacheServer() {
    try {
      Path target = Path.of("target");
      Files.createDirectories(target);
      this.dir = Files.createTempDirectory(target.toAbsolutePath(), "cache-server-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.port = freePort();
  }

  /** The base URI of the cache protocol on this server. */
  public abstract URI base();

  /** The command that runs the server in the foreground. */
  abstract List<String> command() throws IOException;

  abstract String name();

  /** Starts the server and waits until it accepts connections. */
  public synchronized CacheServer start() {
    if (process != null && process.isAlive()) {
      return this;
    }
    try {
      ProcessBuilder pb = new ProcessBuilder(command()).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(dir.resolve("console.log").toFile());
      Process p = pb.start();
      process = p;
      await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20))
          .until(() -> !p.isAlive() || accepts(port));
      if (!p.isAlive()) {
        throw new IllegalStateException(name() + " exited at start with status " + p.exitValue() + ":\n"
            + logs());
      }
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name(), e);
    }
  }

  /** Kills the server (SIGKILL), as a crash would; {@link #start} brings it back on the same port. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  public String logs() {
    StringBuilder sb = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".log")).toList()) {
        sb.append("--- ").append(f.getFileName()).append('\n').append(Files.readString(f));
      }
    } catch (IOException e) {
      sb.append(e);
    }
    return sb.toString();
  }

  @Override
  public synchronized void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      List<Path> paths = new ArrayList<>(all.sorted(Comparator.reverseOrder()).toList());
      for (Path p : paths) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // best effort: target/ is cleaned by the build
    }
  }

  static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** An executable named {@code name} on the PATH or in one of {@code extra} directories, or null. */
  static Path findExecutable(String name, String... extra) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
    }
    dirs.addAll(List.of(extra));
    for (String d : dirs) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return name();
  }
}
