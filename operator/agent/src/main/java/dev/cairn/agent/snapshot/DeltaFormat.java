package dev.cairn.agent.snapshot;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * The serialized form of a delta snapshot (before compression and encryption). Big-endian throughout:
 *
 * <pre>
 * "CAIRNDLT" | version u16 = 1 | startRevision i64 | endRevision i64 | eventCount i64
 * eventCount times:
 *   type u8 (1 put, 2 delete) | modRevision i64 | createRevision i64 | version i64 | lease i64
 *   keyLength u32 | key | valueLength u32 | value
 * sha256 of every byte above (32 bytes)
 * </pre>
 *
 * Events are in watch order: revisions ascending, the events of one revision (a transaction) together
 * and in their original order, so a restorer replays each revision as one transaction.
 */
public final class DeltaFormat {

  public static final byte[] MAGIC = "CAIRNDLT".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 1;
  /** Bytes of an encoded event besides its key and value. */
  public static final int EVENT_OVERHEAD = 1 + 8 * 4 + 4 + 4;

  private DeltaFormat() {}

  /** Appends one encoded event to a buffer of event records. */
  public static void encodeEvent(DataOutputStream out, DeltaEvent e) throws IOException {
    out.writeByte(e.type().code);
    out.writeLong(e.modRevision());
    out.writeLong(e.createRevision());
    out.writeLong(e.version());
    out.writeLong(e.lease());
    out.writeInt(e.key().length);
    out.write(e.key());
    out.writeInt(e.value().length);
    out.write(e.value());
  }

  /** Writes a whole delta: header, the already-encoded event records, checksum. */
  public static void write(OutputStream sink, long start, long end, long count, byte[] records, int length)
      throws IOException {
    MessageDigest md = sha256();
    DataOutputStream out = new DataOutputStream(new DigestOutputStream(nonClosing(sink), md));
    out.write(MAGIC);
    out.writeShort(VERSION);
    out.writeLong(start);
    out.writeLong(end);
    out.writeLong(count);
    out.write(records, 0, length);
    out.flush();
    sink.write(md.digest());
  }

  /** Header of a delta. */
  public record Header(long startRevision, long endRevision, long eventCount) {}

  /**
   * Reads a delta, handing each event to {@code sink} in order, and verifies its checksum at the end.
   * Because the checksum comes last, a consumer that must not act on a corrupt delta collects first.
   */
  public static Header read(InputStream source, Consumer<DeltaEvent> sink) throws IOException {
    MessageDigest md = sha256();
    DataInputStream in = new DataInputStream(new DigestInputStream(source, md));
    byte[] magic = new byte[MAGIC.length];
    in.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a cairn delta snapshot (bad magic)");
    }
    int version = in.readUnsignedShort();
    if (version != VERSION) {
      throw new IOException("delta snapshot format version " + version + " is not supported (this agent reads " + VERSION + ")");
    }
    Header h = new Header(in.readLong(), in.readLong(), in.readLong());
    long previous = 0;
    for (long i = 0; i < h.eventCount(); i++) {
      DeltaEvent e;
      try {
        DeltaEvent.Type type = DeltaEvent.Type.of(in.readUnsignedByte());
        long mod = in.readLong();
        long create = in.readLong();
        long ver = in.readLong();
        long lease = in.readLong();
        byte[] key = readBytes(in);
        byte[] value = readBytes(in);
        e = new DeltaEvent(type, key, value, create, mod, ver, lease);
      } catch (EOFException ex) {
        throw new IOException("delta snapshot truncated at event " + i + " of " + h.eventCount(), ex);
      }
      if (e.modRevision() < previous || e.modRevision() < h.startRevision() || e.modRevision() > h.endRevision()) {
        throw new IOException(
            "delta snapshot event " + i + " has revision " + e.modRevision() + " out of order or outside "
                + h.startRevision() + ".." + h.endRevision());
      }
      previous = e.modRevision();
      sink.accept(e);
    }
    byte[] expected = md.digest();
    byte[] actual = new byte[32];
    try {
      new DataInputStream(source).readFully(actual);
    } catch (EOFException ex) {
      throw new IOException("delta snapshot lacks its checksum (truncated)", ex);
    }
    if (!MessageDigest.isEqual(expected, actual)) {
      throw new IOException("delta snapshot checksum mismatch: the object is corrupt");
    }
    if (source.read() != -1) {
      throw new IOException("delta snapshot has bytes after its checksum");
    }
    return h;
  }

  /** Reads a whole delta into memory (tests, small deltas). */
  public static List<DeltaEvent> readAll(InputStream in) throws IOException {
    List<DeltaEvent> out = new ArrayList<>();
    read(in, out::add);
    return out;
  }

  private static byte[] readBytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 512 * 1024 * 1024) {
      throw new IOException("delta snapshot has an invalid length field " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static OutputStream nonClosing(OutputStream out) {
    return new java.io.FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        flush();
      }
    };
  }
}
