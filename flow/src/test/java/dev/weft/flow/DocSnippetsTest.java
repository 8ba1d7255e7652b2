package dev.weft.flow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The examples of docs/flow.md and of this package's javadoc, compiled and checked. Every {@code java} block
 * of docs/flow.md must appear in this file (indentation aside), which {@link #flowMd_everyJavaBlock_isHere}
 * checks; the code around it sets up what the block uses and asserts what the page says it does.
 */
@Timeout(60)
class DocSnippetsTest {
  private static final Path FLOW_MD = Path.of("..", "docs", "flow.md");
  private static final Path THIS_FILE = Path.of("src", "test", "java", "dev", "weft", "flow", "DocSnippetsTest.java");

  @TempDir
  Path dir;

  @Test
  void flowMd_everyJavaBlock_isHere() throws IOException {
    String doc = Files.readString(FLOW_MD);
    String here = dedent(Files.readString(THIS_FILE));
    Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    int blocks = 0;
    while (m.find()) {
      blocks++;
      assertThat(here).as("docs/flow.md block %d is in DocSnippetsTest", blocks).contains(dedent(m.group(1)));
    }
    assertThat(blocks).isGreaterThanOrEqualTo(10);
  }

  private static String dedent(String text) {
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
  }

  // ---- Pipelines

  @Test
  void firstPipeline() {
    try (Scheduler scheduler = Scheduler.parallel()) {
      List<Integer> lengths = Pipeline.from(List.of("a", "bb", "ccc"))
          .map(String::length)
          .filter(n -> n > 1)
          .toList(scheduler); // [2, 3]
      assertThat(lengths).containsExactly(2, 3);
    }
  }

  record Request(String path, int status, long micros) {
    /** "GET /a 200 1500" -> a request; anything else -> empty. */
    static Optional<Request> parse(String line) {
      String[] f = line.split(" ");
      if (f.length != 4 || !f[0].equals("GET")) {
        return Optional.empty();
      }
      return Optional.of(new Request(f[1], Integer.parseInt(f[2]), Long.parseLong(f[3])));
    }
  }

  @Test
  void logPipeline() throws IOException {
    Path log = dir.resolve("access.log");
    Files.write(log, List.of("GET /a 200 1500", "# comment", "GET /b 404 90", "GET /c 200 2100", "GET /d 500 5000"));
    try (Scheduler scheduler = Scheduler.parallel()) {
      Map<Integer, Long> slowByStatus = Pipeline.lines(log)   // read anew by every run
          .mapOptional(Request::parse)                         // drops lines that are not requests
          .filter(r -> r.micros() > 1_000)
          .collect(scheduler, Collectors.groupingBy(Request::status, Collectors.counting()));
      assertThat(slowByStatus).isEqualTo(Map.of(200, 2L, 500, 1L));
    }
  }

  @Test
  void sources() throws IOException {
    Path file = dir.resolve("words.txt");
    Files.writeString(file, "b a\nb c\n");
    List<String> list = List.of("x", "y");
    try (Scheduler scheduler = Scheduler.deterministic(1)) {
      Pipeline<String> fromList = Pipeline.from(list);                      // any Iterable, iterated per run
      Pipeline<Integer> fromStream = Pipeline.from(IntStream.range(0, 5).boxed()); // runs once
      Pipeline<String> fromFile = Pipeline.lines(file);                     // UTF-8; lines(file, charset)
      Pipeline<Integer> pushed = Pipeline.generate(Integer.class, out -> {  // a source that pushes
        for (int i = 0; i < 3; i++) {
          out.push(i);
        }
      });
      assertThat(fromList.toList(scheduler)).containsExactly("x", "y");
      assertThat(fromStream.toList(scheduler)).containsExactly(0, 1, 2, 3, 4);
      assertThat(fromFile.toList(scheduler)).containsExactly("b a", "b c");
      assertThat(pushed.toList(scheduler)).containsExactly(0, 1, 2);
      assertThatThrownBy(() -> fromStream.toList(scheduler)).isInstanceOf(PipelineException.class);
    }
  }

  @Test
  void stagesThatInfer() throws IOException {
    Path file = dir.resolve("text.txt");
    Files.writeString(file, "to be or\nnot to be\n");
    try (Scheduler scheduler = Scheduler.deterministic(2)) {
      List<String> words = Pipeline.lines(file)
          .flatMap(line -> List.of(line.split(" ")))           // the item type comes from the returned list
          .toList(scheduler);
      List<Integer> lengths = Pipeline.lines(file)
          .flatMap(String.class, (line, out) -> {              // push-style: give the item type
            for (String w : line.split(" ")) {
              out.push(w);
            }
          })
          .map(String::length)
          .toList(scheduler);
      assertThat(words).containsExactly("to", "be", "or", "not", "to", "be");
      assertThat(lengths).containsExactly(2, 2, 2, 3, 2, 2);
    }
  }

  @Test
  void transformStage() {
    try (Scheduler scheduler = Scheduler.deterministic(3)) {
      List<String> distinctRuns = Pipeline.from(List.of("a", "a", "b", "b", "b", "a"))
          .transform(String.class, (in, out) -> {   // n:m, reads and writes at its own pace
            String last = null;
            for (String s : in) {
              if (!s.equals(last)) {
                out.push(s);
              }
              last = s;
            }
          })
          .toList(scheduler); // [a, b, a]
      assertThat(distinctRuns).containsExactly("a", "b", "a");
    }
  }

  @Test
  void otherStages() {
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      List<Integer> out = Pipeline.from(List.of("1", "x", "3", "40", "5"))
          .mapNotNull(s -> s.matches("\\d+") ? Integer.valueOf(s) : null)  // null drops the item
          .map(4, x -> x * x)                  // 4 workers, input order kept
          .batch(2)                            // [1, 9], [1600, 25]
          .map(batch -> batch.stream().mapToInt(Integer::intValue).sum())
          .toList(scheduler); // [10, 1625]
      assertThat(out).containsExactly(10, 1625);

      List<String> both = Pipeline.from(List.of(1, 2, 3))
          .fork(p -> p.map(x -> "a" + x), p -> p.filter(x -> x > 1).map(x -> "b" + x))
          .toList(scheduler); // a1 a2 a3 b2 b3, each branch in order, branches interleaved
      assertThat(both).containsExactlyInAnyOrder("a1", "a2", "a3", "b2", "b3");
      assertThat(both.stream().filter(s -> s.startsWith("a")).toList()).containsExactly("a1", "a2", "a3");
    }
  }

  private static int heavy(int x) {
    return x % 7;
  }

  @Test
  void runAndStats() {
    List<Integer> items = IntStream.range(0, 10_000).boxed().toList();
    List<Integer> sink = new ArrayList<>();
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      PipelineRun run = Pipeline.from(items)
          .map(2, DocSnippetsTest::heavy).named("heavy")
          .buffer(1024)
          .start(scheduler, sink::add);          // returns at once
      run.join();                                // or run.cancel()
      for (StageStats s : run.stats()) {         // source, heavy, sink
        System.out.printf("%-6s in=%d out=%d starved=%s backpressured=%s%n",
            s.name(), s.itemsIn(), s.itemsOut(), s.starved(), s.backpressured());
      }
      assertThat(run.stats()).extracting(StageStats::name).containsExactly("source", "heavy", "sink");
      assertThat(sink).hasSize(10_000);
    }
  }

  @Test
  void failures() {
    try (Scheduler scheduler = Scheduler.deterministic(0)) {
      try {
        Pipeline.from(List.of("1", "2", "x")).map(Integer::parseInt).named("parse").toList(scheduler);
      } catch (PipelineException e) {
        System.out.println(e.stage());      // parse
        System.out.println(e.getCause());   // java.lang.NumberFormatException: For input string: "x"
      }
      assertThatThrownBy(() -> Pipeline.from(List.of("1", "2", "x")).map(Integer::parseInt).named("parse")
          .toList(scheduler))
          .isInstanceOfSatisfying(PipelineException.class, e -> assertThat(e.stage()).isEqualTo("parse"))
          .cause().isInstanceOf(NumberFormatException.class).hasMessageContaining("\"x\"");
    }
  }

  @Test
  void deterministicRuns() {
    List<List<Integer>> runs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      try (Scheduler scheduler = Scheduler.deterministic(42)) {
        List<Integer> order = Pipeline.from(IntStream.range(0, 100).boxed().toList())
            .mapUnordered(4, x -> x * 2)   // completion order: decided by the seed
            .toList(scheduler);
        runs.add(order);
      }
    }
    assertThat(runs.get(0)).isEqualTo(runs.get(1));
  }

  // ---- Graphs

  @Test
  void graphJavadocExample() {
    try (Scheduler scheduler = Scheduler.deterministic(0)) {
      Graph.Builder b = Graph.builder();
      Source<Integer> s = b.source(1);
      Node<Integer> a = b.node(x -> x + 1, s);
      Node<Integer> d = b.node((x, y) -> x + y, s, a);
      Graph g = b.build(scheduler);
      assertThat(g.get(d)).isEqualTo(3);
      g.set(s, 5);
      g.stabilize();
      assertThat(g.get(a)).isEqualTo(6);
      assertThat(g.get(d)).isEqualTo(11);
    }
  }

  @Test
  void spreadsheet() {
    try (Scheduler scheduler = Scheduler.parallel(2)) {
      Graph.Builder b = Graph.builder();
      Source<Integer> price = b.source(10);
      Source<Integer> quantity = b.source(3);
      Node<Integer> subtotal = b.node((p, q) -> p * q, price, quantity);
      Node<Integer> tax = b.node(sub -> sub / 5, subtotal);
      Node<Integer> total = b.node((sub, t) -> sub + t, subtotal, tax);
      Graph g = b.build(scheduler);   // computes every node once
      g.get(total);                   // 36
      g.set(quantity, 4);
      g.stabilize();                  // subtotal = 40, tax = 8, total = 48
      g.stats();                      // 3 recomputed, 0 cut off
      assertThat(g.get(total)).isEqualTo(48);
      assertThat(g.stats()).isEqualTo(new GraphStats(3, 0, 0, 0));
    }
  }

  @Test
  void cutoff() {
    try (Scheduler scheduler = Scheduler.deterministic(0)) {
      Graph.Builder b = Graph.builder();
      Source<Integer> reading = b.source(5);
      Node<String> sign = b.node(x -> x >= 0 ? "positive" : "negative", reading);
      Node<String> label = b.node(x -> "the reading is " + x, sign);
      Graph g = b.build(scheduler);
      g.set(reading, 6);
      g.stabilize();   // sign recomputed, still "positive": label is not recomputed
      g.stats();       // 1 recomputed, 1 cut off
      assertThat(g.stats()).isEqualTo(new GraphStats(1, 1, 0, 0));
      assertThat(g.get(label)).isEqualTo("the reading is positive");
    }
  }

  @Test
  void groupsAndState() {
    try (Scheduler scheduler = Scheduler.deterministic(0)) {
      Graph.Builder b = Graph.builder();
      List<Source<Integer>> cells = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        cells.add(b.source(i));
      }
      Node<Integer> sum = b.nodeOfAll(cells, values -> values.stream().mapToInt(Integer::intValue).sum());
      Node<Integer> changes = b.stateful(() -> new int[1], (count, s) -> ++count[0], sum);  // private state
      Graph g = b.build(scheduler);
      g.set(cells.get(7), 1007);
      g.stabilize();
      g.get(sum);      // 5950
      g.get(changes);  // 2: the build, then this stabilize
      assertThat(g.get(sum)).isEqualTo(5950);
      assertThat(g.get(changes)).isEqualTo(2);
    }
  }

  @Test
  void graphFailures() {
    try (Scheduler scheduler = Scheduler.deterministic(0)) {
      Graph.Builder b = Graph.builder();
      Source<Integer> divisor = b.source(2);
      Node<Integer> quotient = b.node(d -> 100 / d, divisor).named("quotient");
      Node<Integer> shown = b.node(q -> q + 1, quotient);
      Node<Integer> other = b.node(d -> d * 2, divisor);
      Graph g = b.build(scheduler);
      g.set(divisor, 0);
      try {
        g.stabilize();
      } catch (GraphException e) {
        System.out.println(e.node());       // quotient
        System.out.println(e.getCause());   // java.lang.ArithmeticException: / by zero
      }
      System.out.println(g.get(other));     // 0: nodes outside the failed node's cone were recomputed
      assertThat(g.get(other)).isZero();
      assertThat(g.stats().failed()).isEqualTo(1);
      assertThatThrownBy(() -> g.get(shown)).isInstanceOf(GraphException.class).hasMessageContaining("quotient");
      g.set(divisor, 4);
      g.stabilize();                        // the failed node is retried first; the graph recovers
      System.out.println(g.get(shown));     // 26
      assertThat(g.get(shown)).isEqualTo(26);
    }
  }
}
