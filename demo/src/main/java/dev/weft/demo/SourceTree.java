package dev.weft.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The Java sources to analyse, read eagerly from a directory or a zip file (such as the JDK's
 * {@code lib/src.zip}) into memory, keyed by their path relative to the root with {@code /} separators.
 *
 * <p>A file that cannot be read or is not valid UTF-8 stays in the tree with a {@link SourceText#readError()},
 * so that the analysis reports it and carries on with the rest. Only a tree that cannot be opened at all, or
 * holds no Java sources, is refused with {@link BadInputException}.
 *
 * @param root the directory or zip that was read
 * @param files the paths of the Java sources, sorted
 * @param sources the text of each file
 * @param modules the modules found (first path segments in a JDK {@code src.zip} layout), sorted
 */
record SourceTree(Path root, List<String> files, Map<String, SourceText> sources, List<String> modules) {

  /**
   * Reads the Java sources under {@code root}.
   *
   * @param moduleFilter when not {@code null}, keep only files whose first path segment is one of these
   *     (the module directories of a JDK {@code src.zip}); an unknown module is an error
   */
  static SourceTree load(Path root, Set<String> moduleFilter) throws BadInputException {
    if (!Files.exists(root)) {
      throw new BadInputException("no such file or directory: " + root);
    }
    if (!Files.isReadable(root)) {
      throw new BadInputException("cannot read " + root);
    }
    Map<String, SourceText> all = new TreeMap<>();
    if (Files.isDirectory(root)) {
      readDirectory(root, all);
    } else if (Files.isRegularFile(root)) {
      readZip(root, all);
    } else {
      throw new BadInputException("not a directory or a zip file: " + root);
    }
    TreeSet<String> modules = new TreeSet<>();
    for (String file : all.keySet()) {
      int slash = file.indexOf('/');
      if (slash > 0) {
        modules.add(file.substring(0, slash));
      }
    }
    if (moduleFilter != null) {
      List<String> unknown = moduleFilter.stream().filter(m -> !modules.contains(m)).sorted().toList();
      if (!unknown.isEmpty()) {
        throw new BadInputException("no module " + String.join(", ", unknown) + " in " + root
            + " (it has " + modules.size() + " top-level directories" + preview(modules) + ")");
      }
      all.keySet().removeIf(f -> !moduleFilter.contains(f.substring(0, Math.max(0, f.indexOf('/')))));
      modules.retainAll(moduleFilter);
    }
    if (all.isEmpty()) {
      throw new BadInputException("no .java files in " + root);
    }
    return new SourceTree(root, List.copyOf(all.keySet()), Collections.unmodifiableMap(new LinkedHashMap<>(all)),
        List.copyOf(modules));
  }

  /** The number of unreadable files. */
  long unreadable() {
    return sources.values().stream().filter(s -> s.readError() != null).count();
  }

  private static String preview(Set<String> modules) {
    if (modules.isEmpty()) {
      return "";
    }
    List<String> first = modules.stream().limit(6).toList();
    return ": " + String.join(", ", first) + (modules.size() > first.size() ? ", ..." : "");
  }

  private static void readDirectory(Path root, Map<String, SourceText> out) throws BadInputException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.filter(p -> p.getFileName() != null && p.getFileName().toString().endsWith(".java"))
          .filter(p -> !Files.isDirectory(p))
          .toList();
    } catch (IOException | UncheckedIOException e) {
      throw new BadInputException("cannot list " + root + ": " + message(e), e);
    }
    for (Path p : paths) {
      String rel = root.relativize(p).toString().replace('\\', '/');
      try {
        out.put(rel, decode(Files.readAllBytes(p)));
      } catch (IOException e) {
        out.put(rel, SourceText.unreadable(message(e)));
      }
    }
  }

  private static void readZip(Path root, Map<String, SourceText> out) throws BadInputException {
    try (ZipFile zip = new ZipFile(root.toFile(), StandardCharsets.UTF_8)) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        if (e.isDirectory() || !e.getName().endsWith(".java")) {
          continue;
        }
        try (InputStream in = zip.getInputStream(e)) {
          out.put(e.getName(), decode(in.readAllBytes()));
        } catch (IOException ex) {
          out.put(e.getName(), SourceText.unreadable(message(ex)));
        }
      }
    } catch (ZipException e) {
      throw new BadInputException("not a directory or a zip file: " + root + " (" + message(e) + ")", e);
    } catch (IOException e) {
      throw new BadInputException("cannot read " + root + ": " + message(e), e);
    }
  }

  private static SourceText decode(byte[] bytes) {
    try {
      return SourceText.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString());
    } catch (CharacterCodingException e) {
      return SourceText.unreadable("not valid UTF-8");
    }
  }

  private static String message(Exception e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
