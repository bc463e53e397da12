package dev.cairn.agent.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.testkit.TestDirs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LocalStoreTest {

  @Test
  void archivedCopiesOutliveTheirOriginalsAndAreNeverListedLive() throws IOException {
    Path dir = TestDirs.create(LocalStoreTest.class, "archive");
    LocalStore s = new LocalStore(dir);
    s.put("obj", new ByteArrayInputStream("content".getBytes()), 7, Map.of());
    s.archiveCopy("obj", "restore-1");
    s.archiveCopy("obj", "restore-1"); // a rerun keeps the copy
    s.putArchived("restore-1", "restore.json", "{}".getBytes());
    s.delete("obj");
    assertEquals(List.of(), s.listAll(), "the archive folder is not part of the live listing");
    assertEquals(List.of("obj", "restore.json"), s.listArchived("restore-1").stream().map(StoredObject::name).toList());
    assertEquals(List.of("restore-1"), s.listArchives());
    try (InputStream in = s.getArchived("restore-1", "obj")) {
      assertEquals("content", new String(in.readAllBytes()));
    }
    assertEquals(List.of(), s.listArchived("restore-2"));
    assertThrows(StoreException.class, () -> s.archiveCopy("missing", "restore-1"));
    assertThrows(IllegalArgumentException.class, () -> s.archiveCopy("obj", "../escape"));
    assertThrows(IllegalArgumentException.class, () -> s.putArchived("restore-1", "a/b", new byte[0]));
  }

  @Test
  void putListPagedSortedGetDelete() throws IOException {
    Path dir = TestDirs.create(LocalStoreTest.class, "store");
    LocalStore s = new LocalStore(dir);
    s.check();
    for (String n : List.of("c", "a", "e", "b", "d")) {
      s.put(n, new ByteArrayInputStream(n.getBytes()), 1, Map.of());
    }
    Files.writeString(dir.resolve(".tmp-x-123"), "partial");
    StorePage p1 = s.list(null, 2);
    assertEquals(List.of("a", "b"), p1.objects().stream().map(StoredObject::name).toList());
    StorePage p2 = s.list(p1.nextStartAfter().orElseThrow(), 2);
    assertEquals(List.of("c", "d"), p2.objects().stream().map(StoredObject::name).toList());
    StorePage p3 = s.list(p2.nextStartAfter().orElseThrow(), 2);
    assertEquals(List.of("e"), p3.objects().stream().map(StoredObject::name).toList());
    assertTrue(p3.nextStartAfter().isEmpty());
    assertEquals(5, s.listAll().size(), "temporary files are never listed");
    try (InputStream in = s.get("c")) {
      assertEquals("c", new String(in.readAllBytes()));
    }
    s.delete("c");
    s.delete("c");
    assertTrue(s.stat("c").isEmpty());
    assertThrows(StoreException.class, () -> s.get("c"));
    assertThrows(IllegalArgumentException.class, () -> s.put("../x", InputStream.nullInputStream(), 0, Map.of()));
  }

  @Test
  void failedPutLeavesNothingVisible() throws IOException {
    Path dir = TestDirs.create(LocalStoreTest.class, "fail");
    LocalStore s = new LocalStore(dir);
    InputStream broken = new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (n++ > 100_000) {
          throw new IOException("source died");
        }
        return 7;
      }
    };
    assertThrows(StoreException.class, () -> s.put("snap", broken, -1, Map.of()));
    assertEquals(List.of(), s.listAll());
    assertEquals(List.of(), s.listTemporary());
  }

  @Test
  void stagedUploadsAreHiddenUntilRenamedAndAbortsLeaveNothing() throws IOException {
    Path dir = TestDirs.create(LocalStoreTest.class, "staged");
    LocalStore s = new LocalStore(dir);
    BackupStore.StagedUpload up = s.stage("m1");
    assertTrue(up.temporaryName().startsWith(LocalStore.TEMP_PREFIX + "m1-"), up.temporaryName());
    up.stream().write("snapshot".getBytes());
    assertEquals(8, up.finish());
    assertEquals(List.of(), s.listAll(), "a finished temporary is not listed");
    assertEquals(List.of(up.temporaryName()), s.listTemporary().stream().map(StoredObject::name).toList());
    assertTrue(Temporaries.ownedBy(up.temporaryName(), "m1"));
    assertThrows(StoreException.class, () -> s.publish(up.temporaryName(), "snap", 9, Map.of()), "wrong size");
    s.publish(up.temporaryName(), "snap", 8, Map.of());
    s.deleteTemporary(up.temporaryName()); // already renamed: nothing to do
    assertEquals(List.of("snap"), s.listAll().stream().map(StoredObject::name).toList());
    assertEquals(List.of(), s.listTemporary());

    BackupStore.StagedUpload aborted = s.stage("m1");
    aborted.stream().write(new byte[100_000]);
    aborted.close(); // not finished: aborted
    assertEquals(List.of(), s.listTemporary());
    assertThrows(IllegalArgumentException.class, () -> s.stage("bad/owner"));
    assertThrows(IllegalArgumentException.class, () -> s.deleteTemporary("snap"));
  }
}
