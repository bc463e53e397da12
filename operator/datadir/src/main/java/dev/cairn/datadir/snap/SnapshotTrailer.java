package dev.cairn.datadir.snap;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Checks the sha256 trailer of a v3 snapshot ({@code etcdctl snapshot save}, the Maintenance
 * Snapshot RPC): the db bytes followed by the 32-byte sha256 of those bytes. Like etcd, a trailer is
 * assumed present when the length is 32 more than a multiple of 512 (db files are whole pages).
 *
 * <p>{@link Verifier} works on a stream of unknown length, so the agent can verify a snapshot while
 * it downloads or uploads it, holding back only the last 32 bytes.
 */
public final class SnapshotTrailer {

  public static final int TRAILER_SIZE = 32;

  private SnapshotTrailer() {}

  /** The outcome of a trailer check. */
  public enum Status {
    /** The trailer matches the sha256 of the bytes before it. */
    VALID,
    /** The length says there is no trailer (a plain db copy, e.g. from a data dir). */
    ABSENT,
    /** A trailer is there but does not match: the snapshot is corrupt. */
    MISMATCH
  }

  /**
   * @param dbLength bytes before the trailer (the whole length when the trailer is absent)
   * @param expectedSha256 the trailer in hex, null when absent
   * @param actualSha256 the sha256 of the first dbLength bytes in hex
   */
  public record Result(Status status, long dbLength, String expectedSha256, String actualSha256) {
    public boolean valid() {
      return status == Status.VALID;
    }

    public String describe() {
      return switch (status) {
        case VALID -> "sha256 trailer matches the " + dbLength + " db bytes";
        case ABSENT -> "no sha256 trailer (length " + dbLength + " is not 32 more than a multiple of 512)";
        case MISMATCH -> "sha256 trailer " + expectedSha256 + " does not match the db bytes (" + actualSha256
            + "); the snapshot is corrupt, take or fetch another one";
      };
    }
  }

  /** Streams the file through a {@link Verifier}. */
  public static Result verify(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Verifier v = new Verifier();
      ByteBuffer buf = ByteBuffer.allocate(1 << 20);
      while (ch.read(buf) >= 0) {
        buf.flip();
        v.update(buf.array(), 0, buf.limit());
        buf.clear();
      }
      return v.finish();
    }
  }

  /** Reads the stream to its end (it does not close it). */
  public static Result verify(InputStream in) throws IOException {
    Verifier v = new Verifier();
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) >= 0) {
      v.update(buf, 0, n);
    }
    return v.finish();
  }

  /** Incremental verifier: feed every byte of the snapshot, then call {@link #finish()}. */
  public static final class Verifier {
    private final MessageDigest sha = sha256();
    // The last up-to-32 bytes seen: they may be the trailer, so they are not digested yet.
    private final byte[] held = new byte[TRAILER_SIZE];
    private int heldLen;
    private long total;

    public void update(byte[] b, int off, int len) {
      total += len;
      if (heldLen + len <= TRAILER_SIZE) {
        System.arraycopy(b, off, held, heldLen, len);
        heldLen += len;
        return;
      }
      // Everything except the newest 32 bytes can be digested now, held bytes first.
      int digestTotal = heldLen + len - TRAILER_SIZE;
      int fromHeld = Math.min(heldLen, digestTotal);
      sha.update(held, 0, fromHeld);
      int fromNew = digestTotal - fromHeld;
      sha.update(b, off, fromNew);
      int keepHeld = heldLen - fromHeld;
      System.arraycopy(held, fromHeld, held, 0, keepHeld);
      System.arraycopy(b, off + fromNew, held, keepHeld, len - fromNew);
      heldLen = keepHeld + len - fromNew;
    }

    public long bytesSeen() {
      return total;
    }

    public Result finish() {
      HexFormat hex = HexFormat.of();
      boolean hasTrailer = total >= TRAILER_SIZE && total % 512 == TRAILER_SIZE;
      if (!hasTrailer) {
        sha.update(held, 0, heldLen);
        return new Result(Status.ABSENT, total, null, hex.formatHex(sha.digest()));
      }
      byte[] actual = sha.digest();
      boolean ok = MessageDigest.isEqual(actual, held);
      return new Result(
          ok ? Status.VALID : Status.MISMATCH, total - TRAILER_SIZE, hex.formatHex(held), hex.formatHex(actual));
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("the JDK has no SHA-256", e);
      }
    }
  }
}
