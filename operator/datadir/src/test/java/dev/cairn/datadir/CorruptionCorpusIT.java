package dev.cairn.datadir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.bbolt.DbLayout;
import dev.cairn.datadir.validation.DataDirValidator;
import dev.cairn.datadir.validation.ValidationMode;
import dev.cairn.datadir.validation.ValidationOutcome;
import dev.cairn.datadir.validation.ValidationReport;
import dev.cairn.testkit.TestDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Damage done to copies of real etcd data dirs, one kind per test; full validation must catch
 * each (or, for a single damaged meta page, accept the file because bbolt falls back to the other
 * meta). Findings must say where the damage is.
 */
class CorruptionCorpusIT {

  private static Path copy(String name) {
    return Damage.linkTree(EtcdDataSets.small().dataDir(), TestDirs.create(CorruptionCorpusIT.class, name).resolve("d"));
  }

  private static Path copyMultiWal(String name) {
    return Damage.linkTree(EtcdDataSets.multiWal().dataDir(), TestDirs.create(CorruptionCorpusIT.class, name).resolve("d"));
  }

  private static Path db(Path dir) throws IOException {
    return Damage.own(dir.resolve("member/snap/db"));
  }

  static ValidationReport full(Path dir) throws IOException {
    return DataDirValidator.validate(dir, ValidationMode.FULL, "test", OptionalLong.empty());
  }

  /** Corrupt, with a reason from {@code check} containing every one of {@code words}. */
  static void assertCorrupt(ValidationReport r, String check, String... words) {
    ValidationOutcome.Corrupt c = assertInstanceOf(ValidationOutcome.Corrupt.class, r.outcome(), r.toText());
    boolean found = c.reasons().stream().anyMatch(x -> {
      if (!x.startsWith(check + ":")) {
        return false;
      }
      for (String w : words) {
        if (!x.contains(w)) {
          return false;
        }
      }
      return true;
    });
    assertTrue(found, "expected a " + check + " finding with " + List.of(words) + " in:\n" + r.toText());
  }

  // ------------------------------------------------------------------ db

  @Test
  void oneDamagedMetaPageIsToleratedBecauseBboltUsesTheOther() throws Exception {
    for (int meta = 0; meta < 2; meta++) {
      Path dir = copy("meta" + meta);
      Path db = db(dir);
      DbLayout l = DbLayout.read(db);
      Damage.xor(db, (long) meta * l.pageSize + 64, 0x01); // txid byte: checksum no longer matches
      ValidationReport r = full(dir);
      assertInstanceOf(ValidationOutcome.Valid.class, r.outcome(), r.toText());
      assertTrue(r.toText().contains("meta page " + meta + " is invalid"), r.toText());
    }
  }

  @Test
  void bothMetaPagesDamagedIsCorrupt() throws Exception {
    Path dir = copy("meta-both");
    Path db = db(dir);
    int ps = DbLayout.read(db).pageSize;
    Damage.xor(db, 16 + 40, 0x10);
    Damage.xor(db, ps + 16 + 40, 0x10);
    ValidationReport r = full(dir);
    assertCorrupt(r, "db", "both bbolt meta pages are invalid");
    assertCorrupt(r, "revision", "both bbolt meta pages are invalid");
  }

  @Test
  void damagedBranchPageIsCorrupt() throws Exception {
    Path dir = copy("branch");
    Path db = db(dir);
    DbLayout l = DbLayout.read(db);
    DbLayout.Node branch = l.nodes("key", true).get(0);
    Damage.xor(db, branch.pgid() * l.pageSize + 10, 0x01); // element count off by one
    assertCorrupt(full(dir), "db", "page " + branch.pgid(), "bucket key");
  }

  @Test
  void damagedLeafElementTableIsCorrupt() throws Exception {
    Path dir = copy("leaf-elements");
    Path db = db(dir);
    DbLayout l = DbLayout.read(db);
    DbLayout.Node leaf = l.nodes("key", false).get(3);
    Damage.xor(db, leaf.pgid() * l.pageSize + 16 + 2 * 16 + 4, 0x04); // element 2: pos
    assertCorrupt(full(dir), "db", "page " + leaf.pgid(), "bucket key", "element 2");
  }

  @Test
  void swappedKeysAreCorrupt() throws Exception {
    Path dir = copy("key-swap");
    Path db = db(dir);
    DbLayout l = DbLayout.read(db);
    DbLayout.Node leaf = l.nodes("key", false).get(5);
    List<long[]> keys = l.keys(leaf);
    long[] a = keys.get(1);
    long[] b = keys.get(2);
    assertEquals(a[1], b[1], "equal-length revision keys");
    byte[] ka = Damage.read(db, a[0], (int) a[1]);
    byte[] kb = Damage.read(db, b[0], (int) b[1]);
    Damage.write(db, a[0], kb);
    Damage.write(db, b[0], ka);
    assertCorrupt(full(dir), "db", "page " + leaf.pgid(), "bucket key", "out of order");
  }

  @Test
  void pageIdPastTheHighWaterMarkIsCorrupt() throws Exception {
    Path dir = copy("past-hwm");
    Path db = db(dir);
    DbLayout l = DbLayout.read(db);
    DbLayout.Node leaf = l.nodes("key", false).get(2);
    long bad = l.meta.highWaterMark() + 7;
    Damage.writeLong(db, leaf.refOffset(), bad);
    assertCorrupt(full(dir), "db", "page " + bad, "outside [2, " + l.meta.highWaterMark() + ")");
  }

  @Test
  void truncatedDbIsCorrupt() throws Exception {
    Path dir = copy("truncated");
    Path db = db(dir);
    long size = Files.size(db);
    Damage.truncate(db, size / 2);
    assertCorrupt(full(dir), "db", "truncated");
  }

  @Test
  void doublyReferencedPageIsCorrupt() throws Exception {
    Path dir = copy("double-ref");
    Path db = db(dir);
    DbLayout l = DbLayout.read(db);
    List<DbLayout.Node> leaves = l.nodes("key", false);
    // Point the second leaf's parent entry at the first leaf.
    Damage.writeLong(db, leaves.get(1).refOffset(), leaves.get(0).pgid());
    assertCorrupt(full(dir), "db", "page " + leaves.get(0).pgid(), "reached a second time");
  }

  // ------------------------------------------------------------------ WAL

  @Test
  void crcFlipInTheMiddleOfTheWalIsCorrupt() throws Exception {
    Path dir = copy("wal-crc");
    Path wal = Damage.own(EtcdDataSets.lastWal(dir));
    long mid = recordOffsets(wal).get(recordOffsets(wal).size() / 2);
    long len = Damage.readLong(wal, mid) & 0x00FFFFFFFFFFFFFFL;
    Damage.xor(wal, mid + 8 + len - 3, 0x40); // inside the record's data
    assertCorrupt(full(dir), "wal", "offset " + mid, "CRC mismatch");
  }

  @Test
  void crcFlipInANonLastWalFileIsCorrupt() throws Exception {
    Path dir = copyMultiWal("wal-crc-first");
    Path first = Damage.own(firstWal(dir));
    List<Long> recs = recordOffsets(first);
    long mid = recs.get(recs.size() / 2);
    Damage.xor(first, mid + 8 + 40, 0x01);
    assertCorrupt(full(dir), "wal", first.getFileName().toString(), "offset " + mid);
  }

  @Test
  void walSequenceGapIsCorrupt() throws Exception {
    Path dir = copyMultiWal("wal-gap");
    Path last = EtcdDataSets.lastWal(dir);
    String n = last.getFileName().toString();
    long seq = Long.parseLong(n.substring(0, 16), 16);
    Files.move(last, last.resolveSibling(String.format("%016x", seq + 1) + n.substring(16)));
    assertCorrupt(full(dir), "wal", "sequence " + (seq + 1) + " does not follow " + (seq - 1));
  }

  @Test
  void truncatedNonLastWalFileIsCorrupt() throws Exception {
    Path dir = copyMultiWal("wal-torn-first");
    Path first = Damage.own(firstWal(dir));
    Damage.truncate(first, Files.size(first) - 100);
    assertCorrupt(full(dir), "wal", first.getFileName().toString(), "not the last WAL file");
  }

  @Test
  void dbAheadOfTheWalBreaksConsistentIndexBelowCommit() throws Exception {
    // The WAL as it was earlier (records after the middle zeroed, like a preallocated tail), with
    // today's db: the db has applied entries the log does not have.
    Path dir = copy("db-ahead");
    Path wal = Damage.own(EtcdDataSets.lastWal(dir));
    long cut = recordOffsets(wal).get(recordOffsets(wal).size() / 2);
    long end = EtcdDataSets.endOfRecords(wal);
    Damage.write(wal, cut, new byte[(int) (end - cut)]);
    ValidationReport r = full(dir);
    assertCorrupt(r, "consistency", "consistent_index", "above the WAL's last commit");
  }

  // ------------------------------------------------------------------ structure and .snap

  @Test
  void missingWalOrSnapDirectoryIsCorrupt() throws Exception {
    Path dir = copy("no-wal");
    TestDirs.deleteRecursively(dir.resolve("member/wal"));
    assertCorrupt(full(dir), "structure", "member/wal is missing");
    Path dir2 = copy("no-snap");
    TestDirs.deleteRecursively(dir2.resolve("member/snap"));
    assertCorrupt(full(dir2), "structure", "member/snap is missing");
  }

  @Test
  void zeroLengthSnapFileIsCorrupt() throws Exception {
    Path dir = copy("snap-empty");
    Path snap = newestSnap(dir);
    Files.delete(snap);
    Files.createFile(snap);
    assertCorrupt(full(dir), "snap", snap.getFileName().toString(), "empty file");
  }

  @Test
  void wrongCrcSnapFileIsCorrupt() throws Exception {
    Path dir = copy("snap-crc");
    Path snap = Damage.own(newestSnap(dir));
    Damage.xor(snap, Files.size(snap) / 2, 0x08);
    assertCorrupt(full(dir), "snap", snap.getFileName().toString(), "CRC mismatch");
  }

  @Test
  void snapshotWithABadTrailerIsCorrupt() throws Exception {
    Path f = TestDirs.create(CorruptionCorpusIT.class, "trailer").resolve("snapshot.db");
    Files.copy(EtcdDataSets.small().snapshotEtcdctl(), f);
    Damage.xor(f, Files.size(f) - 5, 0x01);
    ValidationReport r = DataDirValidator.validateSnapshotFile(f);
    assertCorrupt(r, "trailer", "does not match");
    assertEquals(1, r.exitCode());
  }

  // ------------------------------------------------------------------ helpers

  static List<Long> recordOffsets(Path wal) throws IOException {
    List<Long> out = new ArrayList<>();
    long end = EtcdDataSets.endOfRecords(wal);
    long off = 0;
    while (off < end) {
      out.add(off);
      long lenField = Damage.readLong(wal, off);
      long len = lenField & 0x00FFFFFFFFFFFFFFL;
      long pad = lenField < 0 ? (lenField >>> 56) & 0x7 : 0;
      off += 8 + len + pad;
    }
    return out;
  }

  static Path firstWal(Path dir) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("member/wal"), "*.wal")) {
      List<Path> all = new ArrayList<>();
      ds.forEach(all::add);
      all.sort(null);
      return all.get(0);
    }
  }

  static Path newestSnap(Path dir) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.resolve("member/snap"), "*.snap")) {
      List<Path> all = new ArrayList<>();
      ds.forEach(all::add);
      all.sort(null);
      return all.get(all.size() - 1);
    }
  }
}
