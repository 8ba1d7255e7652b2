package dev.weft.store;

import dev.weft.query.MemoStore.MemoId;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a {@link LocalStore}'s directory at open: picks the newest generation with a complete checkpoint,
 * replays it into the index and notes what the writer must clean up. Never throws: what cannot be read is
 * logged once and skipped.
 */
final class Recovery {
  private Recovery() {}

  static void load(LocalStore s, Path dir, boolean writable) {
    LocalStore.WriterState st = s.state;
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Long> generations = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path p : files) {
        String name = p.getFileName().toString();
        long g = StoreFormat.anyGeneration(name);
        if (g >= 0) {
          names.add(name);
          st.maxGeneration = Math.max(st.maxGeneration, g);
          if (StoreFormat.tracesGeneration(name) >= 0) {
            generations.add(g);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.UNWRITABLE, "cannot list the directory: " + e);
      return;
    }
    generations.sort(Comparator.reverseOrder());
    for (long g : generations) {
      if (tryLoad(s, dir, g, writable)) {
        break;
      }
    }
    for (String name : names) {
      if (st.gen == null || StoreFormat.anyGeneration(name) != st.gen.number || name.endsWith(".tmp")) {
        st.stale = true;
      }
    }
  }

  private static boolean tryLoad(LocalStore s, Path dir, long number, boolean writable) {
    LocalStore.WriterState st = s.state;
    Generation gen = null;
    try {
      gen = Generation.open(dir, number, writable);
      long valuesSize = gen.valuesChannel().size();
      gen.map(gen.tracesChannel().size(), valuesSize);
      Generation.Loaded l = gen.replay(s.names);
      if (l.commits == 0) {
        s.errors.increment();
        s.warnings.warn(Warnings.Kind.DISCARDED, gen.tracesPath.getFileName() + " holds no complete checkpoint"
            + (l.stop != null ? " (" + l.stop + ")" : "") + "; ignored");
        gen.close();
        return false;
      }
      if (l.discarded > 0) {
        s.errors.increment();
        s.warnings.warn(Warnings.Kind.DISCARDED, "ignored " + l.discarded + " bytes of "
            + gen.tracesPath.getFileName() + " after checkpoint " + l.lastCheckpoint
            + (l.stop != null ? " (" + l.stop + ")" : "") + ": an unfinished or damaged checkpoint");
      }
      long mappedValues = Math.min(l.valuesEnd, valuesSize);
      if (valuesSize < l.valuesEnd) {
        s.errors.increment();
        s.warnings.warn(Warnings.Kind.CORRUPT_VALUE, gen.valuesPath.getFileName() + " is " + valuesSize
            + " bytes, shorter than the " + l.valuesEnd + " its checkpoints wrote; traces whose values are"
            + " missing are dropped");
        st.rewrite = true;
      }
      gen.map(l.tracesEnd, mappedValues);
      st.gen = gen;
      st.byOrdinal.addAll(l.byOrdinal);
      st.lastCheckpoint = l.lastCheckpoint;
      st.tracesEnd = l.tracesEnd;
      st.valuesEnd = l.valuesEnd;
      Map<MemoId, List<Entry>> byId = new HashMap<>();
      for (Entry e : l.byOrdinal) {
        if (e.valueOffset + e.valueLength <= mappedValues) {
          st.blobs.putIfAbsent(e.value, e);
          byId.computeIfAbsent(e.id, k -> new ArrayList<>()).add(e);
        }
      }
      Checkpoint.reindex(s, byId);
      s.bytesRead.add(l.tracesEnd);
      return true;
    } catch (Generation.Unusable e) {
      s.errors.increment();
      s.warnings.warn(e.kind, e.getMessage() + "; ignored" + (writable ? " and replaced at the next checkpoint"
          : ""));
    } catch (IOException | RuntimeException | InternalError e) {
      s.errors.increment();
      s.warnings.warn(Warnings.Kind.FOREIGN, "cannot read generation " + number + ": " + e + "; ignored");
    }
    if (gen != null) {
      gen.close();
    }
    return false;
  }
}
