package dev.weft.scheduler;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.text.ParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import jdk.jfr.Configuration;

/**
 * Weft's JFR settings files, shipped inside this jar. Weft's events ({@code weft.QueryExecuted},
 * {@code weft.StageStats}, ...) are disabled by default; a recording made with one of these profiles on top of
 * a JDK configuration enables them. Three ways to use one:
 *
 * {@snippet :
 * // 1. A recording started by the program itself
 * try (Recording recording = new Recording(JfrProfile.ALWAYS_ON.settings("default"))) {
 *   recording.start();
 *   // ... run queries, pipelines, graphs ...
 *   recording.dump(Path.of("run.jfr"));
 * }
 *
 * // 2. A file for -XX:StartFlightRecording or jcmd JFR.start, in a later JVM:
 * //    java -XX:StartFlightRecording:settings=default,settings=<path>,filename=run.jfr ...
 * Path settings = JfrProfile.ALWAYS_ON.extractTo(Path.of("build"));   // build/weft.jfc
 * }
 *
 * <p>3. From a shell, without Java code: the files are {@code dev/weft/scheduler/weft.jfc} and
 * {@code dev/weft/scheduler/weft-profile.jfc} in the {@code weft-scheduler} jar
 * ({@code unzip -j weft-scheduler-VERSION.jar 'dev/weft/scheduler/*.jfc'}).
 */
public enum JfrProfile {
  /**
   * {@code weft.jfc}: Weft's events with thresholds (queries of at least 1 ms, waits of at least 10 ms, every
   * cycle, stall and pipeline stage), small enough to leave on. Use it on top of the JDK's {@code default}.
   */
  ALWAYS_ON("weft.jfc"),

  /**
   * {@code weft-profile.jfc}: every Weft event with no threshold, plus the JDK's virtual-thread events, for a
   * profiling run. Use it on top of the JDK's {@code profile}.
   */
  PROFILING("weft-profile.jfc");

  private final String fileName;

  JfrProfile(String fileName) {
    this.fileName = fileName;
  }

  /** The settings file's name, such as {@code weft.jfc}. */
  public String fileName() {
    return fileName;
  }

  /** This profile alone, parsed; {@code new Recording(configuration())} records Weft's events only. */
  public Configuration configuration() {
    try (Reader reader = new InputStreamReader(open(), StandardCharsets.UTF_8)) {
      return Configuration.create(reader);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + fileName + " from the weft-scheduler jar", e);
    } catch (ParseException e) {
      throw new IllegalStateException(fileName + " in the weft-scheduler jar is not a JFR configuration", e);
    }
  }

  /**
   * The settings of the JDK configuration {@code base} ({@code "default"} or {@code "profile"}, see
   * {@link Configuration#getConfiguration}) with this profile's settings on top, as the command line's
   * {@code settings=default,settings=weft.jfc} combines them; for {@code new Recording(Map)}.
   *
   * @throws IllegalArgumentException if the JDK has no configuration named {@code base}
   */
  public Map<String, String> settings(String base) {
    Objects.requireNonNull(base, "base");
    Map<String, String> merged;
    try {
      merged = new HashMap<>(Configuration.getConfiguration(base).getSettings());
    } catch (IOException | ParseException e) {
      throw new IllegalArgumentException("no JDK configuration named '" + base + "'", e);
    }
    merged.putAll(configuration().getSettings());
    return Map.copyOf(merged);
  }

  /**
   * Writes this profile to {@code directory} (created if missing) as {@link #fileName()}, replacing a file of
   * that name, and returns the file's path: a path to give {@code -XX:StartFlightRecording:settings=} or
   * {@code jcmd PID JFR.start settings=}.
   */
  public Path extractTo(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path target = directory.resolve(fileName);
    try (InputStream in = open()) {
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  private InputStream open() throws IOException {
    InputStream in = JfrProfile.class.getResourceAsStream(fileName);
    if (in == null) {
      throw new IOException(fileName + " is missing from the weft-scheduler jar");
    }
    return in;
  }
}
