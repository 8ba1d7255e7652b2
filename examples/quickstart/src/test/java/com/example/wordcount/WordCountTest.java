package com.example.wordcount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class WordCountTest {
  @Test
  void total_afterEdit_recountsOnlyTheEditedDocument() {
    try (QueryEngine engine = QueryEngine.create()) {
      engine.set(WordCount.TEXT, "a", "one two three");
      engine.set(WordCount.TEXT, "b", "four five");
      assertEquals(5, engine.get(WordCount.TOTAL, List.of("a", "b")));

      long before = engine.stats().executions();
      engine.set(WordCount.TEXT, "b", "four five six");
      assertEquals(6, engine.get(WordCount.TOTAL, List.of("a", "b")));
      assertEquals(2, engine.stats().executions() - before); // words(b) and total; words(a) is reused
    }
  }

  @Test
  void frequencies_twoLines_countsEachWord() {
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      Map<String, Integer> f = WordCount.frequencies(List.of("The cat", "the dog"), scheduler);
      assertEquals(Map.of("the", 2, "cat", 1, "dog", 1), f);
    }
  }

  @Test
  void scheduler_withSurefireArgLine_runsOnWeftsOwnCarriers() {
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      assertTrue(scheduler.stats().ownCarriers(), "surefire's argLine must carry the add-opens flag");
    }
  }
}
