package dev.weft.demo;

/**
 * One import declaration as written.
 *
 * @param name the imported name: a type ({@code java.util.List}), a static member ({@code java.lang.Math.max}),
 *     or, for a wildcard, the qualifier before {@code .*}
 * @param isStatic an {@code import static}
 * @param wildcard ends in {@code .*}
 * @param line the 1-based line of the declaration
 * @param column the 1-based column where the declaration starts
 * @param used the simple name occurs in the file outside the imports (code, or a javadoc reference); always
 *     {@code true} for wildcards, which this analysis does not check for use
 */
record ImportDecl(String name, boolean isStatic, boolean wildcard, int line, int column, boolean used) {

  /** The last segment of {@link #name}, which the code refers to. */
  String simpleName() {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? name : name.substring(dot + 1);
  }

  /** The declaration as source text, without {@code import} and {@code ;}. */
  String render() {
    return (isStatic ? "static " : "") + name + (wildcard ? ".*" : "");
  }
}
