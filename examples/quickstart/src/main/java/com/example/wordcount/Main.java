package com.example.wordcount;

import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.List;

/** Counts words, edits one document, and counts again: only the edited document is recounted. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    List<String> docs = List.of("a.txt", "b.txt", "c.txt");
    try (Scheduler scheduler = Scheduler.parallel(2);
        QueryEngine engine = QueryEngine.builder().scheduler(scheduler).build()) {
      // Without --add-opens, Weft logs a warning and uses the JDK's carriers; this program insists.
      if (!scheduler.stats().ownCarriers()) {
        System.err.println("start the JVM with --add-opens java.base/java.lang=ALL-UNNAMED");
        System.exit(2);
      }
      engine.set(WordCount.TEXT, "a.txt", "the quick brown fox");
      engine.set(WordCount.TEXT, "b.txt", "jumps over");
      engine.set(WordCount.TEXT, "c.txt", "the lazy dog");
      System.out.println("words: " + engine.get(WordCount.TOTAL, docs));

      long before = engine.stats().executions();
      engine.set(WordCount.TEXT, "b.txt", "leaps over");
      System.out.println("after an edit: " + engine.get(WordCount.TOTAL, docs) + " words, "
          + (engine.stats().executions() - before) + " query re-executed");

      System.out.println("frequencies: "
          + WordCount.frequencies(List.of("The quick brown fox", "the lazy dog"), scheduler));
    }
  }
}
