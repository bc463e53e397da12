package dev.cairn.controller.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.store.LocalStore;
import dev.cairn.testkit.TestDirs;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreScanTest {

  @Test
  void pairsObjectsWithTheirMetadataAcrossPagesAndSkipsTheRest() throws Exception {
    Path dir = TestDirs.create(StoreScanTest.class, "pairs");
    StoredSnapshots s = new StoredSnapshots(new LocalStore(dir));
    SnapshotMetadata f1 = s.full(100);
    SnapshotMetadata d1 = s.delta(101, 150);
    SnapshotMetadata f2 = s.full(150);
    SnapshotMetadata d2 = s.delta(151, 200);
    // Not trusted: an object without metadata, metadata without object, a foreign file.
    s.store.put(d2.name().objectName().replace("0000000000000000200", "0000000000000000300"),
        new ByteArrayInputStream(new byte[1]), 1, Map.of());
    s.store.put("0000000000000000400-full-0000000000000000000-20250101T000000000Z.meta.json",
        new ByteArrayInputStream(new byte[1]), 1, Map.of());
    s.store.put("README", new ByteArrayInputStream(new byte[1]), 1, Map.of());
    EtcdStore store = EtcdStore.of(s.store, "file://" + dir + "/");
    for (int page : List.of(1, 2, 3, 1000)) {
      List<String> seen = new ArrayList<>();
      StoreScan.Result r = StoreScan.scan(store, null, page, f -> seen.add(f.object().name()));
      assertEquals(List.of(f1.object(), d1.object(), f2.object(), d2.object()), seen, "page size " + page);
      assertEquals(d2.name().metadataName(), r.resumeAfter(), "resume before the object still missing metadata");
    }
    assertEquals(150, StoreScan.newestFullEnd(store, 2));
    assertEquals(200, StoreScan.newestEnd(store, 2));
    List<String> after = new ArrayList<>();
    StoreScan.scan(store, d1.name().metadataName(), 2, f -> after.add(f.object().name()));
    assertEquals(List.of(f2.object(), d2.object()), after);
  }

  @Test
  void anEmptyStoreHasNoNewestFull() throws Exception {
    Path dir = TestDirs.create(StoreScanTest.class, "empty");
    EtcdStore store = EtcdStore.of(new LocalStore(dir), "file://" + dir + "/");
    assertEquals(-1, StoreScan.newestFullEnd(store, 10));
    assertNull(StoreScan.scan(store, null, 10, f -> { }).resumeAfter());
  }
}
