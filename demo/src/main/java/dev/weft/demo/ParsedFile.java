package dev.weft.demo;

import java.util.List;

/**
 * What the analysis keeps of one parsed source file. The syntax tree itself is dropped after extraction, so a
 * memo holds a few hundred bytes per file rather than the tree.
 *
 * <p>Equality is structural: a change that leaves these facts alone (a comment, a method body) makes the
 * {@code parse} query produce an equal value, and Weft cuts off everything downstream.
 *
 * @param pkg the declared package; {@code ""} for the unnamed package; {@code null} for {@code module-info.java},
 *     which belongs to no package
 * @param types the simple names of the top-level types, in source order
 * @param nestedTypes the number of member and local types
 * @param imports the import declarations, in source order
 * @param syntaxErrors the parser's errors, in source order (at most {@link #MAX_ERRORS})
 * @param readError why the file could not be read, or {@code null}
 */
record ParsedFile(String pkg, List<String> types, int nestedTypes, List<ImportDecl> imports,
    List<SyntaxError> syntaxErrors, String readError) {

  /**
   * One error of the parser.
   *
   * @param line 1-based line
   * @param column 1-based column, or 0 when the parser gave none
   * @param message the first line of the parser's message
   */
  record SyntaxError(int line, int column, String message) {}

  /** Syntax errors kept per file; the parser's follow-on errors after these add little. */
  static final int MAX_ERRORS = 5;

  ParsedFile {
    types = List.copyOf(types);
    imports = List.copyOf(imports);
    syntaxErrors = List.copyOf(syntaxErrors);
  }

  static ParsedFile unreadable(String error) {
    return new ParsedFile(null, List.of(), 0, List.of(), List.of(), error);
  }
}
