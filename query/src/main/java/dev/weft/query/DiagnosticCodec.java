package dev.weft.query;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link Codecs#DIAGNOSTIC}.
 *
 * <pre>
 * diagnostic = u8:severity (0 error, 1 warning, 2 info) string:message
 *              flag [string:source varint:line varint:column varint:endLine varint:endColumn]
 *              flag [string:code] varint:notes diagnostic{notes}
 * </pre>
 */
final class DiagnosticCodec implements Codec<Diagnostic> {
  /** Notes nest at most this deep, so hostile input cannot overflow the stack. */
  static final int MAX_DEPTH = 32;

  @Override
  public void write(Diagnostic value, DataOutput out) throws IOException {
    write(value, out, 0);
  }

  private void write(Diagnostic d, DataOutput out, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("diagnostic notes nest deeper than " + MAX_DEPTH);
    }
    Diagnostic.Severity severity = d.severity();
    String message = d.message();
    Optional<Diagnostic.Location> location = d.location();
    Optional<String> code = d.code();
    List<Diagnostic> notes = d.notes();
    if (severity == null || message == null || location == null || code == null || notes == null) {
      throw new IOException("diagnostic " + d.getClass().getName() + " returned null for a field");
    }
    out.writeByte(switch (severity) {
      case ERROR -> 0;
      case WARNING -> 1;
      case INFO -> 2;
    });
    CodecSupport.writeString(out, message);
    out.writeByte(location.isPresent() ? 1 : 0);
    if (location.isPresent()) {
      Diagnostic.Location l = location.get();
      CodecSupport.writeString(out, l.source());
      CodecSupport.writeVarint(out, l.line());
      CodecSupport.writeVarint(out, l.column());
      CodecSupport.writeVarint(out, l.endLine());
      CodecSupport.writeVarint(out, l.endColumn());
    }
    out.writeByte(code.isPresent() ? 1 : 0);
    if (code.isPresent()) {
      CodecSupport.writeString(out, code.get());
    }
    CodecSupport.writeVarint(out, notes.size());
    for (Diagnostic n : notes) {
      write(n, out, depth + 1);
    }
  }

  @Override
  public Diagnostic read(DataInput in) throws IOException {
    return read(in, 0);
  }

  private Diagnostic read(DataInput in, int depth) throws IOException {
    if (depth > MAX_DEPTH) {
      throw new IOException("diagnostic notes nest deeper than " + MAX_DEPTH);
    }
    int s = in.readUnsignedByte();
    Diagnostic.Severity severity = switch (s) {
      case 0 -> Diagnostic.Severity.ERROR;
      case 1 -> Diagnostic.Severity.WARNING;
      case 2 -> Diagnostic.Severity.INFO;
      default -> throw new IOException("unknown diagnostic severity " + s);
    };
    String message = CodecSupport.readString(in);
    Diagnostic.Location location = null;
    if (Codecs.readFlag(in)) {
      String source = CodecSupport.readString(in);
      int line = CodecSupport.readVarint(in);
      int column = CodecSupport.readVarint(in);
      int endLine = CodecSupport.readVarint(in);
      int endColumn = CodecSupport.readVarint(in);
      try {
        location = new Diagnostic.Location(source, line, column, endLine, endColumn);
      } catch (IllegalArgumentException e) {
        throw new IOException("malformed diagnostic location: " + e.getMessage(), e);
      }
    }
    String code = Codecs.readFlag(in) ? CodecSupport.readString(in) : null;
    int n = CodecSupport.readLength(in, CodecSupport.MAX_COUNT);
    List<Diagnostic> notes = new ArrayList<>(Math.min(n, 16));
    for (int i = 0; i < n; i++) {
      notes.add(read(in, depth + 1));
    }
    return new SimpleDiagnostic(severity, message, location, code, notes);
  }

  @Override
  public String toString() {
    return "Codecs.DIAGNOSTIC";
  }
}
