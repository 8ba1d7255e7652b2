package dev.weft.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.scheduler.Scheduler;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class EvaluationTest {
  private Scheduler scheduler;
  private QueryEngine engine;

  @BeforeEach
  void setUp() {
    scheduler = Scheduler.parallel(2);
    engine = QueryEngine.builder().scheduler(scheduler).build();
  }

  @AfterEach
  void tearDown() {
    engine.close();
    scheduler.close();
  }

  @Test
  void success_isOkValueOrOrElseThrow_returnTheValue() {
    Query<Integer, Integer> half = Query.of("half", (ctx, k) -> {
      ctx.report(Diagnostic.info("halving " + k));
      return k / 2;
    });
    Evaluation<Integer> e = engine.evaluate(half, 8);
    assertThat(e.isOk()).isTrue();
    assertThat(e.valueOr(-1)).isEqualTo(4);
    assertThat(e.orElseThrow()).isEqualTo(4);
    assertThat(e.value()).isEqualTo(4);
    assertThat(e.failure()).isEmpty();
    assertThat(e.diagnostics()).containsExactly(Diagnostic.info("halving 8"));
  }

  @Test
  void bodyFailure_valueOrGivesTheOther_orElseThrowThrowsQueryFailed() {
    Query<Integer, Integer> boom = Query.of("boom", (ctx, k) -> {
      ctx.report(Diagnostic.error("about to fail"));
      throw new IllegalStateException("no " + k);
    });
    Evaluation<Integer> e = engine.evaluate(boom, 1);
    assertThat(e.isOk()).isFalse();
    assertThat(e.valueOr(-1)).isEqualTo(-1);
    assertThat(e.valueOr(null)).isNull();
    assertThatThrownBy(e::orElseThrow).isInstanceOf(QueryFailedException.class).hasMessageContaining("boom(1)")
        .cause().isInstanceOf(IllegalStateException.class).hasMessage("no 1");
    assertThatThrownBy(e::value).isInstanceOf(QueryFailedException.class);
    assertThat(e.failure()).get().isInstanceOf(QueryFailedException.class);
    assertThat(e.diagnostics()).containsExactly(Diagnostic.error("about to fail"));
  }

  @Test
  void cycleAndMissingInput_orElseThrowThrowsAsGetWould() {
    Input<String, Integer> missing = Query.input("missing");
    Query<String, Integer> reads = Query.of("reads", (ctx, k) -> ctx.get(missing, k));
    Query<Integer, Integer> loop = Query.recursive("loop", (self, ctx, k) -> ctx.get(self, k));
    Evaluation<Integer> m = engine.evaluate(reads, "k");
    assertThat(m.isOk()).isFalse();
    assertThatThrownBy(m::orElseThrow).isInstanceOf(MissingInputException.class)
        .hasMessageContaining("input missing(k) was never set");
    Evaluation<Integer> c = engine.evaluate(loop, 1);
    assertThat(c.isOk()).isFalse();
    assertThat(c.valueOr(0)).isZero();
    assertThatThrownBy(c::orElseThrow).isInstanceOf(CycleException.class);
  }

  @Test
  void diagnostics_returnedList_isUnmodifiable() {
    Query<Integer, Integer> q = Query.of("q", (ctx, k) -> {
      ctx.report(Diagnostic.warning("w"));
      return k;
    });
    List<Diagnostic> d = engine.evaluate(q, 1).diagnostics();
    assertThatThrownBy(() -> d.add(Diagnostic.info("x"))).isInstanceOf(UnsupportedOperationException.class);
    assertThat(engine.evaluate(q, 1).diagnostics()).containsExactly(Diagnostic.warning("w"));
  }
}
