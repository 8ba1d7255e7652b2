package dev.weft.flow;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.ValueDescriptor;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Turns a JFR recording into a Chrome trace-event JSON file that Perfetto ({@code ui.perfetto.dev}) and
 * {@code chrome://tracing} open.
 *
 * <p>It lives in weft-flow, the library module above every other, because it names the events of all of them
 * ({@code weft.Stall} of weft-deadlock, the {@code weft.Query*} events of weft-query, the stage and stabilize
 * events of weft-flow); the modules below know nothing of it.
 *
 * <p>Mapping:
 * <ul>
 *   <li>one lane (trace "thread") per Java thread that emitted an event, named after it: for Weft that is one
 *       lane per task, since every task is a named virtual thread;</li>
 *   <li>every {@code weft.*} event with a duration becomes a slice: {@code weft.QueryExecuted} is named
 *       {@code query(key)}, {@code weft.QueryBlocked} is {@code blocked on awaited} in category
 *       {@code blocked} so waits stand out, stage and stabilize events are named after their stage or graph;
 *       the event's fields go to the slice's arguments;</li>
 *   <li>{@code weft.*} events without a duration ({@code weft.CycleDetected}, {@code weft.Stall}) become
 *       instant markers, and {@code weft.StageStats} also becomes counter tracks of items in and out;</li>
 *   <li>{@code jdk.VirtualThreadPinned} becomes a slice in category {@code pinned}.</li>
 * </ul>
 * Timestamps are microseconds since the first exported event.
 */
public final class TraceExport {
  private TraceExport() {}

  /** Reads {@code recording} and writes the trace JSON to {@code trace}. Returns the number of events written. */
  public static int convert(Path recording, Path trace) throws IOException {
    List<RecordedEvent> events = read(recording);
    try (BufferedWriter out = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
      return write(events, out);
    }
  }

  /** The events of {@code recording} that a trace shows, in start order. */
  static List<RecordedEvent> read(Path recording) throws IOException {
    List<RecordedEvent> events = new ArrayList<>();
    try (RecordingFile file = new RecordingFile(recording)) {
      while (file.hasMoreEvents()) {
        RecordedEvent e = file.readEvent();
        String type = e.getEventType().getName();
        if (type.startsWith("weft.") || type.equals("jdk.VirtualThreadPinned")) {
          events.add(e);
        }
      }
    }
    events.sort(Comparator.comparing(RecordedEvent::getStartTime));
    return events;
  }

  /** Writes {@code events} as trace JSON. Returns the number of trace events written, metadata excluded. */
  static int write(List<RecordedEvent> events, Appendable out) throws IOException {
    Instant origin = events.isEmpty() ? Instant.EPOCH : events.getFirst().getStartTime();
    Map<Long, String> lanes = new LinkedHashMap<>();
    out.append("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[");
    boolean first = true;
    int written = 0;
    for (RecordedEvent e : events) {
      RecordedThread thread = e.getThread();
      long tid = thread == null ? 0 : thread.getJavaThreadId();
      lanes.putIfAbsent(tid, thread == null ? "weft" : laneName(thread));
      String type = e.getEventType().getName();
      double ts = micros(Duration.between(origin, e.getStartTime()));
      double dur = micros(e.getDuration());
      String category = switch (type) {
        case "weft.QueryBlocked" -> "blocked";
        case "jdk.VirtualThreadPinned" -> "pinned";
        default -> "weft";
      };
      first = separator(out, first);
      out.append("{\"name\":");
      string(out, sliceName(e));
      out.append(",\"cat\":");
      string(out, category);
      if (e.getDuration().isZero()) {
        out.append(",\"ph\":\"i\",\"s\":\"t\"");
      } else {
        out.append(",\"ph\":\"X\",\"dur\":").append(format(dur));
      }
      out.append(",\"ts\":").append(format(ts)).append(",\"pid\":1,\"tid\":").append(Long.toString(tid));
      out.append(",\"args\":");
      args(out, e);
      out.append('}');
      written++;
      if (type.equals("weft.StageStats")) {
        first = separator(out, first);
        out.append("{\"name\":");
        string(out, "items " + field(e, "stage"));
        out.append(",\"ph\":\"C\",\"ts\":").append(format(ts)).append(",\"pid\":1,\"args\":{\"in\":")
            .append(number(e, "itemsIn")).append(",\"out\":").append(number(e, "itemsOut")).append("}}");
        written++;
      }
    }
    for (Map.Entry<Long, String> lane : lanes.entrySet()) {
      first = separator(out, first);
      out.append("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":").append(Long.toString(lane.getKey()))
          .append(",\"args\":{\"name\":");
      string(out, lane.getValue());
      out.append("}}");
    }
    first = separator(out, first);
    out.append("{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"weft\"}}");
    out.append("]}\n");
    return written;
  }

  private static boolean separator(Appendable out, boolean first) throws IOException {
    if (!first) {
      out.append(",\n");
    } else {
      out.append('\n');
    }
    return false;
  }

  private static String laneName(RecordedThread thread) {
    String name = thread.getJavaName();
    if (name == null || name.isEmpty()) {
      name = thread.isVirtual() ? "virtual" : "thread";
    }
    return name + " #" + thread.getJavaThreadId();
  }

  private static String sliceName(RecordedEvent e) {
    String type = e.getEventType().getName();
    return switch (type) {
      case "weft.QueryExecuted" -> field(e, "query") + "(" + field(e, "key") + ")";
      case "weft.QueryBlocked" -> "blocked on " + field(e, "awaited");
      case "weft.StageStats" -> "stage " + field(e, "stage");
      case "weft.CycleDetected" -> "cycle";
      case "jdk.VirtualThreadPinned" -> "pinned";
      default -> {
        String stage = field(e, "stage");
        yield stage.isEmpty() ? e.getEventType().getLabel() : stage;
      }
    };
  }

  private static String field(RecordedEvent e, String name) {
    if (!e.hasField(name)) {
      return "";
    }
    Object v = e.getValue(name);
    return v == null ? "" : v.toString();
  }

  private static String number(RecordedEvent e, String name) {
    if (!e.hasField(name)) {
      return "0";
    }
    Object v = e.getValue(name);
    return v instanceof Number n ? n.toString() : "0";
  }

  private static void args(Appendable out, RecordedEvent e) throws IOException {
    out.append('{');
    boolean first = true;
    for (ValueDescriptor d : e.getFields()) {
      String n = d.getName();
      if (n.equals("startTime") || n.equals("duration") || n.equals("eventThread") || n.equals("stackTrace")) {
        continue;
      }
      Object v = e.getValue(n);
      if (!first) {
        out.append(',');
      }
      first = false;
      string(out, n);
      out.append(':');
      if (v instanceof Number || v instanceof Boolean) {
        out.append(v.toString());
      } else {
        string(out, v == null ? "" : v.toString());
      }
    }
    out.append('}');
  }

  private static double micros(Duration d) {
    return d.toNanos() / 1000.0;
  }

  private static String format(double micros) {
    return String.format(java.util.Locale.ROOT, "%.3f", micros);
  }

  private static void string(Appendable out, String s) throws IOException {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
