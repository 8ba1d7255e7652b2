package dev.weft.bench;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * A workload of the comparison runner: the same job done by several {@link Alternative}s.
 *
 * @param name selector on the command line ({@code memo-hit}, {@code vt-spawn-join}, ...)
 * @param description one line for the table
 * @param unit label of the reported figure, e.g. {@code ns/query}
 * @param unitsPerIteration how many units one iteration does; reported figure = amount / units / scale
 * @param scale divisor from the measured amount to {@code unit} (1 for ns, 1000 for µs, 1e6 for ms)
 * @param calibrate false for workloads run exactly once per round (memory), true to size iterations
 * @param alternatives contenders; the first is the reference of the ratio column
 * @param targets design targets judged from this workload's medians
 * @param perQuery queries one unit stands for, evaluated once the workload has run (the report adds a
 *     per-query figure: the median divided by it); null for none
 * @param minWarmupMillis warmup per alternative this workload needs at least, whatever the mode (its paths are
 *     compiled late, or one iteration is long); 0 for the mode's
 */
record Workload(
    String name,
    String description,
    String unit,
    double unitsPerIteration,
    double scale,
    boolean calibrate,
    List<Alternative> alternatives,
    List<Target> targets,
    DoubleSupplier perQuery,
    long minWarmupMillis) {

  static Builder builder(String name, String description) {
    return new Builder(name, description);
  }

  /**
   * A target of DESIGN.md section 8 and how to judge it from the medians of this workload.
   *
   * @param text the target as written in the design
   * @param judge medians by alternative name (absent: not measured) → verdict
   */
  record Target(String text, Function<Medians, Verdict> judge) {}

  /** Medians by alternative name, in the workload's unit. */
  record Medians(Map<String, Double> values) {
    Optional<Double> of(String alternative) {
      return Optional.ofNullable(values.get(alternative));
    }
  }

  /** The outcome of a target check. */
  record Verdict(String status, String detail) {
    static Verdict met(String detail) {
      return new Verdict("met", detail);
    }

    static Verdict missed(String detail) {
      return new Verdict("missed", detail);
    }

    static Verdict notMeasurable(String detail) {
      return new Verdict("not yet measurable", detail);
    }

    /** {@code value ≤ limit} on the named alternative. */
    static Function<Medians, Verdict> atMost(String alternative, double limit, String unit) {
      return m -> m.of(alternative)
          .map(v -> v <= limit
              ? met(String.format("%s: %s %s ≤ %s", alternative, Compare.fmt(v), unit, Compare.fmt(limit)))
              : missed(String.format("%s: %s %s > %s", alternative, Compare.fmt(v), unit, Compare.fmt(limit))))
          .orElse(notMeasurable(alternative + " not measured"));
    }

    /** {@code slower / faster ≥ factor}: {@code faster} is at least {@code factor} times faster. */
    static Function<Medians, Verdict> ratioAtLeast(String slower, String faster, double factor) {
      return m -> {
        Optional<Double> s = m.of(slower);
        Optional<Double> f = m.of(faster);
        if (s.isEmpty() || f.isEmpty()) {
          return notMeasurable((s.isEmpty() ? slower : faster) + " not measured");
        }
        double ratio = s.get() / f.get();
        String d = String.format("%s / %s = %.2fx (target ≥ %.2fx)", slower, faster, ratio, factor);
        return ratio >= factor ? met(d) : missed(d);
      };
    }

    /** Both verdicts must be met. */
    static Function<Medians, Verdict> both(Function<Medians, Verdict> a, Function<Medians, Verdict> b) {
      return m -> {
        Verdict x = a.apply(m);
        Verdict y = b.apply(m);
        String status = x.status.equals("met") && y.status.equals("met") ? "met"
            : x.status.equals("missed") || y.status.equals("missed") ? "missed" : "not yet measurable";
        return new Verdict(status, x.detail + "; " + y.detail);
      };
    }
  }

  static final class Builder {
    private final String name;
    private final String description;
    private String unit = "ns/op";
    private double units = 1;
    private double scale = 1;
    private boolean calibrate = true;
    private DoubleSupplier perQuery;
    private long minWarmupMillis;
    private final java.util.ArrayList<Alternative> alternatives = new java.util.ArrayList<>();
    private final java.util.ArrayList<Target> targets = new java.util.ArrayList<>();

    Builder(String name, String description) {
      this.name = name;
      this.description = description;
    }

    Builder unit(String unit, double unitsPerIteration) {
      this.unit = unit;
      this.units = unitsPerIteration;
      return this;
    }

    /** Reports microseconds instead of nanoseconds. */
    Builder micros() {
      this.scale = 1e3;
      return this;
    }

    /** Reports the measured amount divided by {@code scale}. */
    Builder scale(double scale) {
      this.scale = scale;
      return this;
    }

    /** Reports milliseconds instead of nanoseconds. */
    Builder millis() {
      this.scale = 1e6;
      return this;
    }

    /** One iteration per round, no calibration (for workloads that return bytes, not nanoseconds). */
    Builder once() {
      this.calibrate = false;
      return this;
    }

    /** Adds a per-query figure: each unit stands for {@code queries} queries (computed when first needed). */
    Builder perQuery(DoubleSupplier queries) {
      this.perQuery = queries;
      return this;
    }

    /** At least this much warmup per alternative, in any mode. */
    Builder minWarmup(long millis) {
      this.minWarmupMillis = millis;
      return this;
    }

    Builder add(Alternative alternative) {
      alternatives.add(alternative);
      return this;
    }

    Builder target(String text, Function<Medians, Verdict> judge) {
      targets.add(new Target(text, judge));
      return this;
    }

    Workload build() {
      return new Workload(name, description, unit, units, scale, calibrate, List.copyOf(alternatives),
          List.copyOf(targets), perQuery, minWarmupMillis);
    }
  }
}
