package dev.weft.demo;

import java.util.List;

/**
 * The result of {@code report(tree)}: everything the summary prints except the diagnostics (which come from
 * the evaluation) and the engine's counters and timings.
 *
 * @param fallbacks {@code transitiveDeps} values that are cycle fallbacks; depends on the order the recursion
 *     met the cycles, so it is printed with the engine's counters and is not part of {@link #results()}
 * @param disagreements exact {@code transitiveDeps} values that differ from a plain walk of the graph
 *     (always 0 unless something is wrong)
 */
record Report(int files, int unreadable, int filesWithSyntaxErrors, int packages, int types, int nestedTypes,
    int imports, int importsInTree, int importsExternal, int importsUnresolved, int wildcards, int unused,
    int edges, List<List<String>> cycles, List<List<String>> cycleExamples, int packagesOnCycles,
    List<Count> topFanIn, List<Count> topReach, int fallbacks, int disagreements) {

  /** How many entries the top-N tables keep. */
  static final int TOP = 10;

  /** A package and a number. */
  record Count(String pkg, int count) {}

  /** This report without the schedule-dependent {@link #fallbacks} count, for comparing two runs. */
  Report results() {
    return new Report(files, unreadable, filesWithSyntaxErrors, packages, types, nestedTypes, imports,
        importsInTree, importsExternal, importsUnresolved, wildcards, unused, edges, cycles, cycleExamples,
        packagesOnCycles, topFanIn, topReach, 0, disagreements);
  }

  static final class Builder {
    int files;
    int unreadable;
    int filesWithSyntaxErrors;
    int packages;
    int types;
    int nestedTypes;
    int imports;
    int importsInTree;
    int importsExternal;
    int importsUnresolved;
    int wildcards;
    int unused;
    int edges;
    List<List<String>> cycles = List.of();
    List<List<String>> cycleExamples = List.of();
    int packagesOnCycles;
    List<Count> topFanIn = List.of();
    List<Count> topReach = List.of();
    int fallbacks;
    int disagreements;

    void add(Analysis.FileCheck c) {
      unreadable += c.unreadable() ? 1 : 0;
      filesWithSyntaxErrors += c.syntaxErrors() > 0 ? 1 : 0;
      types += c.types();
      nestedTypes += c.nestedTypes();
      imports += c.imports();
      importsInTree += c.inTree();
      importsExternal += c.external();
      importsUnresolved += c.unresolved();
      wildcards += c.wildcards();
      unused += c.unused();
    }

    Report build() {
      return new Report(files, unreadable, filesWithSyntaxErrors, packages, types, nestedTypes, imports,
          importsInTree, importsExternal, importsUnresolved, wildcards, unused, edges, cycles, cycleExamples,
          packagesOnCycles, topFanIn, topReach, fallbacks, disagreements);
    }
  }
}
