package dev.cairn.datadir.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.Damage;
import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A db larger than 2 GiB (past one mapping and past int offsets), derived from a real one: nodes
 * are moved, the way bbolt could have allocated them in a big file, to a page that straddles the
 * 2 GiB boundary and to one beyond 3 GiB. The file is sparse, so it costs no disk.
 */
class LargeFileIT {

  @Test
  void nodesBeyondTwoGibAreReadAndChecked() throws Exception {
    Path dir = TestDirs.create(LargeFileIT.class, "large");
    Path db = dir.resolve("db");
    Files.copy(EtcdDataSets.small().dataDir().resolve("member/snap/db"), db);
    try {
      DbLayout l = DbLayout.read(db);
      int ps = l.pageSize;
      BoltReport before = BoltChecker.check(db);
      List<DbLayout.Node> leaves = l.nodes("key", false);
      DbLayout.Node last = leaves.get(leaves.size() - 1);
      DbLayout.Node big = leaves.stream().filter(n -> n.overflow() > 0).findFirst().orElseThrow();
      assertFalse(big.pgid() == last.pgid(), "the big value is not in the last leaf");

      long straddle = (1L << 31) / ps - 1; // its overflow pages continue past byte 2^31
      long far = (3L << 30) / ps + 256;
      move(db, ps, big, straddle);
      move(db, ps, last, far);
      long hwm = far + last.overflow() + 1;
      try (RandomAccessFile raf = new RandomAccessFile(db.toFile(), "rw")) {
        raf.setLength(hwm * ps);
      }
      Damage.writeLong(db, (long) l.meta.pageId() * ps + 56, hwm);
      DbLayout.rehashMeta(db, ps, l.meta.pageId());
      assertTrue(Files.size(db) > (3L << 30));

      BoltReport after = BoltChecker.check(db);
      assertTrue(after.ok(), after.findings().toString());
      assertEquals(before.reachablePages(), after.reachablePages());
      assertEquals(before.keys(), after.keys());
      assertEquals(EtcdDataSets.small().revision(), RevisionReader.read(db).revision(),
          "the last key now lives at page " + far);

      // Damage past 3 GiB is found and named.
      Damage.xor(db, far * ps + 16 + 4, 0x02);
      BoltReport damaged = BoltChecker.check(db);
      assertTrue(damaged.findings().stream().anyMatch(f -> f.pageId() == far), damaged.findings().toString());
    } finally {
      Files.deleteIfExists(db);
    }
  }

  /** Copies a node to page {@code to} (fixing its id) and points its parent at the copy. */
  static void move(Path db, int ps, DbLayout.Node n, long to) throws Exception {
    byte[] bytes = Damage.read(db, n.pgid() * ps, (int) ((n.overflow() + 1) * ps));
    try (RandomAccessFile raf = new RandomAccessFile(db.toFile(), "rw")) {
      raf.seek(to * ps);
      raf.write(bytes);
    }
    Damage.writeLong(db, to * ps, to);
    Damage.writeLong(db, n.refOffset(), to);
  }
}
