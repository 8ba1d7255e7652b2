package dev.weft.demo;

import dev.weft.query.Codec;
import dev.weft.query.Codecs;
import java.lang.invoke.MethodHandles;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The codecs of the analysis's keys and values, so that a {@link dev.weft.query.MemoStore} can keep its memos
 * between runs ({@code --store}, {@code --remote}). Built from {@link Codecs}' built-ins; every encoding is
 * deterministic: lists keep their (already deterministic) order, and maps go through {@link Codecs#map},
 * which sorts by the encoded keys.
 *
 * <p>A decoded map iterates in encoded-key order (shorter strings first), not in the alphabetical order the
 * analysis builds its maps in; the codecs here put a decoded map back in alphabetical order, so that a value
 * read from the store behaves exactly like a computed one downstream (for example, the order of the
 * packages that {@code packageGraph} and {@code report} walk).
 *
 * <p>{@link #VERSION} is every query's version: change it whenever a query body or an encoding changes, so
 * that memos stored by the old code are not reused.
 */
final class AnalysisCodecs {
  private AnalysisCodecs() {}

  /** The version of every query of the analysis. */
  static final String VERSION = "1";

  static final Codec<String> KEY = Codecs.STRING;
  static final Codec<List<String>> STRINGS = Codecs.list(Codecs.STRING);
  private static final Codec<String> NULLABLE_STRING = Codecs.nullable(Codecs.STRING);

  static final Codec<SourceText> SOURCE_TEXT = Codecs.record(
      Codecs.STRING, SourceText::text, NULLABLE_STRING, SourceText::readError, SourceText::new);

  // Typed getters rather than the reflective form: tens of thousands of imports are decoded per run, mostly
  // before the JIT compiler has reached them, where a method handle call costs several times a lambda's.
  static final Codec<ImportDecl> IMPORT_DECL = Codecs.record(
      Codecs.STRING, ImportDecl::name, Codecs.BOOLEAN, ImportDecl::isStatic, Codecs.BOOLEAN, ImportDecl::wildcard,
      Codecs.INT, ImportDecl::line, Codecs.INT, ImportDecl::column, Codecs.BOOLEAN, ImportDecl::used,
      ImportDecl::new);

  private static final Codec<ParsedFile.SyntaxError> SYNTAX_ERROR = Codecs.record(
      Codecs.INT, ParsedFile.SyntaxError::line, Codecs.INT, ParsedFile.SyntaxError::column,
      Codecs.STRING, ParsedFile.SyntaxError::message, ParsedFile.SyntaxError::new);

  static final Codec<ParsedFile> PARSED_FILE = Codecs.record(
      NULLABLE_STRING, ParsedFile::pkg, STRINGS, ParsedFile::types, Codecs.INT, ParsedFile::nestedTypes,
      Codecs.list(IMPORT_DECL), ParsedFile::imports, Codecs.list(SYNTAX_ERROR), ParsedFile::syntaxErrors,
      NULLABLE_STRING, ParsedFile::readError, ParsedFile::new);

  static final Codec<Analysis.Declarations> DECLARATIONS = Codecs.record(
      NULLABLE_STRING, Analysis.Declarations::pkg, STRINGS, Analysis.Declarations::types,
      Analysis.Declarations::new);

  /** A map of package to names, alphabetical by package after reading as when computed. */
  private static final Codec<Map<String, List<String>>> BY_PACKAGE = Codecs.map(Codecs.STRING, STRINGS)
      .map(AnalysisCodecs::alphabetical, m -> m);

  static final Codec<Analysis.PackageIndex> PACKAGE_INDEX = Codecs.record(
      BY_PACKAGE, Analysis.PackageIndex::types, BY_PACKAGE, Analysis.PackageIndex::files,
      Analysis.PackageIndex::new);

  static final Codec<List<Analysis.ResolvedImport>> RESOLVED_IMPORTS = Codecs.list(Codecs.record(
      IMPORT_DECL, Analysis.ResolvedImport::decl, Codecs.enumOf(Analysis.Resolution.class),
      Analysis.ResolvedImport::resolution, NULLABLE_STRING, Analysis.ResolvedImport::target,
      Analysis.ResolvedImport::new));

  static final Codec<Analysis.FileCheck> FILE_CHECK = Codecs.record(Analysis.FileCheck.class,
      MethodHandles.lookup(), Codecs.BOOLEAN, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT,
      Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT);

  static final Codec<Analysis.PackageGraph> PACKAGE_GRAPH = Codecs.record(
      BY_PACKAGE, Analysis.PackageGraph::deps, Analysis.PackageGraph::new);

  private static final Codec<List<List<String>>> STRING_LISTS = Codecs.list(STRINGS);

  static final Codec<Analysis.Cycles> CYCLES = Codecs.record(
      STRING_LISTS, Analysis.Cycles::components, STRING_LISTS, Analysis.Cycles::examples,
      Analysis.Cycles::new);

  static final Codec<Analysis.Reach> REACH = Codecs.record(
      STRINGS, Analysis.Reach::packages, Codecs.BOOLEAN, Analysis.Reach::exact, Analysis.Reach::new);

  private static final Codec<List<Report.Count>> COUNTS = Codecs.list(Codecs.record(
      Codecs.STRING, Report.Count::pkg, Codecs.INT, Report.Count::count, Report.Count::new));

  static final Codec<Report> REPORT = Codecs.record(Report.class, MethodHandles.lookup(),
      Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, // files .. nestedTypes
      Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, Codecs.INT, // imports .. unused
      Codecs.INT, STRING_LISTS, STRING_LISTS, Codecs.INT, // edges, cycles, cycleExamples, packagesOnCycles
      COUNTS, COUNTS, Codecs.INT, Codecs.INT); // topFanIn, topReach, fallbacks, disagreements

  private static <V> Map<String, V> alphabetical(Map<String, V> decoded) {
    return Collections.unmodifiableMap(new TreeMap<>(decoded));
  }
}
