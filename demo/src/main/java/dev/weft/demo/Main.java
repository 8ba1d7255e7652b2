package dev.weft.demo;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code weft-demo}: a compiler-like analysis of a Java source tree written as Weft queries. {@code analyze}
 * is the default command: {@code weft-demo} alone analyses the running JDK's {@code java.base} sources;
 * {@code trace} converts a JFR recording into a Perfetto trace. See {@code docs/demo.md}.
 */
@Command(name = "weft-demo", mixinStandardHelpOptions = true, version = "weft-demo 0.1.0",
    description = "A compiler-like analysis of a Java source tree, written as Weft queries.",
    subcommands = {AnalyzeCommand.class, TraceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  private static final Set<String> TOP_LEVEL = Set.of("analyze", "trace", "help", "-h", "--help", "-V", "--version");

  private Main() {}

  public static void main(String[] args) {
    Charset cs = System.console() != null ? System.console().charset() : Charset.defaultCharset();
    boolean terminal = System.console() != null && System.console().isTerminal();
    PrintWriter out = new PrintWriter(System.out, true, cs);
    PrintWriter err = new PrintWriter(System.err, true, cs);
    System.exit(execute(args, out, err, terminal));
  }

  /**
   * Runs the command line and returns the exit code (see {@code analyze --help}).
   *
   * @param interactive whether {@code err} is a terminal (draws a progress bar on {@code System.err})
   */
  static int execute(String[] args, PrintWriter out, PrintWriter err, boolean interactive) {
    String[] effective = args;
    if (args.length == 0 || !TOP_LEVEL.contains(args[0])) {
      effective = new String[args.length + 1];
      effective[0] = "analyze";
      System.arraycopy(args, 0, effective, 1, args.length);
    }
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(out);
    cli.setErr(err);
    AnalyzeCommand analyze = cli.getSubcommands().get("analyze").getCommand();
    analyze.interactive = interactive;
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      err.println("weft-demo: " + e);
      e.printStackTrace(err);
      return AnalyzeCommand.FAILED;
    });
    int code = cli.execute(effective);
    out.flush();
    err.flush();
    return code;
  }

  @Override
  public void run() {
    // Unreachable: main and execute always name a subcommand.
  }
}
