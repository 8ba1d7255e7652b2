package dev.weft.store;

import java.io.DataInput;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;

/**
 * A {@link DataInput} over a {@link ByteBuffer}, without the locks and per-byte calls of
 * {@code DataInputStream} over a {@code ByteArrayInputStream}: how the local store decodes trace records it
 * reads from memory. Reading past the end throws {@link EOFException}.
 */
final class BufferInput implements DataInput {
  private final ByteBuffer b;

  BufferInput(ByteBuffer b) {
    this.b = b;
  }

  @Override
  public void readFully(byte[] dst) throws IOException {
    readFully(dst, 0, dst.length);
  }

  @Override
  public void readFully(byte[] dst, int off, int len) throws IOException {
    if (len > b.remaining()) {
      throw new EOFException("input ends " + (len - b.remaining()) + " bytes early");
    }
    b.get(dst, off, len);
  }

  @Override
  public int skipBytes(int n) {
    int k = Math.max(0, Math.min(n, b.remaining()));
    b.position(b.position() + k);
    return k;
  }

  @Override
  public boolean readBoolean() throws IOException {
    return readByte() != 0;
  }

  @Override
  public byte readByte() throws IOException {
    try {
      return b.get();
    } catch (BufferUnderflowException e) {
      throw new EOFException();
    }
  }

  @Override
  public int readUnsignedByte() throws IOException {
    return readByte() & 0xFF;
  }

  @Override
  public short readShort() throws IOException {
    try {
      return b.getShort();
    } catch (BufferUnderflowException e) {
      throw new EOFException();
    }
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
    try {
      return b.getInt();
    } catch (BufferUnderflowException e) {
      throw new EOFException();
    }
  }

  @Override
  public long readLong() throws IOException {
    try {
      return b.getLong();
    } catch (BufferUnderflowException e) {
      throw new EOFException();
    }
  }

  @Override
  public float readFloat() throws IOException {
    return Float.intBitsToFloat(readInt());
  }

  @Override
  public double readDouble() throws IOException {
    return Double.longBitsToDouble(readLong());
  }

  /** Not used by the store's encodings. */
  @Override
  public String readLine() {
    throw new UnsupportedOperationException("readLine");
  }

  @Override
  public String readUTF() throws IOException {
    return DataInputStream.readUTF(this);
  }
}
