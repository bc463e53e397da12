package dev.cairn.controller.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.Compression;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.api.Annotations;
import dev.cairn.api.Labels;
import dev.cairn.api.Patterns;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SnapshotRecordsTest {

  private static final Instant T = Instant.parse("2025-01-01T06:00:00.123Z");

  private static SnapshotName name(SnapshotKind k, long start, long end, Instant created) {
    return new SnapshotName(k, start, end, created, Compression.ZSTD, true);
  }

  @Test
  void namesIdentifyNamespaceEtcdKindAndRevisionsAndFitTheLimit() {
    SnapshotName n = name(SnapshotKind.FULL, 0, 48213, T);
    String r = SnapshotRecords.recordName("platform", "orders", n);
    assertEquals("platform.orders.0000000000000048213-full-0000000000000000000-20250101t060000123z", r);
    assertTrue(r.matches(Patterns.DNS_SUBDOMAIN), r);
    String longest = SnapshotRecords.recordName("n".repeat(63), "e".repeat(45), name(SnapshotKind.DELTA, Long.MAX_VALUE - 1,
        Long.MAX_VALUE - 1, T));
    assertTrue(longest.length() <= 253, longest.length() + " characters");
    assertTrue(longest.matches(Patterns.DNS_SUBDOMAIN));
  }

  @Test
  void recordNamesSortLikeStoreNames() {
    Random rnd = new Random(7);
    List<SnapshotName> names = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      long end = rnd.nextInt(5000);
      boolean full = rnd.nextBoolean();
      names.add(name(full ? SnapshotKind.FULL : SnapshotKind.DELTA, full ? 0 : Math.max(0, end - rnd.nextInt(50)), end,
          T.plusMillis(rnd.nextInt(1_000_000))));
    }
    for (int i = 1; i < names.size(); i++) {
      SnapshotName a = names.get(i - 1);
      SnapshotName b = names.get(i);
      int store = Integer.signum(a.baseName().compareTo(b.baseName()));
      int record = Integer.signum(SnapshotRecords.recordName("ns", "e", a).compareTo(SnapshotRecords.recordName("ns", "e", b)));
      assertEquals(store, record, a.baseName() + " vs " + b.baseName());
    }
  }

  @Test
  void aRecordMirrorsTheMetadataFile() {
    SnapshotName n = name(SnapshotKind.DELTA, 101, 250, T);
    String content = "a".repeat(64);
    SnapshotMetadata meta = new SnapshotMetadata(n.objectName(), SnapshotKind.DELTA, 101, 250, T, 4096, "b".repeat(64),
        content, Compression.ZSTD, "sha256:0123456789abcdef", "cdf818194e3a8c32", "1234", "orders-1", "3.5.17",
        "pbkdf2-sha256$210000$c2FsdA$aGFzaA", 17, false);
    StoredObject o = new StoredObject(n.objectName(), 4096, T);
    EtcdSnapshot s = SnapshotRecords.build("platform", "orders", o, n, meta, "s3://b/platform/orders/" + n.objectName(), null);
    assertEquals("orders", s.getMetadata().getLabels().get(Labels.ETCD_NAME));
    assertEquals("platform", s.getMetadata().getLabels().get(Labels.ETCD_NAMESPACE));
    assertEquals("Delta", s.getMetadata().getLabels().get(Labels.SNAPSHOT_KIND));
    assertEquals(meta.tokenHash(), s.getMetadata().getAnnotations().get(Annotations.TOKEN_HASH));
    assertEquals(List.of(SnapshotRecords.FINALIZER), s.getMetadata().getFinalizers());
    assertEquals(content, s.getSpec().getSha256(), "the API's sha256 is the plain content's");
    assertEquals(101L, s.getSpec().getStartRevision());
    assertEquals(250L, s.getSpec().getEndRevision());
    assertEquals(4096L, s.getSpec().getSize());
    assertEquals("2025-01-01T06:00:00Z", s.getSpec().getCreatedAt());
    assertEquals(dev.cairn.api.v1alpha1.Compression.ZSTD, s.getSpec().getCompression());
    assertTrue(s.getSpec().getEncrypted());
    assertEquals("cdf818194e3a8c32", s.getSpec().getClusterID());
    assertEquals("orders-1", s.getSpec().getMember());
    assertTrue(s.getStatus().getReadyToUse());
    assertNull(s.getStatus().getError());
    assertEquals(n.objectName(), SnapshotRecords.objectName(s).orElseThrow());

    EtcdSnapshot wrongSize = SnapshotRecords.build("platform", "orders", new StoredObject(n.objectName(), 10, T), n, meta,
        "s3://b/x/" + n.objectName(), null);
    assertFalse(wrongSize.getStatus().getReadyToUse());
    assertTrue(wrongSize.getStatus().getError().contains("10 bytes"), wrongSize.getStatus().getError());

    EtcdSnapshot unreadable = SnapshotRecords.build("platform", "orders", o, n, null, "s3://b/x/" + n.objectName(),
        "The metadata file could not be read: bad JSON");
    assertFalse(unreadable.getStatus().getReadyToUse());
    assertEquals(250L, unreadable.getSpec().getEndRevision(), "what the name tells is still there");
    assertNull(unreadable.getMetadata().getAnnotations());
  }

  /**
   * Over random listings, what is protected is exactly the newest chain as the agent's catalog (and
   * garbage collection) sees it, plus any other full snapshot at the same end revision.
   */
  @Test
  void protectionIsTheNewestChain() {
    Random rnd = new Random(42);
    for (int round = 0; round < 500; round++) {
      List<StoredObject> listing = new ArrayList<>();
      long rev = 0;
      int count = 1 + rnd.nextInt(30);
      for (int i = 0; i < count; i++) {
        boolean full = rnd.nextInt(4) == 0;
        SnapshotName n;
        if (full) {
          n = name(SnapshotKind.FULL, 0, rev, T.plusSeconds(i));
        } else {
          long end = rev + 1 + rnd.nextInt(10);
          n = name(SnapshotKind.DELTA, rev + 1, end, T.plusSeconds(i));
          rev = end;
        }
        listing.add(new StoredObject(n.objectName(), 1, T));
        listing.add(new StoredObject(n.metadataName(), 1, T));
      }
      SnapshotCatalog cat = SnapshotCatalog.of(listing);
      long newestFullEnd = cat.newestFull().map(SnapshotCatalog.Entry::endRevision).orElse(-1L);
      Set<String> chain = new HashSet<>();
      cat.newestChain().forEach(e -> chain.add(e.object().name()));
      for (SnapshotCatalog.Entry e : cat.snapshots()) {
        boolean p = SnapshotRecords.isProtected(e.name(), newestFullEnd);
        if (chain.contains(e.object().name())) {
          assertTrue(p, "chain member must be protected: " + e.object().name());
        } else if (p) {
          assertEquals(SnapshotKind.FULL, e.kind(), "only a full at the newest end may be protected besides the chain");
          assertEquals(newestFullEnd, e.endRevision());
        }
        // A lower estimate (a newer full appeared since) never unprotects.
        if (p) {
          assertTrue(SnapshotRecords.isProtected(e.name(), Math.max(0, newestFullEnd - rnd.nextInt(5))));
        }
      }
    }
    assertFalse(SnapshotRecords.isProtected(name(SnapshotKind.DELTA, 1, 5, T), -1), "no full: nothing protected");
  }
}
