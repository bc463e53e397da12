package dev.cairn.agent.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SnapshotMetadataTest {

  @Test
  void jsonRoundTripAndUserMetadata() throws IOException {
    SnapshotName n = new SnapshotName(SnapshotKind.FULL, 0, 42, Instant.parse("2025-01-01T00:00:00Z"), Compression.GZIP, true);
    String hash = TokenHash.hash("the-token");
    SnapshotMetadata m = new SnapshotMetadata(n.objectName(), SnapshotKind.FULL, 0, 42, n.created(), 1234, "aa", "bb",
        Compression.GZIP, "sha256:0011", "cid", "mid", "etcd-0", "3.4.23", hash, 0, true);
    SnapshotMetadata back = SnapshotMetadata.fromJson(m.toJson());
    assertEquals(m, back);
    assertEquals(n, back.name());
    assertEquals("42", m.toUserMetadata().get("cairn-end-revision"));
    assertTrue(TokenHash.matches("the-token", hash));
    assertFalse(TokenHash.matches("another", hash));
    assertFalse(new String(m.toJson(), StandardCharsets.UTF_8).contains("the-token"));
    assertThrows(IOException.class, () -> SnapshotMetadata.fromJson("{\"formatVersion\":9}".getBytes()));
  }
}
