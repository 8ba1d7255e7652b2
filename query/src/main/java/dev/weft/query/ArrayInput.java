package dev.weft.query;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The {@link DataInput} that {@link CodecSupport#decode} gives a codec: the methods of
 * {@link DataInputStream} read straight from one array, with the same results and the same
 * {@link EOFException} at its end, but without a stream beneath (a {@code DataInputStream} over an
 * {@code InputStream} over the array: two objects and two buffers per value, and three calls per field). A
 * store's re-run decodes a value per reused memo, mostly before the JIT compiler has reached the decoders, so
 * the calls per field count.
 *
 * <p>{@link #readLine} is {@link DataInputStream#readLine}'s (deprecated there too); {@link #readUTF} is
 * {@link DataInputStream#readUTF(DataInput)} over this input.
 */
final class ArrayInput implements DataInput {
  private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private final byte[] a;
  private final int end;
  private int pos;

  ArrayInput(byte[] a) {
    this.a = a;
    this.end = a.length;
  }

  /** The bytes not read yet. */
  int remaining() {
    return end - pos;
  }

  /**
   * The next {@code n} bytes as a string, when they are all ASCII (one char per byte); else null, and
   * nothing is consumed.
   */
  String asciiString(int n) throws EOFException {
    need(n);
    for (int i = pos, to = pos + n; i < to; i++) {
      if (a[i] < 0) {
        return null;
      }
    }
    String s = new String(a, pos, n, StandardCharsets.ISO_8859_1);
    pos += n;
    return s;
  }

  private void need(int n) throws EOFException {
    if (n > end - pos) {
      pos = end; // as a stream that read what there was
      throw new EOFException();
    }
  }

  @Override
  public void readFully(byte[] b) throws IOException {
    readFully(b, 0, b.length);
  }

  @Override
  public void readFully(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    int n = Math.min(len, end - pos);
    System.arraycopy(a, pos, b, off, n);
    pos += n;
    if (n < len) {
      throw new EOFException();
    }
  }

  @Override
  public int skipBytes(int n) {
    int k = Math.max(0, Math.min(n, end - pos));
    pos += k;
    return k;
  }

  @Override
  public boolean readBoolean() throws IOException {
    return readUnsignedByte() != 0;
  }

  @Override
  public byte readByte() throws IOException {
    if (pos >= end) {
      throw new EOFException();
    }
    return a[pos++];
  }

  @Override
  public int readUnsignedByte() throws IOException {
    if (pos >= end) {
      throw new EOFException();
    }
    return a[pos++] & 0xFF;
  }

  @Override
  public short readShort() throws IOException {
    need(2);
    short v = (short) SHORT.get(a, pos);
    pos += 2;
    return v;
  }

  @Override
  public int readUnsignedShort() throws IOException {
    return readShort() & 0xFFFF;
  }

  @Override
  public char readChar() throws IOException {
    return (char) readShort();
  }

  @Override
  public int readInt() throws IOException {
    need(4);
    int v = (int) INT.get(a, pos);
    pos += 4;
    return v;
  }

  @Override
  public long readLong() throws IOException {
    need(8);
    long v = (long) LONG.get(a, pos);
    pos += 8;
    return v;
  }

  @Override
  public float readFloat() throws IOException {
    return Float.intBitsToFloat(readInt());
  }

  @Override
  public double readDouble() throws IOException {
    return Double.longBitsToDouble(readLong());
  }

  /** As {@link DataInputStream#readLine}: bytes as Latin-1 chars up to a line end ({@code \n}, {@code \r}, both). */
  @Override
  public String readLine() {
    if (pos >= end) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    while (pos < end) {
      int c = a[pos++] & 0xFF;
      if (c == '\n') {
        break;
      }
      if (c == '\r') {
        if (pos < end && a[pos] == '\n') {
          pos++;
        }
        break;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  @Override
  public String readUTF() throws IOException {
    return DataInputStream.readUTF(this);
  }
}
