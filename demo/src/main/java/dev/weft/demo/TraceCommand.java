package dev.weft.demo;

import dev.weft.flow.TraceExport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code weft-demo trace RUN.jfr [TRACE.json]}: converts any JFR recording of Weft's events to a trace. */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = "Convert a JFR recording (e.g. from analyze --jfr, or any JVM run with jfr-profiles/weft.jfc)"
        + " into a Chrome/Perfetto trace JSON that ui.perfetto.dev opens.")
final class TraceCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "RECORDING", description = "The .jfr file to read.")
  Path recording;

  @Parameters(index = "1", paramLabel = "TRACE", arity = "0..1",
      description = "The .json file to write (default: RECORDING with .json instead of .jfr).")
  Path trace;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isRegularFile(recording)) {
      err.println("weft-demo: no recording at " + recording);
      return AnalyzeCommand.BAD_INPUT;
    }
    Path target = trace;
    if (target == null) {
      String name = recording.getFileName().toString();
      target = recording.resolveSibling((name.endsWith(".jfr") ? name.substring(0, name.length() - 4) : name)
          + ".json");
    }
    try {
      int events = TraceExport.convert(recording, target);
      out.println("trace written to " + target + " (" + events + " events; open it in ui.perfetto.dev)"
          + (events == 0 ? ": empty, the recording has no weft.* events" : ""));
      return AnalyzeCommand.OK;
    } catch (IOException | RuntimeException e) {
      err.println("weft-demo: cannot convert " + recording + ": " + e.getMessage());
      return AnalyzeCommand.FAILED;
    }
  }
}
