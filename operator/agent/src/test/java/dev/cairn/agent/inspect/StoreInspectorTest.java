package dev.cairn.agent.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.store.LocalStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archive listing and removal on a directory store (the S3 side runs in the cli's StoreCommandIT). */
class StoreInspectorTest {

  @TempDir Path dir;

  private static byte[] record(String id, String state) {
    return ("{\"formatVersion\":1,\"archive\":\"" + id + "\",\"revision\":7,\"target\":\"revision 7\",\"state\":\""
        + state + "\",\"startedAt\":\"2026-11-21T09:00:00Z\",\"moved\":[\"x\"]}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void listsArchivesAndRemovesOnlyFinishedOnesWholly() throws Exception {
    LocalStore store = new LocalStore(dir);
    String obj = "0000000000000000009-delta-0000000000000000008-20261121T090000000Z.delta";
    store.put(obj, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3, Map.of());
    store.archiveCopy(obj, "done-1");
    store.putArchived("done-1", "restore.json", record("done-1", "done"));
    store.archiveCopy(obj, "busy-1");
    store.putArchived("busy-1", "restore.json", record("busy-1", "archiving"));
    store.archiveCopy(obj, "foreign");
    StoreInspector in = new StoreInspector(store);
    // A folder someone made by hand under a name no restore gives: listed with the problem, not fatal.
    java.nio.file.Files.createDirectories(store.directory().resolve("archive").resolve("old copy"));
    java.nio.file.Files.writeString(store.directory().resolve("archive").resolve("old copy").resolve("f"), "x");

    List<StoreInspector.Archive> all = in.archives();
    assertEquals(List.of("busy-1", "done-1", "foreign", "old copy"),
        all.stream().map(StoreInspector.Archive::id).toList());
    assertTrue(all.get(3).recordProblem().startsWith("not a folder a cairn restore made: invalid archive id"),
        all.get(3).recordProblem());
    StoreInspector.Archive done = all.get(1);
    assertEquals("done", done.record().state());
    assertEquals(1, done.snapshots());
    assertNull(done.recordProblem());
    assertTrue(all.get(2).recordProblem().contains("holds no record"), all.get(2).recordProblem());

    StoreInspector.Refused busy = assertThrows(StoreInspector.Refused.class, () -> in.removeArchive("busy-1", false));
    assertTrue(busy.getMessage().contains("still archiving"), busy.getMessage());
    assertEquals(2, store.listArchived("busy-1").size(), "an unfinished archive is kept");
    StoreInspector.Refused none = assertThrows(StoreInspector.Refused.class, () -> in.removeArchive("nope", false));
    assertTrue(none.getMessage().contains("busy-1, done-1, foreign"), none.getMessage());

    StoreInspector.Removal r = in.removeArchive("done-1", false);
    assertEquals(List.of(obj, "restore.json"), r.removed(), "the record goes last");
    assertFalse(Files.exists(dir.resolve("archive").resolve("done-1")), "the folder goes with its last file");
    assertEquals(List.of("busy-1", "foreign", "old copy"), store.listArchives(), "removing one archive works beside"
        + " a folder that is no archive");
    StoreInspector.RecordUnknown noRecord =
        assertThrows(StoreInspector.RecordUnknown.class, () -> in.removeArchive("foreign", false));
    assertTrue(noRecord.getMessage().contains("cannot tell whether its restore finished"), noRecord.getMessage());
    assertEquals(1, store.listArchived("foreign").size(), "an archive without a record is kept without force");
    assertEquals(List.of(obj), in.removeArchive("foreign", true).removed(), "with force it goes");
    assertTrue(store.stat(obj).isPresent(), "the live object is untouched");
  }

  @Test
  void keepsAnArchiveWhoseRecordCannotBeParsedUnlessForced() throws Exception {
    LocalStore store = new LocalStore(dir);
    String obj = "0000000000000000009-delta-0000000000000000008-20261121T090000000Z.delta";
    store.put(obj, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3, Map.of());
    store.archiveCopy(obj, "torn-1");
    store.putArchived("torn-1", "restore.json", "{\"formatVersion\":1,\"archive\":".getBytes(StandardCharsets.UTF_8));
    StoreInspector in = new StoreInspector(store);

    StoreInspector.Archive torn = in.archive("torn-1");
    assertNull(torn.record());
    assertTrue(torn.recordProblem().contains("cannot be read"), torn.recordProblem());
    StoreInspector.RecordUnknown refused =
        assertThrows(StoreInspector.RecordUnknown.class, () -> in.planArchiveRemoval("torn-1", false));
    assertTrue(refused.getMessage().contains("cannot tell whether its restore finished")
        && refused.getMessage().contains("--force"), refused.getMessage());
    assertThrows(StoreInspector.RecordUnknown.class, () -> in.removeArchive("torn-1", false));
    assertEquals(2, store.listArchived("torn-1").size(), "nothing is removed without force");
    assertEquals(List.of(obj, "restore.json"), in.removeArchive("torn-1", true).removed());
    assertEquals(List.of(), store.listArchives());
  }
}
