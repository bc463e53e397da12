package dev.cairn.datadir.snap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SnapshotTrailerIT {

  @Test
  void etcdctlAndJetcdSnapshotsCarryAValidTrailer() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    assertEquals(SnapshotTrailer.Status.VALID, SnapshotTrailer.verify(s.snapshotEtcdctl()).status());
    assertEquals(SnapshotTrailer.Status.VALID, SnapshotTrailer.verify(s.snapshotJetcd()).status());
    try (InputStream in = Files.newInputStream(s.snapshotJetcd())) {
      assertEquals(SnapshotTrailer.Status.VALID, SnapshotTrailer.verify(in).status());
    }
  }

  @Test
  void aDataDirDbHasNoTrailer() throws Exception {
    Path db = EtcdDataSets.small().dataDir().resolve("member/snap/db");
    SnapshotTrailer.Result r = SnapshotTrailer.verify(db);
    assertEquals(SnapshotTrailer.Status.ABSENT, r.status());
    assertEquals(Files.size(db), r.dbLength());
  }

  @Test
  void aFlippedByteInTheBodyOrTheTrailerIsAMismatch() throws Exception {
    Path src = EtcdDataSets.small().snapshotEtcdctl();
    Path dir = TestDirs.create(SnapshotTrailerIT.class, "flip");
    byte[] bytes = Files.readAllBytes(src);
    for (int pos : new int[] {100, bytes.length / 2, bytes.length - 1}) {
      byte[] copy = bytes.clone();
      copy[pos] ^= 0x01;
      Path f = dir.resolve("flip-" + pos + ".db");
      Files.write(f, copy);
      assertEquals(SnapshotTrailer.Status.MISMATCH, SnapshotTrailer.verify(f).status(), "flip at " + pos);
    }
  }
}
