package dev.weft.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A real child JVM running a main class of the test classpath, with its output read line by line. */
final class ChildJvm implements AutoCloseable {
  final Process process;
  private final BufferedReader out;
  private final StringBuilder err = new StringBuilder();
  private final Thread errReader;

  private ChildJvm(Process process) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    BufferedReader e = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
    errReader = Thread.ofPlatform().daemon().start(() -> {
      try {
        for (String line; (line = e.readLine()) != null; ) {
          synchronized (err) {
            err.append(line).append('\n');
          }
        }
      } catch (IOException ignored) {
        // the child is gone
      }
    });
  }

  static List<String> command(Class<?> main, String... args) {
    return command(List.of(), main, args);
  }

  private static List<String> command(List<String> jvmArgs, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    // A child should start fast and write no files of its own.
    cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-XX:-UsePerfData",
        "-Xmx256m"));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  static ChildJvm start(Class<?> main, String... args) {
    return start(command(main, args));
  }

  /** A child that runs query engines: Weft's carriers need {@code java.lang} opened to it. */
  static ChildJvm startEngines(Class<?> main, String... args) {
    return start(command(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), main, args));
  }

  /** Runs the child under {@code ulimit -f blocks}: a write past {@code blocks} KiB fails with EFBIG. */
  static ChildJvm startWithFileSizeLimit(long blocks, Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + blocks + " && exec \"$@\"", "bash"));
    cmd.addAll(command(main, args));
    return start(cmd);
  }

  private static ChildJvm start(List<String> cmd) {
    try {
      return new ChildJvm(new ProcessBuilder(cmd).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next line the child printed, or null once it has exited. */
  String readLine() {
    try {
      return out.readLine();
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads lines until one starts with {@code prefix}; fails with the child's stderr if it exits first. */
  String await(String prefix) {
    for (String line; (line = readLine()) != null; ) {
      if (line.startsWith(prefix)) {
        return line;
      }
    }
    throw new AssertionError("child exited before printing " + prefix + "; stderr:\n" + stderr());
  }

  void send(String line) {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String stderr() {
    try {
      errReader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (err) {
      return err.toString();
    }
  }

  int waitFor() {
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    process.destroyForcibly();
    waitFor();
  }
}
