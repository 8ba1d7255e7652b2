package dev.weft.bench;

import java.util.HashMap;

/**
 * A synthetic compiler-like analysis, standing in for the demo's workload: {@link #FILES} files are parsed
 * ({@link Cpu#work}, about 6 µs each), each file's declarations are derived from its parse, each file's
 * resolution reads the declarations of {@link #IMPORTS} other files, and a check of each file reads its
 * resolution (about 2 µs more). The root checks every file. Values are {@code long}s so every contender
 * computes the same checksum.
 */
final class Analysis {
  static final int FILES = 2_000;
  static final int IMPORTS = 4;
  static final int PARSE_ROUNDS = 4_000;
  static final int CHECK_ROUNDS = 1_500;
  /** parse, declarations, resolution and check of every file, plus the root. */
  static final int QUERIES = 4 * FILES + 1;

  private Analysis() {}

  static long parse(int file) {
    return Cpu.work(file, PARSE_ROUNDS);
  }

  static long declarations(long parse) {
    return parse >>> 7;
  }

  static int imported(int file, int i) {
    return (int) ((file * 31L + i * 977L + 1) % FILES);
  }

  static long check(int file, long resolution) {
    return Cpu.work(resolution ^ file, CHECK_ROUNDS);
  }

  /** The plain sequential version with one HashMap memo per query kind, the single-thread reference. */
  static long sequential() {
    HashMap<Integer, Long> parses = new HashMap<>();
    HashMap<Integer, Long> decls = new HashMap<>();
    long root = 0;
    for (int f = 0; f < FILES; f++) {
      long resolution = declarationsOf(f, parses, decls);
      for (int i = 0; i < IMPORTS; i++) {
        resolution = resolution * 31 + declarationsOf(imported(f, i), parses, decls);
      }
      root += check(f, resolution);
    }
    return root;
  }

  private static long declarationsOf(int f, HashMap<Integer, Long> parses, HashMap<Integer, Long> decls) {
    Long d = decls.get(f);
    if (d == null) {
      Long p = parses.get(f);
      if (p == null) {
        p = parse(f);
        parses.put(f, p);
      }
      d = declarations(p);
      decls.put(f, d);
    }
    return d;
  }
}
