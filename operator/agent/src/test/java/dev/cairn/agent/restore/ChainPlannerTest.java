package dev.cairn.agent.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StoredObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainPlannerTest {

  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  /** "F100" a full at 100, "D101-150" a delta; every one with its metadata file. */
  private static SnapshotCatalog store(String... specs) {
    List<StoredObject> listing = new ArrayList<>();
    int i = 0;
    for (String s : specs) {
      SnapshotName n;
      if (s.startsWith("F")) {
        n = new SnapshotName(SnapshotKind.FULL, 0, Long.parseLong(s.substring(1)), T.plusSeconds(i++), Compression.NONE,
            false);
      } else {
        String[] r = s.substring(1).split("-");
        n = new SnapshotName(SnapshotKind.DELTA, Long.parseLong(r[0]), Long.parseLong(r[1]), T.plusSeconds(i++),
            Compression.ZSTD, true);
      }
      listing.add(new StoredObject(n.objectName(), 10, T));
      listing.add(new StoredObject(n.metadataName(), 1, T));
    }
    return SnapshotCatalog.of(listing);
  }

  private static String shape(RestorePlan p) {
    StringBuilder b = new StringBuilder("F" + p.full().endRevision());
    p.deltas().forEach(d -> b.append(" D").append(d.startRevision()).append('-').append(d.endRevision()));
    return b.append(" -> ").append(p.revision()).toString();
  }

  @Test
  void latestIsTheNewestFullAndItsDeltasOverlapsIncluded() throws Exception {
    SnapshotCatalog c = store("F100", "D101-150", "F150", "D151-200", "D151-210", "D201-260");
    assertEquals("F150 D151-200 D151-210 D201-260 -> 260", shape(ChainPlanner.plan(c, RestoreTarget.latest())));
    assertEquals("F100 -> 100", shape(ChainPlanner.plan(store("F100"), RestoreTarget.latest())));
  }

  @Test
  void latestAcrossAGapIsRefusedWithTheLastReachableRevision() {
    RestoreException e = assertThrows(RestoreException.class,
        () -> ChainPlanner.plan(store("F100", "D101-150", "D171-200"), RestoreTarget.latest()));
    assertEquals(RestoreException.Reason.GAP, e.reason());
    assertTrue(e.getMessage().contains("revisions 151..170 are in no delta"), e.getMessage());
    assertTrue(e.getMessage().contains("--revision 150"), e.getMessage());
  }

  @Test
  void aRevisionUsesTheNewestFullBelowItAndStopsThere() throws Exception {
    SnapshotCatalog c = store("F100", "D101-150", "D151-200", "F180", "D201-260");
    assertEquals("F100 D101-150 D151-200 -> 170", shape(ChainPlanner.plan(c, new RestoreTarget.Revision(170))));
    assertEquals("F180 -> 180", shape(ChainPlanner.plan(c, new RestoreTarget.Revision(180))));
    assertEquals("F180 D151-200 -> 181", shape(ChainPlanner.plan(c, new RestoreTarget.Revision(181))));
    assertEquals("F180 D151-200 D201-260 -> 260", shape(ChainPlanner.plan(c, new RestoreTarget.Revision(260))));
  }

  @Test
  void aDeltaThatSpansANewerFullContinuesIt() throws Exception {
    // A former leader's delta started before the newer full: its events above 160 continue that full.
    SnapshotCatalog c = store("F100", "D101-180", "F160", "D181-190");
    assertEquals("F160 D101-180 -> 175", shape(ChainPlanner.plan(c, new RestoreTarget.Revision(175))));
    assertEquals("F160 D101-180 D181-190 -> 190", shape(ChainPlanner.plan(c, RestoreTarget.latest())));
  }

  @Test
  void unreachableRevisionsNameTheReachableRanges() {
    SnapshotCatalog c = store("F100", "D101-150", "D171-200", "F300", "D301-320");
    for (long r : new long[] {50, 160, 400}) {
      RestoreException e = assertThrows(RestoreException.class,
          () -> ChainPlanner.plan(c, new RestoreTarget.Revision(r)));
      assertEquals(RestoreException.Reason.UNREACHABLE_REVISION, e.reason());
      assertTrue(e.getMessage().contains("100..150, 300..320"), e.getMessage());
    }
    RestoreException e = assertThrows(RestoreException.class,
        () -> ChainPlanner.plan(c, new RestoreTarget.Revision(160)));
    assertTrue(e.getMessage().contains("150 (below), 300 (above)"), e.getMessage());
  }

  @Test
  void aNamedSnapshotIsAFullAloneOrADeltasEnd() throws Exception {
    SnapshotCatalog c = store("F100", "D101-150", "D151-200", "F200");
    String full = c.fulls().get(0).object().name();
    assertEquals("F100 -> 100", shape(ChainPlanner.plan(c, new RestoreTarget.Snapshot(full))));
    String delta = c.snapshots().stream().filter(e -> e.endRevision() == 150).findFirst().orElseThrow().name()
        .baseName();
    assertEquals("F100 D101-150 -> 150", shape(ChainPlanner.plan(c, new RestoreTarget.Snapshot(delta))));
    RestoreException e = assertThrows(RestoreException.class,
        () -> ChainPlanner.plan(c, new RestoreTarget.Snapshot("nope")));
    assertEquals(RestoreException.Reason.UNKNOWN_SNAPSHOT, e.reason());
  }

  @Test
  void anEmptyStoreOrDeltasAloneHaveNothingToRestore() {
    assertEquals(RestoreException.Reason.NO_SNAPSHOT,
        assertThrows(RestoreException.class, () -> ChainPlanner.plan(store(), RestoreTarget.latest())).reason());
    assertEquals(RestoreException.Reason.NO_SNAPSHOT, assertThrows(RestoreException.class,
        () -> ChainPlanner.plan(store("D1-10"), RestoreTarget.latest())).reason());
  }

  @Test
  void targetsFromFlags() {
    assertEquals(new RestoreTarget.Latest(), RestoreTarget.of(null, null));
    assertEquals(new RestoreTarget.Revision(5), RestoreTarget.of("", 5L));
    assertThrows(IllegalArgumentException.class, () -> RestoreTarget.of("x", 5L));
    assertThrows(IllegalArgumentException.class, () -> RestoreTarget.of(null, 0L));
  }
}
