package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.query.MemoStore.Dep;
import dev.weft.query.MemoStore.Fingerprint;
import dev.weft.query.MemoStore.Group;
import dev.weft.query.MemoStore.Step;
import dev.weft.query.MemoStore.Trace;
import dev.weft.scheduler.Scheduler;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a checkpoint writes: traces built from one encoding per value (DESIGN.md section 9). */
@Timeout(60)
class PersistenceTest {

  /** A store that records every checkpoint: the traces added (with their bytes) and the traces used. */
  static final class Recorder implements MemoStore {
    final List<List<Trace>> added = new ArrayList<>();
    final List<List<Trace>> used = new ArrayList<>();
    final List<List<byte[]>> bytes = new ArrayList<>();

    @Override
    public List<Trace> traces(MemoId id) {
      return List.of();
    }

    @Override
    public synchronized void write(List<Trace> add, List<Trace> use) {
      added.add(List.copyOf(add));
      used.add(List.copyOf(use));
      List<byte[]> b = new ArrayList<>();
      for (Trace t : add) {
        b.add(t.loadValue());
      }
      bytes.add(b);
    }

    @Override
    public Stats stats() {
      return Stats.ZERO;
    }

    @Override
    public void close() {}
  }

  /** A codec that counts what it writes per value and throws for the values a test picks. */
  static final class Counting implements Codec<Integer> {
    final Map<Integer, AtomicInteger> writes = new ConcurrentHashMap<>();
    volatile IntPredicate failOn = v -> false;
    volatile IntPredicate errorOn = v -> false;

    @Override
    public void write(Integer value, DataOutput out) throws IOException {
      writes.computeIfAbsent(value, v -> new AtomicInteger()).incrementAndGet();
      if (failOn.test(value)) {
        throw new IOException("cannot encode " + value);
      }
      if (errorOn.test(value)) {
        throw new AssertionError("codec broke on " + value);
      }
      out.writeInt(value);
    }

    @Override
    public Integer read(DataInput in) throws IOException {
      return in.readInt();
    }

    int total() {
      return writes.values().stream().mapToInt(AtomicInteger::get).sum();
    }
  }

  /**
   * Files 0..n-1: {@code text(f)} an input, {@code size(f)} its length (distinct per file, a diagnostic on every
   * seventh), {@code block(b)} the sum over a getAll of ten sizes plus a direct read, {@code total} over all
   * blocks.
   */
  static final class Program {
    final int files;
    final Counting sizes = new Counting();
    final Input<Integer, String> text = Query.<Integer, String>builder("text")
        .codec(Codecs.INT, Codecs.STRING).buildInput();
    final Query<Integer, Integer> size = Query.<Integer, Integer>builder("size")
        .codec(Codecs.INT, sizes).build((ctx, f) -> {
          String t = ctx.get(text, f);
          if (f % 7 == 0) {
            ctx.report(Diagnostic.warning("file " + f + " is a multiple of seven").withCode("seven"));
          }
          return t.length();
        });
    final Query<Integer, Long> block = Query.<Integer, Long>builder("block")
        .codec(Codecs.INT, Codecs.LONG).build((ctx, b) -> {
          long sum = ctx.get(size, b * 10);
          List<Integer> keys = IntStream.range(b * 10, Math.min(files(), b * 10 + 10)).boxed().toList();
          for (int s : ctx.getAll(size, keys)) {
            sum += s;
          }
          return sum;
        });
    final Query<Unit, Long> total = Query.<Unit, Long>builder("total")
        .codec(Codecs.UNIT, Codecs.LONG).build((ctx, u) -> {
          long sum = 0;
          for (long s : ctx.getAll(block, IntStream.range(0, (files() + 9) / 10).boxed().toList())) {
            sum += s;
          }
          return sum;
        });

    Program(int files) {
      this.files = files;
    }

    int files() {
      return files;
    }

    QueryEngine engine(Scheduler s, MemoStore store) {
      QueryEngine e = QueryEngine.builder().scheduler(s).name("checkpoint").store(store)
          .queries(text, size, block, total).build();
      e.update(tx -> {
        for (int f = 0; f < files; f++) {
          tx.set(text, f, "x".repeat(f + 1));
        }
      });
      return e;
    }
  }

  @Test
  void checkpoint_freshMemos_encodeEachValueOnce() {
    Program p = new Program(300);
    Recorder store = new Recorder();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = p.engine(s, store)) {
      assertThat(e.get(p.total)).isEqualTo(IntStream.rangeClosed(1, 300).sum() + IntStream.range(0, 30).map(b -> b * 10 + 1).sum());
      assertThat(p.sizes.total()).as("nothing fingerprinted before the checkpoint").isZero();
      e.checkpoint();
      assertThat(store.added.getFirst()).hasSize(300 + 30 + 1);
      assertThat(p.sizes.writes).hasSize(300).allSatisfy((v, n) -> assertThat(n.get()).as("writes of %d", v)
          .isEqualTo(1));
    }
  }

  @Test
  void checkpoint_traces_fingerprintsAreThoseOfTheEncodedValues() throws IOException {
    Program p = new Program(120);
    Recorder store = new Recorder();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = p.engine(s, store)) {
      e.get(p.total);
      e.checkpoint();
      List<Trace> added = store.added.getFirst();
      assertThat(added).hasSize(120 + 12 + 1);
      for (int i = 0; i < added.size(); i++) {
        Trace t = added.get(i);
        assertThat(t.value()).isEqualTo(Fingerprint.of(store.bytes.getFirst().get(i)))
            .isEqualTo(expected(p, e, t.id().query(), t.id().key()));
        for (Step step : t.steps()) {
          List<Dep> deps = switch (step) {
            case Dep d -> List.of(d);
            case Group g -> g.deps();
            case MemoStore.Report r -> List.of();
          };
          for (Dep d : deps) {
            assertThat(d.fingerprint()).as("%s", d).isEqualTo(expected(p, e, d.query(), d.key()));
          }
        }
      }
    }
  }

  @Test
  void checkpoint_equalEnginesOnParallelAndDeterministicSchedulers_writeEqualTraces() {
    List<List<String>> parallel = checkpoints(Scheduler.parallel(2), 2000, null);
    assertThat(parallel.get(0)).hasSize(2000 + 200 + 1);
    assertThat(parallel.get(2)).isEmpty(); // no change
    assertThat(parallel.get(3)).hasSize(2201);
    assertThat(parallel.get(4)).hasSize(5 + 5 + 1); // edited: 5 sizes, their blocks, the total
    assertThat(checkpoints(Scheduler.parallel(2), 2000, null)).isEqualTo(parallel);
    assertThat(checkpoints(Scheduler.deterministic(11), 2000, null)).isEqualTo(parallel);
    assertThat(checkpoints(Scheduler.parallel(1), 2000, null)).isEqualTo(parallel);
  }

  /** The store gets added and used traces in the order of their ids: query name, version, key (unsigned). */
  @Test
  void checkpoint_onTwoCarriers_addedAndUsedSortedById() {
    Program p = new Program(2000);
    Recorder store = new Recorder();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = p.engine(s, store)) {
      e.get(p.total);
      e.checkpoint();
      e.checkpoint();
      e.update(tx -> tx.set(p.text, 1234, "edited"));
      e.get(p.total);
      e.checkpoint();
    }
    Comparator<Trace> byId = Comparator.<Trace, String>comparing(t -> t.id().query())
        .thenComparing(t -> t.id().version())
        .thenComparing((a, b) -> Arrays.compareUnsigned(a.id().key(), b.id().key()));
    assertThat(store.added.get(0)).hasSize(2201);
    assertThat(store.used.get(1)).hasSize(2201);
    assertThat(store.added.get(2).size()).isEqualTo(3);
    assertThat(store.used.get(2).size()).isGreaterThan(100);
    for (int c = 0; c < 3; c++) {
      for (List<Trace> ts : List.of(store.added.get(c), store.used.get(c))) {
        for (int i = 1; i < ts.size(); i++) {
          assertThat(byId.compare(ts.get(i - 1), ts.get(i))).as("checkpoint %d: %s before %s", c, ts.get(i - 1).id(),
              ts.get(i).id()).isNegative();
        }
      }
    }
  }

  @Test
  void checkpoint_codecFailsOnSomeValues_memosNotKeptWarnedOnceAsSequentially() {
    IntPredicate fails = v -> v % 97 == 0;
    try (Warnings w = new Warnings()) {
      List<List<String>> parallel = checkpoints(Scheduler.parallel(2), 2000, fails);
      // sizes 97, 194, ... (files 96, 193, ...) are not kept, nor their blocks; the total is (it read the
      // blocks, whose values have fingerprints)
      assertThat(parallel.get(0)).hasSize(2000 - 20 + 200 - 20 + 1);
      assertThat(w.matching("value codec of query 'size' failed")).hasSize(1);
      w.clear();
      assertThat(checkpoints(Scheduler.deterministic(5), 2000, fails)).isEqualTo(parallel);
      assertThat(w.matching("value codec of query 'size' failed")).hasSize(1);
    }
  }

  @Test
  void checkpoint_codecFailsOnALongNamedQueryAndKey_warningCutToALine() {
    String name = "n".repeat(40_000);
    String key = "k".repeat(40_000);
    Counting failing = new Counting();
    failing.failOn = v -> true;
    Query<String, Integer> q = Query.<String, Integer>builder(name).codec(Codecs.STRING, failing)
        .build((ctx, k) -> k.length());
    try (Warnings w = new Warnings(); Scheduler s = Scheduler.parallel(1);
        QueryEngine e = QueryEngine.builder().scheduler(s).name("long").store(new Recorder()).build()) {
      assertThat(e.get(q, key)).isEqualTo(40_000);
      e.checkpoint();
      String cut = "n".repeat(Events.MAX_KEY - 1) + "…";
      assertThat(w.matching("the value codec of query '" + cut + "' failed on " + cut + "("
          + "k".repeat(Events.MAX_KEY - 1) + "…) (java.io.IOException: cannot encode 40000)")).singleElement()
          .satisfies(m -> assertThat(m.length()).isLessThan(1_000));
    }
  }

  @Test
  void checkpoint_codecThrowsError_errorReachesCallerAndNothingIsWritten() {
    Program p = new Program(2000);
    Recorder store = new Recorder();
    try (Scheduler s = Scheduler.parallel(2); QueryEngine e = p.engine(s, store)) {
      e.get(p.total);
      p.sizes.errorOn = v -> v == 1500;
      assertThatThrownBy(e::checkpoint).isInstanceOf(AssertionError.class).hasMessage("codec broke on 1500");
      assertThat(store.added).isEmpty();
      p.sizes.errorOn = v -> false;
      e.checkpoint();
      assertThat(store.added.getFirst()).hasSize(2201);
    }
  }

  @Test
  void close_schedulerClosedBefore_checkpointBuiltOnTheCallerAlone() {
    Program p = new Program(1000);
    Recorder store = new Recorder();
    Scheduler s = Scheduler.parallel(2);
    QueryEngine e = p.engine(s, store);
    e.get(p.total);
    s.close();
    e.close();
    assertThat(store.added.getFirst()).hasSize(1000 + 100 + 1);
  }

  /**
   * Runs {@link Program} on {@code s} (closed at the end) with a cold checkpoint, one without changes, and one
   * after editing five files, and returns what each checkpoint wrote: the added traces then the used ones, each
   * as id, value fingerprint, digest and value bytes, in the order the store got them.
   */
  private static List<List<String>> checkpoints(Scheduler s, int files, IntPredicate failOn) {
    Program p = new Program(files);
    if (failOn != null) {
      p.sizes.failOn = failOn;
    }
    Recorder store = new Recorder();
    long spawned;
    try (s; QueryEngine e = p.engine(s, store)) {
      e.get(p.total);
      spawned = s.stats().spawned();
      e.checkpoint();
      if (!s.isDeterministic() && s.stats().carriers() > 1) {
        assertThat(s.stats().spawned()).as("helpers").isGreaterThan(spawned);
      }
      e.checkpoint();
      e.update(tx -> {
        for (int f = 3; f < files; f += files / 5) {
          tx.set(p.text, f, "y".repeat(f + 2));
        }
      });
      e.get(p.total);
      e.checkpoint();
    }
    List<List<String>> out = new ArrayList<>();
    for (int c = 0; c < store.added.size(); c++) {
      out.add(describe(store.added.get(c), store.bytes.get(c)));
      out.add(describe(store.used.get(c), null));
    }
    return out;
  }

  private static List<String> describe(List<Trace> traces, List<byte[]> bytes) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < traces.size(); i++) {
      Trace t = traces.get(i);
      out.add(t.id() + " " + t.value() + " " + t.digest()
          + (bytes == null ? "" : " " + HexFormat.of().formatHex(bytes.get(i))));
    }
    return out;
  }

  /** Collects the engine's warnings. */
  static final class Warnings extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("dev.weft.query");
    private final List<String> messages = new CopyOnWriteArrayList<>();

    Warnings() {
      logger.addHandler(this);
    }

    List<String> matching(String part) {
      return messages.stream().filter(m -> m.contains(part)).toList();
    }

    void clear() {
      messages.clear();
    }

    @Override
    public void publish(LogRecord r) {
      if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
        messages.add(String.valueOf(r.getMessage()));
      }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      logger.removeHandler(this);
    }
  }

  /** The fingerprint of the value {@code query} has at {@code key} in {@code e}, encoded afresh. */
  private static Fingerprint expected(Program p, QueryEngine e, String query, byte[] key) throws IOException {
    return switch (query) {
      case "text" -> Fingerprint.of(Codecs.encode(Codecs.STRING,
          e.get(p.text, Codecs.decode(Codecs.INT, key))));
      case "size" -> Fingerprint.of(Codecs.encode(new Counting(), e.get(p.size, Codecs.decode(Codecs.INT, key))));
      case "block" -> Fingerprint.of(Codecs.encode(Codecs.LONG, e.get(p.block, Codecs.decode(Codecs.INT, key))));
      case "total" -> Fingerprint.of(Codecs.encode(Codecs.LONG, e.get(p.total)));
      default -> throw new AssertionError(query);
    };
  }

}
