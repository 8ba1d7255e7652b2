package dev.weft.srctest.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.CancelledException;
import dev.weft.query.Durability;
import dev.weft.query.EngineStats;
import dev.weft.query.Input;
import dev.weft.query.MissingInputException;
import dev.weft.query.Query;
import dev.weft.query.QueryEngine;
import dev.weft.query.Unit;
import dev.weft.scheduler.Scheduler;
import dev.weft.scheduler.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The examples of docs/incremental.md, compiled and run. {@link #incrementalMd_everyJavaBlock_isHere} checks
 * that every block of the page is in this file.
 */
@Timeout(120)
class IncrementalSnippetsTest {

  @Test
  void incrementalMd_everyJavaBlock_isHere() {
    DocPages.assertEveryJavaBlockIn(DocPages.page("incremental.md"), IncrementalSnippetsTest.class, 8);
  }

  // ------------------------------------------------------------------------------------ the program

  static final Input<String, String> FILE = Query.input("file");                 // the project: edited often
  static final Input<Unit, List<String>> LIBRARY = Query.singleton("library");   // a library's module names
  static final Input<String, String> LIB = Query.input("lib");                   // their sources: rarely edited

  static final Query<String, List<String>> USES = Query.of("uses", (ctx, file) ->
      ctx.get(FILE, file).lines()
          .filter(line -> line.startsWith("use "))
          .map(line -> line.substring("use ".length()).strip())
          .sorted().distinct().toList());

  static final Query<String, List<String>> EXPORTS = Query.of("exports", (ctx, module) ->
      ctx.get(LIB, module).lines()
          .filter(line -> line.startsWith("def "))
          .map(line -> line.substring("def ".length()).strip())
          .toList());

  static final Query<Unit, List<String>> INDEX = Query.of("index", (ctx, unit) -> {
    TreeSet<String> all = new TreeSet<>();
    ctx.getAll(EXPORTS, ctx.get(LIBRARY)).forEach(all::addAll);
    return List.copyOf(all);
  });

  static final Query<String, List<String>> UNDEFINED = Query.of("undefined", (ctx, file) -> {
    List<String> known = ctx.get(INDEX);
    return ctx.get(USES, file).stream().filter(name -> !known.contains(name)).toList();
  });

  /** A library of 200 modules: lib0 defines f0, lib1 defines f1, and so on. */
  static final List<String> MODULES = IntStream.range(0, 200).mapToObj(i -> "lib" + i).toList();

  static QueryEngine engine(Scheduler scheduler) {
    return QueryEngine.builder().scheduler(scheduler).build();
  }

  static void load(QueryEngine engine, Durability library) {
    engine.update(tx -> {
      tx.set(LIBRARY, MODULES, library);
      for (String m : MODULES) {
        tx.set(LIB, m, "def f" + m.substring(3), library);
      }
      tx.set(FILE, "a.src", "use f1\nuse g");
    });
  }

  // ------------------------------------------------------------------------------------- revisions

  @Test
  void revisions() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.revision();                        // 1
      assertThat(engine.revision()).isEqualTo(1);
      engine.set(FILE, "a.src", "use f1");     // 2
      engine.set(FILE, "a.src", "use f1");     // equal to the current value: still 2
      assertThat(engine.revision()).isEqualTo(2);
      engine.update(tx -> {
        tx.set(FILE, "b.src", "use f2");
        tx.set(FILE, "c.src", "use f3");
      });                                       // 3: one revision for the whole transaction
      assertThat(engine.revision()).isEqualTo(3);
    }
  }

  // ----------------------------------------------------------------------------- verification, cutoff

  @Test
  void earlyCutoff() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      load(engine, Durability.LOW);
      engine.get(UNDEFINED, "a.src");                      // [g]
      assertThat(engine.get(UNDEFINED, "a.src")).containsExactly("g");
      EngineStats before = engine.stats();
      engine.set(FILE, "a.src", "use g\nuse f1\nuse g");   // the same names, in another order
      engine.get(UNDEFINED, "a.src");                      // [g]
      EngineStats delta = engine.stats().minus(before);
      // delta.executions() == 1: uses(a.src) ran again and returned an equal list (delta.cutoffs() == 1);
      // undefined(a.src) and index() were verified, and no exports(...) body ran
      assertThat(delta.executions()).isEqualTo(1);
      assertThat(delta.cutoffs()).isEqualTo(1);
      assertThat(delta.reExecutions()).isEqualTo(1);
    }
  }

  // ----------------------------------------------------------------------------------------- durability

  @Test
  void durability_highOnlyMemoCurrentWithoutAWalk() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.update(tx -> {
        tx.set(LIBRARY, MODULES, Durability.HIGH);
        for (String m : MODULES) {
          tx.set(LIB, m, "def f" + m.substring(3), Durability.HIGH);
        }
        tx.set(FILE, "a.src", "use f1\nuse g");   // Durability.LOW, the default
      });
      engine.get(UNDEFINED, "a.src");               // [g]
      EngineStats before = engine.stats();
      engine.set(FILE, "a.src", "use f1\nuse f2");  // a LOW edit
      engine.get(INDEX);                            // read only HIGH inputs: current at once
      engine.stats().minus(before).verifications(); // 0: not one of its 200 dependencies is looked at
      engine.stats().minus(before).hits();          // 1: the read is served like a hit
      assertThat(engine.stats().minus(before).verifications()).isZero();
      assertThat(engine.stats().minus(before).hits()).isEqualTo(1);
      assertThat(engine.get(UNDEFINED, "a.src")).isEmpty();
      assertThat(engine.stats().minus(before).executions()).isEqualTo(2);   // uses and undefined of a.src
    }
  }

  @Test
  void durability_sameProgramAllLow_walksTheLibrary() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      load(engine, Durability.LOW);
      engine.get(UNDEFINED, "a.src");
      EngineStats before = engine.stats();
      engine.set(FILE, "a.src", "use f1\nuse f2");
      engine.get(INDEX);
      // index() read 200 exports memos: with everything LOW, verifying it checks each of them
      assertThat(engine.stats().minus(before).verifications()).isEqualTo(201);
      assertThat(engine.stats().minus(before).executions()).isZero();
    }
  }

  @Test
  void durability_highChange_reachesEveryone() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      load(engine, Durability.HIGH);
      assertThat(engine.get(UNDEFINED, "a.src")).containsExactly("g");
      engine.set(LIB, "lib7", "def f7\ndef g", Durability.HIGH);   // a library edit: rare, but seen by all
      engine.get(UNDEFINED, "a.src");                              // []
      assertThat(engine.get(UNDEFINED, "a.src")).isEmpty();
    }
  }

  // ------------------------------------------------------------------------------------- transactions

  @Test
  void transactions() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      load(engine, Durability.HIGH);
      engine.set(FILE, "old.src", "use f9");
      long revision = engine.revision();
      engine.update(tx -> {
        tx.setAll(FILE, Map.of("b.src", "use f2", "c.src", "use h"));
        tx.remove(FILE, "old.src");
        tx.set(LIB, "lib0", "def f0\ndef h", Durability.HIGH);
      });
      engine.revision();               // revision + 1
      engine.get(UNDEFINED, "c.src");  // []: h came with the same transaction
      assertThat(engine.revision()).isEqualTo(revision + 1);
      assertThat(engine.get(UNDEFINED, "c.src")).isEmpty();
      try {
        engine.get(USES, "old.src");
      } catch (MissingInputException e) {
        System.out.println(e.getMessage());   // input file(old.src) was never set (read by uses(old.src))
      }
      assertThatThrownBy(() -> engine.get(USES, "old.src")).isInstanceOf(MissingInputException.class)
          .hasMessage("input file(old.src) was never set (read by uses(old.src))");
      engine.update(tx -> tx.set(FILE, "b.src", "use f2"));   // changes nothing: no revision
      assertThat(engine.revision()).isEqualTo(revision + 1);
      assertThatThrownBy(() -> engine.update(tx -> {
        tx.set(FILE, "b.src", "use f3");
        throw new IllegalStateException("abandoned");
      })).hasMessage("abandoned");
      assertThat(engine.revision()).as("a transaction that throws applies nothing").isEqualTo(revision + 1);
      assertThat(engine.get(USES, "b.src")).containsExactly("f2");
    }
  }

  // ------------------------------------------------------------------------------------- cancellation

  static final CountDownLatch STARTED = new CountDownLatch(1);

  /** Never solved: the loop below ends only when the evaluation is cancelled. */
  static boolean solved(int steps) {
    STARTED.countDown();
    return false;
  }

  @Test
  void cancellation() throws InterruptedException {
    Query<String, Integer> search = Query.of("search", (ctx, file) -> {
      int steps = 0;
      while (!solved(steps)) {
        ctx.checkCancelled();   // a write in progress ends the evaluation here, with CancelledException
        steps++;
      }
      return steps;
    });
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.set(FILE, "a.src", "use f1");
      Task<Integer> reader = scheduler.spawn("reader", () -> engine.get(search, "a.src"));
      STARTED.await();
      engine.set(FILE, "a.src", "use f2");   // cancels the running evaluation, waits for it to unwind, writes
      assertThatThrownBy(reader::join).isInstanceOf(CancelledException.class);
      assertThat(engine.stats().cancellations()).isGreaterThanOrEqualTo(1);
      assertThat(engine.get(USES, "a.src")).containsExactly("f2");
    }
  }

  // ----------------------------------------------------------------------------------------------- LRU

  static final Query<String, Integer> SIZE = Query.<String, Integer>builder("size")
      .lru(2)                                   // at most 2 values per engine
      .build((ctx, file) -> ctx.get(FILE, file).length());

  static final Query<Unit, Integer> TOTAL = Query.of("total", (ctx, unit) ->
      ctx.getAll(SIZE, List.of("a.src", "b.src", "c.src")).stream().mapToInt(Integer::intValue).sum());

  @Test
  void lru() {
    try (Scheduler scheduler = Scheduler.parallel(2); QueryEngine engine = engine(scheduler)) {
      engine.setAll(FILE, Map.of("a.src", "use f1", "b.src", "use f22", "c.src", "use f333"));
      engine.get(TOTAL);                      // 21; one of the three size values was evicted
      assertThat(engine.get(TOTAL)).isEqualTo(21);
      engine.stats().evictions();             // 1
      assertThat(engine.stats().evictions()).isEqualTo(1);
      EngineStats before = engine.stats();
      engine.set(FILE, "d.src", "unrelated");
      engine.get(TOTAL);                      // 21: verified through the evicted memo's record, nothing ran
      assertThat(engine.get(TOTAL)).isEqualTo(21);
      assertThat(engine.stats().minus(before).executions()).isZero();
      List<Integer> sizes = new ArrayList<>();
      for (String f : List.of("a.src", "b.src", "c.src")) {
        sizes.add(engine.get(SIZE, f));
      }
      assertThat(sizes).containsExactly(6, 7, 8);
      // each read of an evicted value runs its body again, and may evict another (two values, three keys)
      assertThat(engine.stats().minus(before).executions()).isBetween(1L, 3L);
    }
  }
}
