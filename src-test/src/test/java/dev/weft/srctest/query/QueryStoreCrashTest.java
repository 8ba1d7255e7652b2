package dev.weft.srctest.query;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.query.Evaluation;
import dev.weft.query.QueryEngine;
import dev.weft.scheduler.Scheduler;
import dev.weft.store.LocalStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable memos survive {@code kill -9}: a child JVM ({@link CrashChild}) evaluates a random program over many
 * revisions on a {@link LocalStore} and checkpoints after each; it is killed with SIGKILL right after it
 * announces a checkpoint, after a random number of them, {@value #KILLS} times on the same directory. After each
 * kill the store opens without an exception and an engine on it, given inputs of its own, gets exactly the
 * sequential reference's outcomes and diagnostics: whatever state the kill left, no stored trace yields a wrong
 * value.
 */
class QueryStoreCrashTest {
  static final int KILLS = Integer.getInteger("weft.store.kills", 50);

  @Test
  @Timeout(600)
  void killedDuringCheckpoint_storeOpensAndEveryValueIsRight(@TempDir Path dir) throws Exception {
    long seed = 4242;
    StoreChild.Run run = StoreChild.program(seed);
    SplittableRandom random = new SplittableRandom(seed);
    int reusedSomewhere = 0;
    for (int kill = 0; kill < KILLS; kill++) {
      Process child = new ProcessBuilder(childCommand(dir, seed)).redirectErrorStream(true).start();
      int target = random.nextInt(4);
      List<String> seen = new ArrayList<>();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          seen.add(line);
          if (line.equals("begin " + target)) {
            child.toHandle().destroyForcibly(); // SIGKILL, in the middle of (or right before) checkpoint `target`
            break;
          }
        }
      }
      assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).as("kill %d: the child reached its checkpoint", kill).contains("begin " + target);
      Integer[] inputs = new Integer[run.program().inputs + 1];
      for (int i = 0; i < run.program().inputs; i++) {
        inputs[i] = random.nextInt(6);
      }
      try (LocalStore store = LocalStore.open(dir); Scheduler s = Scheduler.parallel(2)) {
        Program.Queries q = run.program().keptQueries(-1);
        try (QueryEngine engine = QueryEngine.builder().scheduler(s).name("stored").store(store)
            .queries(q.f, q.g, q.input).build()) {
          engine.update(tx -> {
            for (int i = 0; i < run.program().inputs; i++) {
              tx.set(q.input, i, inputs[i]);
            }
          });
          Reference reference = new Reference(run.program(), inputs);
          for (int n = 0; n < run.program().nodes.size(); n++) {
            Evaluation<Integer> e = engine.evaluate(q.queryOf(n), n + Program.KEY_OFFSET);
            Outcome got = e.failure().<Outcome>map(Outcome::of).orElseGet(() -> new Outcome.Value(e.value()));
            assertThat(got).as("kill %d node %d", kill, n).isEqualTo(reference.outcome(n));
            assertThat(e.diagnostics().stream().map(QueryDifferentialTest::render).toList())
                .as("kill %d node %d", kill, n).isEqualTo(reference.diagnostics(n));
          }
          if (engine.stats().tracesReused() > 0) {
            reusedSomewhere++;
          }
        }
      }
    }
    assertThat(reusedSomewhere).as("the stores were used at all").isPositive();
  }

  private static List<String> childCommand(Path dir, long seed) throws Exception {
    List<String> cmd = new ArrayList<>(QueryStoreDifferentialTest.javaCommand(CrashChild.class.getName(),
        dir.toString(), Long.toString(seed)));
    cmd.add(1, "-XX:TieredStopAtLevel=1"); // a short-lived child: start fast
    return cmd;
  }
}
