package dev.cairn.datadir.snap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SnapshotTrailerTest {

  /** The streaming verifier must not depend on how the bytes are chunked. */
  @Test
  void anyChunkingGivesTheSameAnswer() throws Exception {
    Random rnd = new Random(1);
    byte[] body = new byte[4096 * 3];
    rnd.nextBytes(body);
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);
    byte[] file = new byte[body.length + 32];
    System.arraycopy(body, 0, file, 0, body.length);
    System.arraycopy(sha, 0, file, body.length, 32);
    for (int trial = 0; trial < 200; trial++) {
      SnapshotTrailer.Verifier v = new SnapshotTrailer.Verifier();
      int off = 0;
      while (off < file.length) {
        int n = Math.min(file.length - off, rnd.nextInt(trial % 2 == 0 ? 40 : 5000) + 1);
        v.update(file, off, n);
        off += n;
      }
      SnapshotTrailer.Result r = v.finish();
      assertEquals(SnapshotTrailer.Status.VALID, r.status(), "trial " + trial);
      assertEquals(body.length, r.dbLength());
    }
  }

  @Test
  void shortInputsHaveNoTrailer() {
    SnapshotTrailer.Verifier v = new SnapshotTrailer.Verifier();
    v.update(new byte[10], 0, 10);
    assertEquals(SnapshotTrailer.Status.ABSENT, v.finish().status());
  }
}
