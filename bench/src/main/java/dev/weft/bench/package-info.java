/**
 * Benchmarks for Weft, always side by side with what a user would pick instead.
 *
 * <ul>
 *   <li>{@link dev.weft.bench.Compare}: the comparison runner. Every workload runs Weft and its alternatives
 *       in one JVM, interleaved round-robin after a shared warmup, and prints a Markdown table of medians and
 *       ratios plus a verdict for each performance target of the design. Run instructions are in
 *       {@code docs/benchmarks.md}.</li>
 *   <li>JMH benchmarks ({@code *Benchmark}) for the micro workloads, run from the shaded
 *       {@code bench/target/weft-bench.jar}.</li>
 * </ul>
 *
 * <p>Each workload's contenders are adapters behind one small interface (an enum of kinds, as Caffeine's
 * {@code CacheType} does), shared by the runner and the JMH benchmarks. Nothing in this module runs during
 * a plain {@code mvn verify}. Values are never null unless a method says otherwise.
 */
package dev.weft.bench;
