package dev.cairn.agent.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.LocalStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archives of abandoned timelines go after the retention, on a real local store, and only those that
 * {@code cairn store archive-remove} would remove without --force.
 */
class ArchiveRetentionTest {

  private static final Instant NOW = Instant.parse("2026-11-21T12:00:00Z");
  private static final Duration WEEK = Duration.ofDays(7);

  @TempDir Path dir;

  private static String record(String id, String state, Instant started, String newestFullAfter) {
    // The restore record as TimelineArchiver writes it (format version 1).
    return """
        {"formatVersion":1,"archive":"%s","revision":40,"target":"revision 40","state":"%s","startedAt":"%s",
         "moved":["0000000000000000050-delta-0000000000000000041-20261101T000000000Z.delta"],"trimmed":null,
         "newestFullAfter":%s}
        """.formatted(id, state, started, newestFullAfter == null ? "null" : "\"" + newestFullAfter + "\"");
  }

  private static void archive(LocalStore store, String id, String recordJson) throws Exception {
    store.putArchived(id, "0000000000000000050-delta-0000000000000000041-20261101T000000000Z.delta", new byte[] {1, 2});
    store.putArchived(id, "0000000000000000050-delta-0000000000000000041-20261101T000000000Z.meta.json",
        "{}".getBytes(StandardCharsets.UTF_8));
    if (recordJson != null) {
      store.putArchived(id, "restore.json", recordJson.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String liveFull(LocalStore store, long revision, Instant created) throws Exception {
    SnapshotName n = new SnapshotName(SnapshotKind.FULL, 0, revision, created, Compression.NONE, false);
    store.put(n.objectName(), new ByteArrayInputStream(new byte[] {7}), 1, Map.of());
    byte[] meta = "{}".getBytes(StandardCharsets.UTF_8);
    store.put(n.metadataName(), new ByteArrayInputStream(meta), meta.length, Map.of());
    return n.objectName();
  }

  private GarbageCollector gc(LocalStore store, Duration retention) {
    return new GarbageCollector(store, new LimitBasedPolicy(10), null, Duration.ofHours(1),
        Clock.fixed(NOW, ZoneOffset.UTC), retention);
  }

  @Test
  void onlyFinishedExplainedArchivesOlderThanTheRetentionGo() throws Exception {
    LocalStore store = new LocalStore(dir.resolve("store"));
    String full = liveFull(store, 60, NOW.minus(Duration.ofHours(2)));
    archive(store, "old-done", record("old-done", "done", NOW.minus(Duration.ofDays(10)), null));
    archive(store, "old-archiving", record("old-archiving", "archiving", NOW.minus(Duration.ofDays(10)), null));
    archive(store, "old-unexplained", null);
    archive(store, "old-garbled", "not json");
    // The newest restore, with the live full snapshot it found as the newest: its timeline has no own base yet.
    archive(store, "newest-no-base", record("newest-no-base", "done", NOW.minus(Duration.ofDays(8)), full));

    // A folder put there by hand under a name that is no archive id: reported, and no obstacle to the others.
    java.nio.file.Files.createDirectories(store.directory().resolve("archive").resolve("bad name"));
    java.nio.file.Files.writeString(store.directory().resolve("archive").resolve("bad name").resolve("x"), "x");
    assertEquals(0, gc(store, null).run().archives(), "without a retention every archive stays");
    assertEquals(6, store.listArchives().size());

    GarbageCollector collector = gc(store, WEEK);
    GarbageCollector.Result r = collector.run();
    assertEquals(1, r.archives());
    assertEquals(List.of("bad name", "newest-no-base", "old-archiving", "old-garbled", "old-unexplained"),
        store.listArchives(), "only old-done went");
    archive(store, "old-done-2", record("old-done-2", "done", NOW.minus(Duration.ofDays(9)), null));
    assertEquals(0, collector.run().archives(), "archives are looked at once an hour, not at every GC run");
    assertEquals(1, gc(store, WEEK).run().archives(), "a collector whose hour is up takes it");
    assertEquals(List.of(), store.listArchived("old-done"));
    assertEquals(1, store.listAll().stream().filter(o -> o.name().equals(full)).count(), "live snapshots untouched");

    // Once the new timeline has its own base, the newest restore's archive may go too.
    liveFull(store, 61, NOW.minus(Duration.ofMinutes(5)));
    assertEquals(1, gc(store, WEEK).run().archives());
    assertEquals(List.of("bad name", "old-archiving", "old-garbled", "old-unexplained"), store.listArchives());

    // A younger archive stays until its week is over.
    archive(store, "recent-done", record("recent-done", "done", NOW.minus(Duration.ofDays(6)), null));
    assertEquals(0, gc(store, WEEK).run().archives());
    assertEquals(1, gc(store, Duration.ofDays(5)).run().archives());
    assertEquals(List.of("bad name", "old-archiving", "old-garbled", "old-unexplained"), store.listArchives(),
        "an archive being filled or that nothing explains is never collected");
  }
}
