package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.junit.WeftRun;
import dev.weft.junit.WeftTest;
import dev.weft.query.Evaluation;
import dev.weft.query.MemoStore;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.LocalStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test of durable memos: every random {@link Program} runs through a sequence of engines that share
 * one store, each engine a "process" with its own inputs, and each engine's outcomes (values, failures, cycle
 * outcomes, diagnostics in order) must equal the sequential {@link Reference}'s for its inputs. An engine never
 * executes more bodies than a from-scratch engine would, checked for programs without cycles and LRU (how many
 * partial executions a cycle's detection costs, and how many restores an LRU needs, depend on the order of
 * reads). One variant runs the first engine in a
 * child JVM on a {@link LocalStore} and the next in this one.
 */
class QueryStoreDifferentialTest {
  private static final int ENGINES = 4;

  @WeftTest(seeds = 150, parallelRuns = 4)
  void randomProgram_enginesInSequenceOnOneStore_matchReference(WeftRun run, Scheduler scheduler) {
    SplittableRandom random = run.random();
    Program program = Program.random(random, 4 + random.nextInt(24), 1 + random.nextInt(6));
    int lru = random.nextInt(5) == 0 ? random.nextInt(4) : -1;
    MemoStore store = new MemoryStore();
    Integer[] inputs = new Integer[program.inputs + 1];
    for (int i = 0; i < program.inputs; i++) {
      inputs[i] = random.nextInt(100);
    }
    for (int round = 0; round < ENGINES; round++) {
      Reference reference = new Reference(program, inputs);
      Program.Queries q = program.keptQueries(lru);
      long withStore;
      try (QueryEngine engine = QueryEngine.builder().scheduler(scheduler).name("stored").store(store)
          .queries(q.f, q.g, q.input).build()) {
        set(engine, q, inputs);
        List<String> mismatches = evaluateAll(engine, program, q, reference, random);
        assertThat(mismatches).as("engine %d, lru %d, inputs %s%n%s", round, lru, Arrays.toString(inputs),
            program).isEmpty();
        withStore = engine.stats().executions();
      }
      if (program.rings.isEmpty() && lru < 0) {
        Program.Queries fresh = program.keptQueries(lru);
        try (QueryEngine scratch = QueryEngine.builder().scheduler(scheduler).name("scratch").build()) {
          set(scratch, fresh, inputs);
          evaluateAll(scratch, program, fresh, reference, new SplittableRandom(0));
          assertThat(withStore).as("executions with the store, engine %d", round)
              .isLessThanOrEqualTo(scratch.stats().executions());
        }
      }
      int changes = random.nextInt(3); // sometimes none: then nothing may run at all
      for (int c = 0; c < changes; c++) {
        inputs[random.nextInt(inputs.length)] = random.nextInt(100);
      }
    }
  }

  private static void set(QueryEngine engine, Program.Queries q, Integer[] inputs) {
    engine.update(tx -> {
      for (int i = 0; i < inputs.length; i++) {
        if (inputs[i] != null) {
          tx.set(q.input, i, inputs[i]);
        }
      }
    });
  }

  /** Evaluates every node in a random order; returns the differences from the reference. */
  private static List<String> evaluateAll(QueryEngine engine, Program program, Program.Queries q,
      Reference reference, SplittableRandom random) {
    List<Integer> order = new ArrayList<>();
    for (int n = 0; n < program.nodes.size(); n++) {
      order.add(n);
    }
    java.util.Collections.shuffle(order, new java.util.Random(random.nextLong()));
    List<String> mismatches = new ArrayList<>();
    for (int node : order) {
      Evaluation<Integer> e = engine.evaluate(q.queryOf(node), node + Program.KEY_OFFSET);
      Outcome got = e.failure().<Outcome>map(Outcome::of).orElseGet(() -> new Outcome.Value(e.value()));
      if (!got.equals(reference.outcome(node))) {
        mismatches.add(program.nodes.get(node).call() + ": expected " + reference.outcome(node) + " but got "
            + got);
      }
      List<String> diagnostics = e.diagnostics().stream()
          .map(d -> d.severity().name().toLowerCase(Locale.ROOT) + ": " + d.message()).toList();
      if (!diagnostics.equals(reference.diagnostics(node))) {
        mismatches.add(program.nodes.get(node).call() + " diagnostics: expected " + reference.diagnostics(node)
            + " but got " + diagnostics);
      }
    }
    return mismatches;
  }

  /** The first engine runs in a child JVM on a {@link LocalStore}; this JVM reuses what it stored. */
  @Test
  @Timeout(120)
  void randomPrograms_firstEngineInAChildJvm_reusedHere(@TempDir Path dir) throws Exception {
    for (long seed = 1; seed <= 3; seed++) {
      Path storeDir = dir.resolve("store-" + seed);
      Process child = new ProcessBuilder(javaCommand(StoreChild.class.getName(), storeDir.toString(),
          Long.toString(seed))).redirectErrorStream(true).start();
      String output = new String(child.getInputStream().readAllBytes());
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(child.exitValue()).as(output).isZero();
      StoreChild.Run expected = StoreChild.program(seed);
      try (LocalStore store = LocalStore.open(storeDir); Scheduler s = Scheduler.parallel(2)) {
        Program.Queries q = expected.program().keptQueries(-1);
        try (QueryEngine engine = QueryEngine.builder().scheduler(s).name("stored").store(store)
            .queries(q.f, q.g, q.input).build()) {
          set(engine, q, expected.inputs());
          Reference reference = new Reference(expected.program(), expected.inputs());
          assertThat(evaluateAll(engine, expected.program(), q, reference, new SplittableRandom(seed))).isEmpty();
          if (expected.program().rings.isEmpty()) {
            long failing = java.util.stream.IntStream.range(0, expected.program().nodes.size())
                .filter(n -> !reference.outcome(n).isValue()).count();
            assertThat(engine.stats().executions()).as("only failures (not stored) ran again")
                .isLessThanOrEqualTo(failing);
          }
          assertThat(engine.stats().tracesReused()).isPositive();
        }
      }
    }
  }

  static List<String> javaCommand(String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("--add-opens");
    cmd.add("java.base/java.lang=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    assertThat(Files.isDirectory(Path.of(System.getProperty("java.home")))).isTrue();
    return cmd;
  }
}
