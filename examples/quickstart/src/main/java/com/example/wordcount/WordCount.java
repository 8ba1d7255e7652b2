package com.example.wordcount;

import dev.weft.flow.Pipeline;
import dev.weft.query.Input;
import dev.weft.query.Query;
import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Word counts of a set of documents, as queries (incremental) and as a pipeline (streaming). */
public final class WordCount {
  /** The text of a document, set from outside. */
  public static final Input<String, String> TEXT = Query.input("text");

  /** The number of words of one document. */
  public static final Query<String, Integer> WORDS = Query.of("words", (ctx, doc) -> {
    String text = ctx.get(TEXT, doc).strip();
    return text.isEmpty() ? 0 : text.split("\\s+").length;
  });

  /** The number of words of several documents, counted in parallel. */
  public static final Query<List<String>, Integer> TOTAL = Query.of("total", (ctx, docs) -> {
    int sum = 0;
    for (int n : ctx.getAll(WORDS, docs)) {
      sum += n;
    }
    return sum;
  });

  private WordCount() {}

  /** How often each word occurs in {@code lines}, lower-cased. */
  public static Map<String, Integer> frequencies(List<String> lines, Scheduler scheduler) {
    Map<String, Integer> counts = new TreeMap<>();
    Pipeline.from(lines)
        .flatMap(line -> List.of(line.toLowerCase().split("\\W+")))
        .filter(word -> !word.isEmpty())
        .forEach(scheduler, word -> counts.merge(word, 1, Integer::sum));
    return counts;
  }
}
