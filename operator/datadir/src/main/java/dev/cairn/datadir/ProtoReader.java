package dev.cairn.datadir;

import java.nio.ByteBuffer;

/**
 * A minimal protobuf wire-format reader over a region of a buffer, enough to read etcd's WAL,
 * .snap and raft records without generated classes. Every read is bounds-checked against the
 * region, so a damaged record raises {@link Malformed} and never reads outside it.
 */
public final class ProtoReader {

  /** The bytes are not valid protobuf wire format. */
  public static final class Malformed extends Exception {
    private static final long serialVersionUID = 1L;

    public Malformed(String message) {
      super(message);
    }
  }

  private final ByteBuffer b;
  private final int start;
  private final int end;
  private int pos;
  private int field;
  private int wire;
  private int lenStart;
  private int lenEnd;
  private long value;

  /** Reads [off, end) of {@code b}; the buffer's position and limit are not used. */
  public ProtoReader(ByteBuffer b, int off, int end) {
    this.b = b;
    this.start = off;
    this.end = end;
    this.pos = off;
  }

  /** Advances to the next field; false at the end of the region. */
  public boolean next() throws Malformed {
    if (pos >= end) {
      return false;
    }
    int at = pos - start;
    long tag = rawVarint();
    field = (int) (tag >>> 3);
    wire = (int) (tag & 7);
    if (field <= 0 || tag >>> 3 > Integer.MAX_VALUE) {
      throw new Malformed("invalid field number " + (tag >>> 3) + " at offset " + at);
    }
    switch (wire) {
      case 0 -> value = rawVarint();
      case 1 -> fixed(8);
      case 5 -> fixed(4);
      case 2 -> {
        long len = rawVarint();
        if (len < 0 || len > end - pos) {
          throw new Malformed("field " + field + " claims " + len + " bytes, only " + (end - pos) + " left");
        }
        lenStart = pos;
        lenEnd = pos + (int) len;
        pos = lenEnd;
      }
      default -> throw new Malformed("unsupported wire type " + wire + " for field " + field + " at offset " + at);
    }
    return true;
  }

  private void fixed(int n) throws Malformed {
    if (end - pos < n) {
      throw new Malformed("field " + field + " needs " + n + " bytes, only " + (end - pos) + " left");
    }
    lenStart = pos;
    lenEnd = pos + n;
    pos += n;
  }

  public int field() {
    return field;
  }

  public int wire() {
    return wire;
  }

  /** The value of the current varint field. */
  public long varint() throws Malformed {
    if (wire != 0) {
      throw new Malformed("field " + field + " has wire type " + wire + ", expected a varint");
    }
    return value;
  }

  /** Start of the current length-delimited field's bytes. */
  public int bytesStart() throws Malformed {
    requireLen();
    return lenStart;
  }

  /** End (exclusive) of the current length-delimited field's bytes. */
  public int bytesEnd() throws Malformed {
    requireLen();
    return lenEnd;
  }

  private void requireLen() throws Malformed {
    if (wire != 2) {
      throw new Malformed("field " + field + " has wire type " + wire + ", expected bytes");
    }
  }

  private long rawVarint() throws Malformed {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw new Malformed("varint runs past the end of the record");
      }
      int c = b.get(pos++) & 0xff;
      v |= (long) (c & 0x7f) << shift;
      if (c < 0x80) {
        return v;
      }
    }
    throw new Malformed("varint longer than 10 bytes");
  }
}
