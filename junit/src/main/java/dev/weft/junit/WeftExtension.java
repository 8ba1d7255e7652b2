package dev.weft.junit;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContext;
import org.junit.jupiter.api.extension.TestTemplateInvocationContextProvider;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Expands a {@link WeftTest} method into one invocation per schedule.
 *
 * <p>The plan (the list of {@link WeftRun}s) is fixed before the first invocation, from the annotation and the
 * {@code weft.*} configuration parameters. Invocations are produced lazily, one at a time, and production
 * stops once one has failed (with {@link WeftTest#stopAtFirstFailure}); Jupiter executes each invocation as
 * it is produced, so later seeds are neither run nor reported.
 */
final class WeftExtension implements TestTemplateInvocationContextProvider {
  static final String SEED = "weft.seed";
  static final String SEED_FACTOR = "weft.seedFactor";
  static final String BASE_SEED = "weft.baseSeed";

  @Override
  public boolean supportsTestTemplate(ExtensionContext context) {
    return context.getTestMethod().map(m -> AnnotationSupport.isAnnotated(m, WeftTest.class)).orElse(false);
  }

  @Override
  public Stream<TestTemplateInvocationContext> provideTestTemplateInvocationContexts(ExtensionContext context) {
    Method method = context.getRequiredTestMethod();
    WeftTest spec = AnnotationSupport.findAnnotation(method, WeftTest.class).orElseThrow();
    List<WeftRun> runs = plan(spec, context::getConfigurationParameter);
    AtomicBoolean failed = new AtomicBoolean();
    String testName = context.getRequiredTestClass().getSimpleName() + "#" + method.getName();
    return runs.stream()
        .takeWhile(run -> !(spec.stopAtFirstFailure() && failed.get()))
        .map(run -> new Invocation(new RunExtension(run, runs.size(), spec, testName, failed)));
  }

  /** The schedules to run, in order. */
  static List<WeftRun> plan(WeftTest spec, Function<String, Optional<String>> config) {
    if (spec.seeds() < 0) {
      throw new ExtensionConfigurationException("@WeftTest(seeds) must be at least 0, got " + spec.seeds());
    }
    if (spec.parallelRuns() < 0) {
      throw new ExtensionConfigurationException(
          "@WeftTest(parallelRuns) must be at least 0, got " + spec.parallelRuns());
    }
    if (spec.carriers() < 1) {
      throw new ExtensionConfigurationException("@WeftTest(carriers) must be at least 1, got " + spec.carriers());
    }
    if (spec.timeoutSeconds() < 1) {
      throw new ExtensionConfigurationException(
          "@WeftTest(timeoutSeconds) must be at least 1, got " + spec.timeoutSeconds());
    }
    List<WeftRun> runs = new ArrayList<>();
    Optional<Long> replay = longParameter(config, SEED);
    if (replay.isPresent()) {
      runs.add(new WeftRun(1, replay.get(), true, 1));
      return runs;
    }
    if (spec.replay().length > 0) {
      for (long seed : spec.replay()) {
        runs.add(new WeftRun(runs.size() + 1, seed, true, 1));
      }
      return runs;
    }
    long factor = longParameter(config, SEED_FACTOR).orElse(1L);
    if (factor < 1) {
      throw new ExtensionConfigurationException(SEED_FACTOR + " must be at least 1, got " + factor);
    }
    long base = longParameter(config, BASE_SEED).orElse(spec.baseSeed());
    long seeds = Math.multiplyExact(spec.seeds(), factor);
    long parallelRuns = Math.multiplyExact(spec.parallelRuns(), factor);
    if (seeds + parallelRuns > Integer.MAX_VALUE - 8) {
      throw new ExtensionConfigurationException("too many schedules: " + seeds + " seeds");
    }
    for (long i = 0; i < seeds; i++) {
      runs.add(new WeftRun(runs.size() + 1, base + i, true, 1));
    }
    for (long j = 0; j < parallelRuns; j++) {
      runs.add(new WeftRun(runs.size() + 1, base + seeds + j, false, spec.carriers()));
    }
    if (runs.isEmpty()) {
      throw new ExtensionConfigurationException("@WeftTest needs at least one seed or parallel run");
    }
    return runs;
  }

  private static Optional<Long> longParameter(Function<String, Optional<String>> config, String key) {
    Optional<String> raw = config.apply(key).map(String::strip).filter(s -> !s.isEmpty());
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(raw.get()));
    } catch (NumberFormatException e) {
      throw new ExtensionConfigurationException(key + " must be an integer, got '" + raw.get() + "'", e);
    }
  }

  private record Invocation(RunExtension extension) implements TestTemplateInvocationContext {
    @Override
    public String getDisplayName(int invocationIndex) {
      return extension.run().toString();
    }

    @Override
    public List<org.junit.jupiter.api.extension.Extension> getAdditionalExtensions() {
      return List.of(extension);
    }
  }
}
