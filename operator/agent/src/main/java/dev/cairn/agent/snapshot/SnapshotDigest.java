package dev.cairn.agent.snapshot;

import dev.cairn.datadir.snap.SnapshotTrailer;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The sha256 trailer check of a v3 snapshot stream and the sha256 of the whole stream, in one pass
 * over the bytes. {@link SnapshotTrailer.Verifier} gives the first; hashing the stream a second time
 * for the metadata's {@code contentSha256} would cost another full pass of CPU on the agent's small
 * share of the machine, so the digest of everything but the last 32 bytes is cloned at the end.
 * The trailer rule is the datadir module's: 32 bytes more than a multiple of 512.
 */
final class SnapshotDigest {

  /** The outcome: the trailer check, and the sha256 of every byte seen (hex). */
  record Result(SnapshotTrailer.Result trailer, String fileSha256) {}

  private final MessageDigest sha = DeltaFormat.sha256();
  // The newest bytes seen, up to the trailer's size: they may be the trailer, so they are not digested yet.
  private final byte[] held = new byte[SnapshotTrailer.TRAILER_SIZE];
  private int heldLen;
  private long total;

  void update(byte[] b, int off, int len) {
    total += len;
    int size = held.length;
    if (heldLen + len <= size) {
      System.arraycopy(b, off, held, heldLen, len);
      heldLen += len;
      return;
    }
    int digestTotal = heldLen + len - size;
    int fromHeld = Math.min(heldLen, digestTotal);
    sha.update(held, 0, fromHeld);
    int fromNew = digestTotal - fromHeld;
    sha.update(b, off, fromNew);
    int keepHeld = heldLen - fromHeld;
    System.arraycopy(held, fromHeld, held, 0, keepHeld);
    System.arraycopy(b, off + fromNew, held, keepHeld, len - fromNew);
    heldLen = keepHeld + len - fromNew;
  }

  long bytesSeen() {
    return total;
  }

  Result finish() {
    HexFormat hex = HexFormat.of();
    boolean hasTrailer = total >= held.length && total % 512 == held.length;
    byte[] db;
    try {
      db = ((MessageDigest) sha.clone()).digest();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException("the JDK's SHA-256 cannot be cloned", e);
    }
    sha.update(held, 0, heldLen);
    String whole = hex.formatHex(sha.digest());
    if (!hasTrailer) {
      return new Result(new SnapshotTrailer.Result(SnapshotTrailer.Status.ABSENT, total, null, whole), whole);
    }
    boolean ok = MessageDigest.isEqual(db, held);
    return new Result(
        new SnapshotTrailer.Result(ok ? SnapshotTrailer.Status.VALID : SnapshotTrailer.Status.MISMATCH,
            total - held.length, hex.formatHex(held), hex.formatHex(db)),
        whole);
  }
}
