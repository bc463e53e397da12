package dev.cairn.datadir.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.CorruptFileException;
import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RevisionReaderIT {

  @Test
  void readsTheRevisionOfACleanDataDirDb() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    DbRevision r = RevisionReader.read(s.dataDir().resolve("member/snap/db"));
    assertEquals(s.revision(), r.revision());
    assertEquals(s.compactRevision(), r.finishedCompactRevision());
    assertEquals(s.compactRevision(), r.scheduledCompactRevision());
    assertTrue(r.consistentIndex() >= s.revision(), "consistent index counts raft entries, at least one per write: " + r);
  }

  @Test
  void readsTheRevisionOfV3SnapshotsFromEtcdctlAndJetcd() throws Exception {
    EtcdDataSets.Small s = EtcdDataSets.small();
    DbRevision a = RevisionReader.read(s.snapshotEtcdctl());
    DbRevision b = RevisionReader.read(s.snapshotJetcd());
    assertEquals(s.snapshotRevision(), a.revision());
    assertEquals(s.snapshotRevision(), b.revision());
    assertEquals(s.compactRevision(), a.finishedCompactRevision());
  }

  @Test
  void anEmptyStoreIsAtRevisionOneAsEtcdSays() throws Exception {
    Path dir = TestDirs.create(RevisionReaderIT.class, "empty");
    try (dev.cairn.testkit.EtcdCluster etcd = dev.cairn.testkit.EtcdCluster.start(dir.resolve("etcd"), 1)) {
      Path snap = dir.resolve("empty.db");
      dev.cairn.testkit.Etcdctl.run(java.time.Duration.ofSeconds(30), "--endpoints=" + etcd.member(0).clientUrl(),
          "snapshot", "save", snap.toString());
      assertEquals(1, RevisionReader.read(snap).revision());
    }
  }

  @Test
  void readsAMultiLevelTree() throws Exception {
    EtcdDataSets.MultiWal m = EtcdDataSets.multiWal();
    assertEquals(m.revision(), RevisionReader.read(m.dataDir().resolve("member/snap/db")).revision());
  }

  @Test
  void refusesAFileThatIsNotABoltDb() throws Exception {
    Path f = TestDirs.create(RevisionReaderIT.class, "junk").resolve("db");
    Files.write(f, new byte[8192]);
    CorruptFileException e = assertThrows(CorruptFileException.class, () -> RevisionReader.read(f));
    assertTrue(e.getMessage().contains("both bbolt meta pages are invalid"), e.getMessage());
  }
}
