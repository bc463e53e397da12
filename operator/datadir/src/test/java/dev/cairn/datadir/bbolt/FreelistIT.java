package dev.cairn.datadir.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd on Linux never stores its freelist; bbolt elsewhere (and bbolt without NoFreelistSync) does.
 * These files are a real etcd db with the freelist page bbolt would write for it appended: the
 * free page ids sorted, in the short form or the 0xFFFF long form, and the meta pointing to it.
 */
class FreelistIT {

  private static Path db(String name) throws Exception {
    Path f = TestDirs.create(FreelistIT.class, name).resolve("db");
    Files.copy(EtcdDataSets.small().dataDir().resolve("member/snap/db"), f);
    return f;
  }

  /** The ids bbolt would list: every page below the high-water mark not reachable from the meta. */
  private static List<Long> freeIds(DbLayout l) {
    BitSet reached = new BitSet();
    reached.set(0, 2);
    for (DbLayout.Node n : l.nodes) {
      if (!n.inline()) {
        reached.set((int) n.pgid(), (int) (n.pgid() + n.overflow() + 1));
      }
    }
    List<Long> ids = new ArrayList<>();
    for (long p = 2; p < l.meta.highWaterMark(); p++) {
      if (!reached.get((int) p)) {
        ids.add(p);
      }
    }
    return ids;
  }

  /** Appends a freelist page holding {@code ids} and makes the used meta point at it. */
  static void storeFreelist(Path db, DbLayout l, List<Long> ids, boolean longForm) throws Exception {
    int ps = l.pageSize;
    long at = l.meta.highWaterMark();
    int header = 16 + (longForm ? 8 : 0);
    int pages = (header + ids.size() * 8 + ps - 1) / ps;
    ByteBuffer b = ByteBuffer.allocate(pages * ps).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, at).putShort(8, (short) 0x10).putShort(10, (short) (longForm ? 0xFFFF : ids.size()))
        .putInt(12, pages - 1);
    if (longForm) {
      b.putLong(16, ids.size());
    }
    for (int i = 0; i < ids.size(); i++) {
      b.putLong(header + i * 8, ids.get(i));
    }
    try (RandomAccessFile raf = new RandomAccessFile(db.toFile(), "rw")) {
      raf.seek(at * ps);
      raf.write(b.array());
      long metaOff = (long) l.meta.pageId() * ps;
      ByteBuffer m = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, at).putLong(8, at + pages);
      raf.seek(metaOff + 48); // freelist pgid, then the high-water mark
      raf.write(m.array());
    }
    DbLayout.rehashMeta(db, ps, l.meta.pageId());
  }

  @Test
  void aStoredFreelistThatMatchesTheTreeIsClean() throws Exception {
    for (boolean longForm : new boolean[] {false, true}) {
      Path db = db("ok-" + longForm);
      DbLayout l = DbLayout.read(db);
      List<Long> ids = freeIds(l);
      storeFreelist(db, l, ids, longForm);
      BoltReport r = BoltChecker.check(db);
      assertTrue(r.ok(), r.findings().toString());
      assertTrue(r.used().freelistStored());
      assertEquals(ids.size(), r.freePages());
    }
  }

  @Test
  void aPageNeitherReachableNorFreeIsLeaked() throws Exception {
    Path db = db("leak");
    DbLayout l = DbLayout.read(db);
    List<Long> ids = new ArrayList<>(freeIds(l));
    long dropped = ids.remove(ids.size() / 2);
    storeFreelist(db, l, ids, false);
    BoltReport r = BoltChecker.check(db);
    assertTrue(r.findings().stream().anyMatch(f -> f.pageId() == dropped && f.problem().contains("leaked")),
        r.findings().toString());
  }

  @Test
  void aReachablePageInTheFreelistIsCorrupt() throws Exception {
    Path db = db("reachable-free");
    DbLayout l = DbLayout.read(db);
    List<Long> ids = new ArrayList<>(freeIds(l));
    long keyLeaf = l.nodes("key", false).get(0).pgid();
    ids.add(keyLeaf);
    ids.sort(null);
    storeFreelist(db, l, ids, false);
    BoltReport r = BoltChecker.check(db);
    assertTrue(r.findings().stream().anyMatch(f -> f.pageId() == keyLeaf && f.problem().contains("listed in the freelist")
        && f.bucket().equals("key")), r.findings().toString());
  }

  @Test
  void aFreelistPointerToATreePageIsCorrupt() throws Exception {
    Path db = db("bad-pointer");
    DbLayout l = DbLayout.read(db);
    long leaf = l.nodes("key", false).get(0).pgid();
    try (RandomAccessFile raf = new RandomAccessFile(db.toFile(), "rw")) {
      raf.seek((long) l.meta.pageId() * l.pageSize + 48);
      raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, leaf).array());
    }
    DbLayout.rehashMeta(db, l.pageSize, l.meta.pageId());
    BoltReport r = BoltChecker.check(db);
    assertTrue(r.findings().stream().anyMatch(f -> f.pageId() == leaf && f.problem().contains("is a leaf page")),
        r.findings().toString());
  }
}
