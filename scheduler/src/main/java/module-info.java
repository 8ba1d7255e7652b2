/**
 * Carrier pools and virtual-thread tasks; see {@link dev.weft.scheduler}.
 *
 * <p>Weft places virtual threads on its own carriers through a constructor of {@code java.base}'s
 * {@code java.lang} package, so the JVM must open that package to this module:
 * {@code --add-opens java.base/java.lang=dev.weft.scheduler} when Weft is on the module path, or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} when it is on the class path. Without it, parallel
 * schedulers fall back to the JDK's default scheduler with one warning and deterministic schedulers refuse to
 * start. Micrometer is optional: {@link dev.weft.scheduler.SchedulerMetrics} needs it at run time.
 */
module dev.weft.scheduler {
  requires transitive dev.weft.deadlock;
  requires transitive jdk.jfr;
  requires static micrometer.core;

  exports dev.weft.scheduler;
  exports dev.weft.scheduler.internal to dev.weft.query;
}
