package dev.weft.scheduler;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Access to the JDK's package-private hooks for virtual threads on a custom executor.
 *
 * <p>{@code java.lang.ThreadBuilders.VirtualThreadBuilder(Executor)} builds virtual threads whose
 * continuations are submitted to a given executor; {@code VirtualThread.scheduler} tells which executor a
 * virtual thread belongs to; {@code Thread.currentCarrierThread()} tells which platform thread is running the
 * caller. All three need {@code java.lang} opened to Weft ({@link Scheduler#ADD_OPENS}), checked once.
 */
final class VirtualThreads {
  private static final System.Logger LOG = System.getLogger("dev.weft.scheduler");

  /** Null when {@code java.lang} is not open to Weft. */
  private static final MethodHandle BUILDER;
  private static final VarHandle SCHEDULER;
  private static final MethodHandle CURRENT_CARRIER;
  private static final Throwable FAILURE;

  static {
    MethodHandle builder = null;
    VarHandle scheduler = null;
    MethodHandle carrier = null;
    Throwable failure = null;
    if (Thread.class.getModule().isOpen("java.lang", VirtualThreads.class.getModule())) {
      try {
        Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
        Class<?> vthreadClass = Class.forName("java.lang.VirtualThread");
        MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
        builder = lookup.findConstructor(builderClass, MethodType.methodType(void.class, Executor.class))
            .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
        scheduler = MethodHandles.privateLookupIn(vthreadClass, MethodHandles.lookup())
            .findVarHandle(vthreadClass, "scheduler", Executor.class);
        carrier = lookup.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
      } catch (ReflectiveOperationException | RuntimeException e) {
        builder = null;
        scheduler = null;
        carrier = null;
        failure = e;
      }
    }
    BUILDER = builder;
    SCHEDULER = scheduler;
    CURRENT_CARRIER = carrier;
    FAILURE = failure;
  }

  private VirtualThreads() {}

  /** Whether virtual threads can be placed on Weft's own carriers in this JVM. */
  static boolean available() {
    return BUILDER != null;
  }

  /** Why {@link #available()} is false, for messages. */
  static String unavailableReason() {
    if (FAILURE != null) {
      return "this JDK's virtual-thread internals could not be reached (" + FAILURE + ")";
    }
    Module weft = Scheduler.class.getModule();
    if (weft.isNamed()) { // on the module path the flag names Weft's module, not the class path
      return "java.base/java.lang is not open to module " + weft.getName() + "; start the JVM with"
          + " --add-opens java.base/java.lang=" + weft.getName();
    }
    return "java.base/java.lang is not open to Weft; start the JVM with " + Scheduler.ADD_OPENS
        + " (or add 'Add-Opens: java.base/java.lang' to an executable jar's manifest)";
  }

  static void warnFallback(String schedulerName) {
    LOG.log(System.Logger.Level.WARNING,
        "Weft scheduler ''{0}'': {1}. Falling back to the JDK''s default virtual-thread scheduler: "
            + "tasks share the JDK''s carriers and the carrier count is not enforced.",
        schedulerName, unavailableReason());
  }

  /** A thread-safe factory of unstarted virtual threads scheduled by {@code executor}. */
  static ThreadFactory factory(Executor executor) {
    try {
      Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) BUILDER.invokeExact(executor);
      return builder.factory();
    } catch (Throwable e) {
      throw new IllegalStateException("cannot create a virtual-thread builder on a custom executor", e);
    }
  }

  /** The executor scheduling {@code thread}, or null if it is not a virtual thread or unknown. */
  static Executor schedulerOf(Thread thread) {
    if (SCHEDULER == null || !thread.isVirtual()) {
      return null;
    }
    return (Executor) SCHEDULER.get(thread);
  }

  /** The platform thread executing the caller (the caller itself unless it is a mounted virtual thread). */
  static Thread currentCarrier() {
    try {
      return (Thread) CURRENT_CARRIER.invokeExact();
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
