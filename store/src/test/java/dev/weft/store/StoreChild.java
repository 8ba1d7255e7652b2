package dev.weft.store;

import static dev.weft.store.TestTraces.id;
import static dev.weft.store.TestTraces.trace;

import dev.weft.query.MemoStore.Trace;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The child side of the multi-process store tests; each mode prints what it did, one line at a time.
 *
 * <ul>
 *   <li>{@code hold DIR}: opens the store, writes a checkpoint, prints {@code READY}, and closes when a line
 *       arrives on stdin.</li>
 *   <li>{@code crash DIR RUN}: checkpoints {@link CrashModel} run {@code RUN} forever, printing {@code C n}
 *       after checkpoint n returned; the parent kills it.</li>
 *   <li>{@code diskfull DIR}: under a file-size limit, a checkpoint too big for it, then lookups and a small
 *       checkpoint.</li>
 * </ul>
 */
public final class StoreChild {
  private StoreChild() {}

  public static void main(String[] args) throws Exception {
    // If the test run that started this child dies without killing it (a build stopped mid-test), the child
    // must not go on checkpointing on its own.
    ProcessHandle.current().parent().ifPresent(p -> p.onExit().thenRun(() -> Runtime.getRuntime().halt(3)));
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "hold" -> {
        try (LocalStore store = LocalStore.open(dir)) {
          store.write(IntStream.range(0, 10).mapToObj(m -> trace(m, 1)).toList(), List.of());
          out.println("READY " + ProcessHandle.current().pid() + " " + store.isReadOnly());
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        }
        out.println("CLOSED");
      }
      case "crash" -> crash(dir, Integer.parseInt(args[2]), out);
      case "diskfull" -> diskFull(dir, out);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void crash(Path dir, int run, PrintStream out) {
    LocalStore store = CrashModel.open(dir);
    Trace[] current = new Trace[CrashModel.MEMOS];
    for (int m = 0; m < current.length; m++) {
      List<Trace> ts = store.traces(id(m));
      current[m] = ts.isEmpty() ? null : ts.get(0);
    }
    out.println("READY");
    for (int c = 1; ; c++) {
      boolean[] changed = CrashModel.changed(run, c);
      List<Trace> added = new ArrayList<>();
      List<Trace> used = new ArrayList<>();
      for (int m = 0; m < current.length; m++) {
        if (changed[m] || current[m] == null) {
          current[m] = trace(m, CrashModel.version(run, c));
          added.add(current[m]);
        } else {
          used.add(current[m]);
        }
      }
      store.write(added, used);
      out.println("C " + c);
    }
  }

  private static void diskFull(Path dir, PrintStream out) {
    try (LocalStore store = LocalStore.open(dir)) {
      out.println("OPEN " + store.isReadOnly());
      try {
        store.write(IntStream.range(0, 300).mapToObj(m -> trace(m, 2)).toList(), List.of());
        out.println("WROTE");
      } catch (UncheckedIOException e) {
        out.println("FAILED " + e.getMessage());
      }
      boolean ok = true;
      for (int m = 0; m < 50; m++) {
        List<Trace> ts = store.traces(id(m));
        ok &= ts.size() == 1 && TestTraces.decode(ts.get(0).loadValue())[1] == 1;
      }
      out.println("READS " + ok);
      try {
        store.write(List.of(trace(1000, 1)), IntStream.range(0, 50).mapToObj(m -> trace(m, 1)).toList());
        out.println("SMALL OK");
      } catch (UncheckedIOException e) {
        out.println("SMALL FAILED " + e.getMessage());
      }
    }
  }
}
