package dev.weft.store;

import dev.weft.query.Codecs;
import dev.weft.query.Diagnostic;
import dev.weft.query.Evaluation;
import dev.weft.query.Input;
import dev.weft.query.MemoStore;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * A small compiler-like program of queries that all carry codecs, for engine-level tests of the stores:
 * {@code source(file)} (input) → {@code words(file)} (a list, over 1 KiB for most files, so values go to a
 * remote cache's CAS) → {@code counts(file)} (a map, sorted by its codec) → {@code summary(file)} (reports a
 * warning for each {@code TODO}) → {@code total(files)} (reads every summary with one {@code getAll}).
 * Bodies count their runs per query and key, so a test can tell what executed.
 *
 * <p>Sources are a function of (file, variant): {@link #sources} makes the same text in every JVM.
 */
final class WordsProgram {
  static final List<String> FILES = IntStream.range(0, 24).mapToObj(i -> "src/F" + i + ".txt").toList();
  private static final String[] VOCABULARY = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
      "theta", "iota", "kappa", "lambda", "TODO"};

  final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
  /** Called with {@code words(file)}'s key before its body runs; tests use it to act mid-run. */
  volatile java.util.function.Consumer<String> onWords = f -> {};

  final Input<String, String> source = Query.<String, String>builder("source")
      .codec(Codecs.STRING, Codecs.STRING).buildInput();
  final Query<String, List<String>> words;
  final Query<String, Map<String, Integer>> counts;
  final Query<String, String> summary;
  final Query<List<String>, String> total;

  /** @param wrongFile a file whose summary this program gets wrong (a poisoner's program), or null */
  WordsProgram(String wrongFile) {
    words = Query.<String, List<String>>builder("words").codec(Codecs.STRING, Codecs.list(Codecs.STRING))
        .version("1").build((ctx, f) -> {
          ran("words", f);
          onWords.accept(f);
          List<String> out = new ArrayList<>();
          for (String w : ctx.get(source, f).split("\\s+")) {
            if (!w.isEmpty()) {
              out.add(w);
            }
          }
          return List.copyOf(out);
        });
    counts = Query.<String, Map<String, Integer>>builder("counts")
        .codec(Codecs.STRING, Codecs.map(Codecs.STRING, Codecs.INT)).version("1").build((ctx, f) -> {
          ran("counts", f);
          Map<String, Integer> m = new HashMap<>(); // hash order: the codec must sort
          ctx.get(words, f).forEach(w -> m.merge(w, 1, Integer::sum));
          return m;
        });
    summary = Query.<String, String>builder("summary").codec(Codecs.STRING, Codecs.STRING).version("1")
        .build((ctx, f) -> {
          ran("summary", f);
          List<String> ws = ctx.get(words, f);
          for (int i = 0; i < ws.size(); i++) {
            if (ws.get(i).equals("TODO")) {
              ctx.report(Diagnostic.warning("TODO left in " + f).at(Diagnostic.Location.of(f, 1, i + 1))
                  .withCode("todo"));
            }
          }
          Map<String, Integer> c = ctx.get(counts, f);
          String top = c.entrySet().stream()
              .max(Map.Entry.<String, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
              .map(Map.Entry::getKey).orElse("-");
          int n = f.equals(wrongFile) ? ws.size() + 1000 : ws.size();
          return f + ": " + n + " words, " + c.size() + " distinct, most often " + top;
        });
    total = Query.<List<String>, String>builder("total").codec(Codecs.list(Codecs.STRING), Codecs.STRING)
        .version("1").build((ctx, files) -> {
          ran("total", "*");
          return String.join("\n", ctx.getAll(summary, files));
        });
  }

  WordsProgram() {
    this(null);
  }

  private void ran(String query, String key) {
    runs.computeIfAbsent(query + "(" + key + ")", k -> new AtomicInteger()).incrementAndGet();
  }

  /** Bodies run so far. */
  int executions() {
    return runs.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  /** Memos one evaluation of {@link #total} over {@link #FILES} completes: 3 per file and the total. */
  static int memos() {
    return 3 * FILES.size() + 1;
  }

  /** An engine named {@code namespace} (the memos' namespace in a store) with this program registered. */
  QueryEngine engine(Scheduler s, String namespace, MemoStore store) {
    QueryEngine.Builder b = QueryEngine.builder().scheduler(s).name(namespace);
    if (store != null) {
      b.store(store).queries(source, words, counts, summary, total);
    }
    return b.build();
  }

  /** Sets every file's source for {@code variants} (file name to variant; 0 for files not named). */
  void setSources(QueryEngine e, Map<String, Integer> variants) {
    e.update(tx -> FILES.forEach(f -> tx.set(source, f, text(f, variants.getOrDefault(f, 0)))));
  }

  Evaluation<String> evaluate(QueryEngine e) {
    return e.evaluate(total, FILES);
  }

  /** The text of {@code file} in {@code variant}: 20 to 400 words, some of them TODO. */
  static String text(String file, int variant) {
    Random r = new Random(file.hashCode() * 31L + variant);
    int n = 20 + r.nextInt(380);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      sb.append(i % 12 == 11 ? '\n' : ' ');
      String w = VOCABULARY[r.nextInt(VOCABULARY.length)];
      sb.append(w.equals("TODO") && r.nextInt(4) != 0 ? "omega" : w);
    }
    return sb.toString();
  }

  /**
   * The value and diagnostics of {@code total} for {@code variants}, computed from scratch by an engine
   * without a store.
   */
  static Result fromScratch(Scheduler s, Map<String, Integer> variants) {
    WordsProgram p = new WordsProgram();
    try (QueryEngine e = p.engine(s, "from-scratch", null)) {
      p.setSources(e, variants);
      return Result.of(p.evaluate(e));
    }
  }

  /** What tests compare: the value and the diagnostics as printed. */
  record Result(String value, List<String> diagnostics) {
    static Result of(Evaluation<String> ev) {
      return new Result(ev.value(), ev.diagnostics().stream().map(d -> d.location().map(l -> l + ": ")
          .orElse("") + d.severity() + " " + d.code().orElse("") + " " + d.message()).toList());
    }

    /** One line, for a child JVM to print: a fingerprint of the value and the diagnostics, and their count. */
    String digest() {
      String all = value + "\n--\n" + String.join("\n", diagnostics);
      return MemoStore.Fingerprint.of(all.getBytes(StandardCharsets.UTF_8)) + " " + diagnostics.size();
    }
  }
}
