package dev.cairn.datadir.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.datadir.Damage;
import dev.cairn.datadir.EtcdDataSets;
import dev.cairn.testkit.TestDirs;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * etcd keeps its buckets at the top level; bbolt allows buckets inside buckets. This file is a
 * real etcd db whose root leaf is rewritten the way bbolt would write it with the "key" tree moved
 * under an inline bucket: "nest" (inline) holds bucket "inner", whose root is the old "key" root.
 */
class NestedBucketIT {

  record Elem(int flags, byte[] key, byte[] value) {}

  @Test
  void aTreeUnderANestedBucketIsCheckedAndNamedByItsPath() throws Exception {
    Path db = TestDirs.create(NestedBucketIT.class, "nested").resolve("db");
    Files.copy(EtcdDataSets.small().dataDir().resolve("member/snap/db"), db);
    DbLayout l = DbLayout.read(db);
    int ps = l.pageSize;
    long rootPage = l.meta.root();
    BoltReport before = BoltChecker.check(db);

    ByteBuffer page = ByteBuffer.wrap(Damage.read(db, rootPage * ps, ps)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x02, page.getShort(8), "the root bucket of the test db is a single leaf");
    List<Elem> elems = new ArrayList<>();
    long keyRoot = -1;
    for (int i = 0; i < page.getShort(10); i++) {
      int e = 16 + i * 16;
      int k = e + page.getInt(e + 4);
      byte[] key = new byte[page.getInt(e + 8)];
      byte[] value = new byte[page.getInt(e + 12)];
      page.get(k, key);
      page.get(k + key.length, value);
      if (new String(key, StandardCharsets.US_ASCII).equals("key")) {
        keyRoot = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      } else {
        elems.add(new Elem(page.getInt(e), key, value));
      }
    }
    byte[] innerHeader = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(0, keyRoot).array();
    byte[] nestLeaf = leaf(0, List.of(new Elem(1, bytes("inner"), innerHeader)));
    byte[] nestValue = new byte[16 + nestLeaf.length];
    System.arraycopy(nestLeaf, 0, nestValue, 16, nestLeaf.length);
    elems.add(new Elem(1, bytes("nest"), nestValue)); // sorts after "meta", the last etcd bucket
    byte[] image = leaf(rootPage, elems);
    byte[] full = new byte[ps];
    System.arraycopy(image, 0, full, 0, image.length);
    Damage.write(db, rootPage * ps, full);

    BoltReport r = BoltChecker.check(db);
    assertTrue(r.ok(), r.findings().toString());
    assertEquals(before.reachablePages(), r.reachablePages());
    assertEquals(before.keys(), r.keys());
    assertEquals(before.buckets() + 1, r.buckets(), "nest and inner replace key");

    // Damage inside the nested tree is reported under its path.
    DbLayout nested = DbLayout.read(db);
    DbLayout.Node leaf = nested.nodes("nest/inner", false).get(4);
    List<long[]> keys = nested.keys(leaf);
    byte[] a = Damage.read(db, keys.get(1)[0], (int) keys.get(1)[1]);
    byte[] b = Damage.read(db, keys.get(2)[0], (int) keys.get(2)[1]);
    Damage.write(db, keys.get(1)[0], b);
    Damage.write(db, keys.get(2)[0], a);
    BoltReport damaged = BoltChecker.check(db);
    assertTrue(damaged.findings().stream().anyMatch(f -> f.pageId() == leaf.pgid() && f.bucket().equals("nest/inner")
        && f.problem().contains("out of order")), damaged.findings().toString());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A leaf page image as bbolt's node.write lays it out: header, elements, then keys and values packed. */
  static byte[] leaf(long id, List<Elem> elems) {
    int n = elems.size();
    ByteBuffer head = ByteBuffer.allocate(16 + 16 * n).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(0, id).putShort(8, (short) 0x02).putShort(10, (short) n).putInt(12, 0);
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    for (int i = 0; i < n; i++) {
      Elem el = elems.get(i);
      int e = 16 + i * 16;
      int pos = 16 + 16 * n + data.size() - e;
      head.putInt(e, el.flags()).putInt(e + 4, pos).putInt(e + 8, el.key().length).putInt(e + 12, el.value().length);
      data.writeBytes(el.key());
      data.writeBytes(el.value());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head.array());
    out.writeBytes(data.toByteArray());
    return out.toByteArray();
  }
}
