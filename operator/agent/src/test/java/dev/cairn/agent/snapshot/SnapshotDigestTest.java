package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.snap.SnapshotTrailer;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-pass digest agrees with the datadir's trailer verifier and with a plain sha256 of the stream. */
class SnapshotDigestTest {

  private static byte[] snapshot(int dbPages, Random rnd) throws Exception {
    byte[] db = new byte[dbPages * 512];
    rnd.nextBytes(db);
    byte[] trailer = MessageDigest.getInstance("SHA-256").digest(db);
    byte[] all = new byte[db.length + 32];
    System.arraycopy(db, 0, all, 0, db.length);
    System.arraycopy(trailer, 0, all, db.length, 32);
    return all;
  }

  /** Feeds {@code data} in random chunk sizes, including empty ones and ones smaller than the trailer. */
  private static SnapshotDigest.Result digest(byte[] data, Random rnd) {
    SnapshotDigest d = new SnapshotDigest();
    int off = 0;
    while (off < data.length) {
      int n = Math.min(data.length - off, rnd.nextInt(4) == 0 ? rnd.nextInt(40) : rnd.nextInt(5000));
      d.update(data, off, n);
      off += n;
    }
    assertEquals(data.length, d.bytesSeen());
    return d.finish();
  }

  private static String sha(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  @Test
  void validCorruptAndAbsentTrailersAsTheDatadirVerifierSaysInOnePass() throws Exception {
    Random rnd = new Random(7);
    for (int i = 0; i < 200; i++) {
      byte[] data = snapshot(rnd.nextInt(40), rnd);
      if (i % 3 == 1) {
        data[rnd.nextInt(data.length)] ^= (byte) (1 + rnd.nextInt(255)); // a flip in the db or the trailer
      } else if (i % 3 == 2) {
        data = java.util.Arrays.copyOf(data, data.length - 1 - rnd.nextInt(Math.min(data.length, 600)));
      }
      SnapshotDigest.Result r = digest(data, rnd);
      SnapshotTrailer.Result expected = SnapshotTrailer.verify(new ByteArrayInputStream(data));
      assertEquals(expected.status(), r.trailer().status(), "case " + i);
      assertEquals(expected.dbLength(), r.trailer().dbLength(), "case " + i);
      assertEquals(expected.actualSha256(), r.trailer().actualSha256(), "case " + i);
      assertEquals(sha(data), r.fileSha256(), "case " + i);
      if (i % 3 == 0) {
        assertTrue(r.trailer().valid(), "case " + i);
      } else if (i % 3 == 1) {
        assertFalse(r.trailer().valid(), "a flipped byte must not verify, case " + i);
      }
    }
  }
}
