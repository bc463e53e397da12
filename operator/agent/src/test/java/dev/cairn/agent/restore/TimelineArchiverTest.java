package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.store.BackupStore;
import dev.cairn.agent.store.LocalStore;
import java.io.ByteArrayInputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The archiving step on a directory store, with names only (no etcd): what it moves and what it refuses. */
class TimelineArchiverTest {

  private static final String FULL = "0000000000000000010-full-0000000000000000000-20261121T090000000Z.db.gz";
  private static final String DELTA = "0000000000000000020-delta-0000000000000000010-20261121T090100000Z.delta";
  private static final String LATE = "0000000000000000030-delta-0000000000000000020-20261121T090200000Z.delta";

  @TempDir Path dir;

  private static void put(BackupStore s, String name) throws Exception {
    s.put(name, new ByteArrayInputStream(new byte[] {1}), 1, Map.of());
  }

  private static String meta(String object) {
    return object.substring(0, object.indexOf('.')) + ".meta.json";
  }

  /** The store, except that the first removal lets an old leader upload {@code upload} (object only). */
  private static BackupStore oldLeaderUploadsDuringArchiving(LocalStore local, String upload) {
    AtomicBoolean uploaded = new AtomicBoolean();
    return (BackupStore) Proxy.newProxyInstance(BackupStore.class.getClassLoader(), new Class<?>[] {BackupStore.class},
        (proxy, m, args) -> {
          try {
            Object res = m.invoke(local, args);
            if (m.getName().equals("delete") && uploaded.compareAndSet(false, true)) {
              put(local, upload);
            }
            return res;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void theNewestRecordSkipsAnUnparseableOne() throws Exception {
    LocalStore store = new LocalStore(dir);
    put(store, FULL);
    store.archiveCopy(FULL, "good");
    store.putArchived("good", TimelineArchiver.RECORD, ("{\"formatVersion\":1,\"archive\":\"good\",\"revision\":10,"
        + "\"target\":\"revision 10\",\"state\":\"done\",\"startedAt\":\"2026-11-21T09:00:00Z\",\"moved\":[]}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    store.archiveCopy(FULL, "torn");
    store.putArchived("torn", TimelineArchiver.RECORD, "{\"formatVersion\":1,".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    store.archiveCopy(FULL, "bad-date");
    store.putArchived("bad-date", TimelineArchiver.RECORD, "{\"formatVersion\":1,\"startedAt\":\"yesterday\"}"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));

    assertEquals("good", TimelineArchiver.newestRecord(store).orElseThrow().archive());
    TimelineArchiver.UnreadableRecord torn =
        assertThrows(TimelineArchiver.UnreadableRecord.class, () -> TimelineArchiver.readRecord(store, "torn"));
    assertTrue(torn.getMessage().contains("archive/torn/restore.json"), torn.getMessage());
    assertThrows(TimelineArchiver.UnreadableRecord.class, () -> TimelineArchiver.readRecord(store, "bad-date"));
  }

  @Test
  void failsWhenAnObjectAboveTheRevisionArrivesWithoutMetadataDuringArchiving() throws Exception {
    LocalStore local = new LocalStore(dir);
    for (String n : List.of(FULL, meta(FULL), DELTA, meta(DELTA))) {
      put(local, n);
    }
    SnapshotCatalog cat = SnapshotCatalog.of(local.listAll());
    SnapshotCatalog.Entry full = cat.newestFull().orElseThrow();
    RestorePlan plan = new RestorePlan(new RestoreTarget.Snapshot(FULL), full, List.of(), 10);
    BackupStore store = oldLeaderUploadsDuringArchiving(local, LATE);

    RestoreException e = assertThrows(RestoreException.class,
        () -> new TimelineArchiver(store, null, dir.resolve("scratch"), Clock.systemUTC()).archive("r-1", plan));
    assertEquals(RestoreException.Reason.STORE, e.reason());
    assertTrue(e.getMessage().contains(LATE) && e.getMessage().contains("run the restore again"), e.getMessage());
    assertFalse(TimelineArchiver.readRecord(local, "r-1").orElseThrow().done(), "the record is not marked done");

    // With the old leader stopped, the same restore again moves the late object aside and finishes.
    TimelineArchiver.Record rec =
        new TimelineArchiver(local, null, dir.resolve("scratch"), Clock.systemUTC()).archive("r-1", plan);
    assertTrue(rec.done());
    assertTrue(rec.moved().contains(LATE), rec.moved().toString());
    assertFalse(local.stat(LATE).isPresent());
    assertEquals(10, SnapshotCatalog.of(local.listAll()).newestEndRevision());
  }

  /**
   * The same restore id again after it finished, with a newer snapshot to move: the record says
   * archiving (dated now) while files move, so archive retention never takes the folder meanwhile.
   */
  @Test
  void aRerunOfAFinishedRestoreMarksItsRecordArchivingAgainBeforeMoving() throws Exception {
    LocalStore local = new LocalStore(dir);
    for (String n : List.of(FULL, meta(FULL), DELTA, meta(DELTA))) {
      put(local, n);
    }
    SnapshotCatalog.Entry full = SnapshotCatalog.of(local.listAll()).newestFull().orElseThrow();
    RestorePlan plan = new RestorePlan(new RestoreTarget.Snapshot(FULL), full, List.of(), 10);
    java.time.Instant first = java.time.Instant.parse("2026-10-01T00:00:00Z");
    TimelineArchiver.Record done = new TimelineArchiver(local, null, dir.resolve("scratch"),
        Clock.fixed(first, java.time.ZoneOffset.UTC)).archive("r-2", plan);
    assertTrue(done.done());
    assertEquals(first, done.startedAt());

    put(local, LATE);
    put(local, meta(LATE));
    List<String> statesWhileMoving = new java.util.ArrayList<>();
    BackupStore watching = (BackupStore) Proxy.newProxyInstance(BackupStore.class.getClassLoader(),
        new Class<?>[] {BackupStore.class}, (proxy, m, args) -> {
          if (m.getName().equals("archiveCopy")) {
            statesWhileMoving.add(TimelineArchiver.readRecord(local, "r-2").orElseThrow().state());
          }
          try {
            return m.invoke(local, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    java.time.Instant second = java.time.Instant.parse("2026-11-21T00:00:00Z");
    TimelineArchiver.Record again = new TimelineArchiver(watching, null, dir.resolve("scratch"),
        Clock.fixed(second, java.time.ZoneOffset.UTC)).archive("r-2", plan);
    assertEquals(List.of("archiving", "archiving"), statesWhileMoving, "the late object and its metadata");
    assertTrue(again.done());
    assertEquals(second, again.startedAt(), "a new archiving, dated anew");
    assertTrue(again.moved().contains(LATE) && again.moved().contains(DELTA), again.moved().toString());
  }
}
