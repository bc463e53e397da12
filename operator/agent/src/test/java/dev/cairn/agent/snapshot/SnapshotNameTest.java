package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotNameTest {

  private static final Instant T = Instant.parse("2025-03-04T05:06:07.089Z");

  @Test
  void namesRoundTripAndTellEverything() {
    SnapshotName n = new SnapshotName(SnapshotKind.DELTA, 101, 250, T, Compression.ZSTD, true);
    assertEquals("0000000000000000250-delta-0000000000000000101-20250304T050607089Z.delta.zst.enc", n.objectName());
    assertEquals("0000000000000000250-delta-0000000000000000101-20250304T050607089Z.meta.json", n.metadataName());
    assertEquals(n, SnapshotName.parseObject(n.objectName()).orElseThrow());
    SnapshotName f = new SnapshotName(SnapshotKind.FULL, 0, 7, T, Compression.NONE, false);
    assertEquals(f, SnapshotName.parseObject(f.objectName()).orElseThrow());
    assertTrue(f.objectName().endsWith(".db"));
    assertEquals(f.baseName(), SnapshotName.metadataBaseName(f.metadataName()).orElseThrow());
  }

  @Test
  void foreignNamesAreNotSnapshots() {
    for (String s : List.of("x.db", "0000000000000000250-full-0000000000000000000-20250304T050607089Z.delta",
        "0000000000000000250-delta-0000000000000000101-20250304T050607089Z.db",
        "0000000000000000250-full-0000000000000000000-20250304T050607089Z.db.bz2", ".tmp-foo")) {
      assertTrue(SnapshotName.parseObject(s).isEmpty(), s);
    }
  }

  @Test
  void lexicographicOrderIsRevisionOrderWithTheFullLastAtEqualEnd() {
    List<String> names = new ArrayList<>(List.of(
        new SnapshotName(SnapshotKind.FULL, 0, 200, T, Compression.NONE, false).objectName(),
        new SnapshotName(SnapshotKind.DELTA, 151, 200, T.minusSeconds(5), Compression.GZIP, false).objectName(),
        new SnapshotName(SnapshotKind.DELTA, 201, 1000, T, Compression.NONE, false).objectName(),
        new SnapshotName(SnapshotKind.FULL, 0, 99, T.minusSeconds(60), Compression.NONE, false).objectName()));
    List<String> sorted = new ArrayList<>(names);
    sorted.sort(null);
    assertTrue(sorted.get(0).startsWith("0000000000000000099-full"));
    assertTrue(sorted.get(1).startsWith("0000000000000000200-delta"));
    assertTrue(sorted.get(2).startsWith("0000000000000000200-full"));
    assertTrue(sorted.get(3).startsWith("0000000000000001000-delta"));
  }

  @Test
  void rejectsInvertedRanges() {
    assertThrows(IllegalArgumentException.class, () -> new SnapshotName(SnapshotKind.DELTA, 10, 9, T, Compression.NONE, false));
  }
}
