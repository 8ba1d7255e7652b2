package dev.weft.store;

import dev.weft.query.MemoStore;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The child side of the engine-level store tests: one run of {@link WordsProgram} on an engine with a
 * {@link LocalStore}, a {@link RemoteCache}, or both tiered, then closing the engine (its last checkpoint) and
 * the store (a remote cache finishes its uploads).
 *
 * <p>Arguments: {@code NAMESPACE LOCAL_DIR|- REMOTE_URI|- VARIANTS|- [KEY|- [WRONG_FILE]]}, where VARIANTS is
 * {@code file=variant,...} ({@link WordsProgram#setSources}), KEY an HMAC key for the remote cache, and
 * WRONG_FILE a file whose summary the program gets wrong. Prints {@code RESULT digest}, {@code EXECUTIONS n},
 * {@code REUSED n}, then {@code DONE uploaded} once everything is closed.
 */
public final class EngineChild {
  private EngineChild() {}

  public static void main(String[] args) {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    String namespace = args[0];
    MemoStore local = args[1].equals("-") ? null : LocalStore.open(Path.of(args[1]));
    RemoteCache remote = null;
    if (!args[2].equals("-")) {
      RemoteCache.Builder b = RemoteCache.builder(URI.create(args[2]));
      if (args.length > 4 && !args[4].equals("-")) {
        b.hmacKey(args[4].getBytes(StandardCharsets.UTF_8));
      }
      remote = b.build();
    }
    MemoStore store = local != null && remote != null ? MemoStore.tiered(local, remote)
        : local != null ? local : remote;
    WordsProgram p = new WordsProgram(args.length > 5 ? args[5] : null);
    try (Scheduler s = Scheduler.parallel(2)) {
      try (store; QueryEngine e = p.engine(s, namespace, store)) {
        p.setSources(e, variants(args[3]));
        out.println("RESULT " + WordsProgram.Result.of(p.evaluate(e)).digest());
        out.println("EXECUTIONS " + p.executions());
        out.println("REUSED " + e.stats().tracesReused());
      }
    }
    out.println("DONE " + (remote == null ? 0 : remote.counters().uploaded()));
  }

  static Map<String, Integer> variants(String spec) {
    Map<String, Integer> out = new HashMap<>();
    if (!spec.equals("-")) {
      for (String kv : spec.split(",")) {
        int eq = kv.indexOf('=');
        out.put(kv.substring(0, eq), Integer.parseInt(kv.substring(eq + 1)));
      }
    }
    return out;
  }
}
