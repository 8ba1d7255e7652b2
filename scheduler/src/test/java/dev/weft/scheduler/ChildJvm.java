package dev.weft.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a {@code main} class of the test classpath in a new JVM with Weft's flag and returns its output. */
final class ChildJvm {
  private ChildJvm() {}

  /** The command line that runs {@code mainClass} with {@code args} in a fresh JVM. */
  static List<String> command(Class<?> mainClass, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(Scheduler.ADD_OPENS.split(" ")));
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass.getName());
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Runs {@code mainClass} and returns its standard output; fails with the output if the JVM exits with a
   * non-zero status or does not end within {@code timeout}.
   */
  static String run(Duration timeout, Class<?> mainClass, String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(mainClass, args)).redirectErrorStream(true).start();
    // Read on this thread until the child closes its output; the timeout guards a child that hangs.
    Thread killer = Thread.ofPlatform().daemon(true).start(() -> {
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
        }
      } catch (InterruptedException e) {
        // the child ended on its own
      }
    });
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = p.waitFor();
    killer.interrupt();
    if (status != 0) {
      throw new AssertionError(mainClass.getSimpleName() + " exited with " + status + ":\n" + out);
    }
    return out;
  }
}
