package dev.cairn.controller.catalog;

import static dev.cairn.controller.testing.Harness.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.api.Annotations;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.controller.testing.Harness;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The catalog against S3Proxy and the mock API server: create, incremental, resync, delete, protect, purge. */
class CatalogIT {

  private static S3Server s3;

  @BeforeAll
  static void startStore() {
    s3 = S3Server.start(TestDirs.create(CatalogIT.class, "s3"));
  }

  @AfterAll
  static void stopStore() {
    if (s3 != null) {
      s3.close();
    }
  }

  /** Test timing: a full resync every 2 s. */
  private static Harness harness() {
    return Harness.start(Harness.testConfig().maxReconcileInterval(Duration.ofSeconds(2)).build());
  }

  private static List<EtcdSnapshot> records(Harness h, String etcd) {
    return h.client.resources(EtcdSnapshot.class).withLabels(SnapshotRecords.selector(NS, etcd)).list().getItems();
  }

  private static Set<String> objects(Harness h, String etcd) {
    return records(h, etcd).stream().map(r -> SnapshotRecords.objectName(r).orElseThrow()).collect(Collectors.toSet());
  }

  private static EtcdSnapshot record(Harness h, String etcd, SnapshotMetadata m) {
    return h.client.resources(EtcdSnapshot.class).withName(SnapshotRecords.recordName(NS, etcd, m.name())).get();
  }

  private static Etcd etcd(String name, String bucket) {
    Etcd e = StoredSnapshots.s3Backup(Harness.etcd(name), s3, bucket);
    e.getSpec().setReplicas(1);
    return e;
  }

  @Test
  void keepsOneRecordPerStoredSnapshot() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "cat");
    SnapshotMetadata f1 = store.full(100);
    SnapshotMetadata d1 = store.delta(101, 150);
    SnapshotMetadata f2 = store.put(SnapshotKind.FULL, 0, 150, "pbkdf2-sha256$210000$c2FsdA$aGFzaA");
    SnapshotMetadata d2 = store.delta(151, 200);
    // An object whose metadata file is not written yet is no snapshot: no record.
    store.store.put("0000000000000000999-delta-0000000000000000201-20250101T010000000Z.delta",
        new ByteArrayInputStream(new byte[] {1}), 1, Map.of());
    try (Harness h = harness()) {
      StoredSnapshots.createCredentials(h.client, NS);
      h.create(etcd("cat", bucket));
      await("4 records", () -> objects(h, "cat").equals(Set.of(f1.object(), d1.object(), f2.object(), d2.object())),
          () -> objects(h, "cat").toString());

      // The operator's own S3 listing, one request per page: small pages see the same snapshots.
      try (EtcdStore es = EtcdStore.open(h.client, h.get("cat"))) {
        for (int page : List.of(1, 2, 3, 1000)) {
          List<String> seen = new java.util.ArrayList<>();
          StoreScan.scan(es, null, page, f -> seen.add(f.object().name()));
          assertEquals(List.of(f1.object(), d1.object(), f2.object(), d2.object()), seen, "page size " + page);
        }
      }

      EtcdSnapshot r = record(h, "cat", f2);
      assertEquals("pbkdf2-sha256$210000$c2FsdA$aGFzaA", r.getMetadata().getAnnotations().get(Annotations.TOKEN_HASH));
      assertEquals("s3://" + bucket + "/ns/cat/" + f2.object(), r.getSpec().getLocation());
      assertEquals(150L, r.getSpec().getEndRevision());
      assertEquals(f2.contentSha256(), r.getSpec().getSha256());
      assertEquals("Full", r.getMetadata().getLabels().get("cairn.dev/snapshot-kind"));
      assertEquals(List.of(SnapshotRecords.FINALIZER), r.getMetadata().getFinalizers());
      await("ready to use", () -> Boolean.TRUE.equals(record(h, "cat", f2).getStatus().getReadyToUse()));
      assertEquals(2, h.client.resources(EtcdSnapshot.class)
          .withLabels(Map.of("cairn.dev/etcd-name", "cat", "cairn.dev/snapshot-kind", "Delta")).list().getItems().size());

      // A stored delta shows at once through the snapshot Lease the agent renews.
      SnapshotMetadata d3 = store.delta(201, 250);
      renew(h, "cat-delta-snapshot", "250");
      await("the new delta catalogued", () -> record(h, "cat", d3) != null);

      // Garbage collection in the store: the next full resync removes the record, and only that one.
      store.remove(d1);
      await("the record of the deleted delta removed", () -> record(h, "cat", d1) == null);
      assertEquals(Set.of(f1.object(), f2.object(), d2.object(), d3.object()), objects(h, "cat"));

      // A record deleted by hand without touching the store comes back at the next resync.
      EtcdSnapshot lost = record(h, "cat", f1);
      new CatalogSync(h.client, CatalogIndex.create(h.client, 1), dev.cairn.controller.reconcile.WriteListener.NONE,
          10, 1).release(lost.getMetadata().getName(), true);
      await("the record made again", () -> record(h, "cat", f1) != null
          && !lost.getMetadata().getUid().equals(record(h, "cat", f1).getMetadata().getUid()));

      h.assertSteadyStateWritesNothing();
    }
  }

  @Test
  void aNewTimelineAfterARestoreIsCataloguedWithoutWaitingForTheResync() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "tl");
    SnapshotMetadata f1 = store.full(100);
    SnapshotMetadata d1 = store.delta(101, 150);
    SnapshotMetadata d2 = store.delta(151, 200);
    // No periodic resync within the test: only the Leases can start a pass.
    try (Harness h = Harness.start(Harness.testConfig().maxReconcileInterval(Duration.ofHours(1)).build())) {
      StoredSnapshots.createCredentials(h.client, NS);
      h.create(etcd("tl", bucket));
      await("3 records", () -> objects(h, "tl").equals(Set.of(f1.object(), d1.object(), d2.object())),
          () -> objects(h, "tl").toString());
      renew(h, "tl-delta-snapshot", "200");
      // A restore to revision 170 started a new timeline (the agent's ADR 0008): d2 moved into
      // archive/ID/ (never listed), a copy of it trimmed to end at 170, then the new timeline's delta,
      // whose names sort before the last one an incremental pass saw.
      store.store.archiveCopy(d2.object(), "restore-x");
      store.remove(d2);
      SnapshotMetadata trimmed = store.delta(151, 170);
      SnapshotMetadata next = store.delta(171, 180);
      renew(h, "tl-delta-snapshot", "180");
      await("the abandoned timeline's record removed and the new one's made", () -> objects(h, "tl")
          .equals(Set.of(f1.object(), d1.object(), trimmed.object(), next.object())), () -> objects(h, "tl").toString());
      assertEquals(1, store.store.listArchived("restore-x").size(), "the archive stays, without a record");
    }
  }

  @Test
  void deletingARecordDeletesTheSnapshotButNeverTheNewestChain() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "guard");
    SnapshotMetadata f1 = store.full(100);
    SnapshotMetadata d1 = store.delta(101, 150);
    SnapshotMetadata f2 = store.full(150);
    SnapshotMetadata d2 = store.delta(151, 200);
    try (Harness h = harness()) {
      StoredSnapshots.createCredentials(h.client, NS);
      h.create(etcd("guard", bucket));
      await("4 records", () -> records(h, "guard").size() == 4);

      delete(h, "guard", f1);
      await("f1 deleted from the store and the catalog", () -> record(h, "guard", f1) == null && !store.exists(f1));
      assertTrue(store.store.stat(f1.name().metadataName()).isEmpty(), "metadata file deleted too");

      delete(h, "guard", f2);
      delete(h, "guard", d2);
      for (SnapshotMetadata m : List.of(f2, d2)) {
        await("deletion of " + m.object() + " refused", () -> record(h, "guard", m).getStatus() != null
            && record(h, "guard", m).getStatus().getError() != null
            && record(h, "guard", m).getStatus().getError().startsWith("Deletion refused"));
        assertTrue(store.exists(m), "the newest chain stays in the store");
        assertNotNull(record(h, "guard", m).getMetadata().getDeletionTimestamp());
        assertTrue(warning(h, SnapshotRecords.recordName(NS, "guard", m.name()), "DeletionRefused"));
      }
      // A delta ending where the newest full ends is covered by it: not protected.
      delete(h, "guard", d1);
      await("d1 deleted", () -> record(h, "guard", d1) == null && !store.exists(d1));

      // Once a newer full snapshot exists the refused deletions go through.
      SnapshotMetadata f3 = store.full(200);
      renew(h, "guard-full-snapshot", "200");
      await("the old chain deleted once superseded", () -> record(h, "guard", f2) == null
          && record(h, "guard", d2) == null, () -> objects(h, "guard").toString());
      assertFalse(store.exists(f2));
      assertFalse(store.exists(d2));
      assertEquals(Set.of(f3.object()), objects(h, "guard"));
    }
  }

  @Test
  void deletingTheEtcdKeepsOrDeletesTheBackupsAsItsPolicySays() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots keep = StoredSnapshots.s3(s3, bucket, NS, "keep");
    StoredSnapshots wipe = StoredSnapshots.s3(s3, bucket, NS, "wipe");
    SnapshotMetadata k1 = keep.full(10);
    SnapshotMetadata k2 = keep.delta(11, 20);
    SnapshotMetadata w1 = wipe.full(10);
    SnapshotMetadata w2 = wipe.delta(11, 20);
    try (Harness h = harness()) {
      StoredSnapshots.createCredentials(h.client, NS);
      h.create(etcd("keep", bucket));
      Etcd w = etcd("wipe", bucket);
      w.getSpec().getDeletionPolicy().setBackups(RetentionPolicy.DELETE);
      h.create(w);
      await("records of both", () -> records(h, "keep").size() == 2 && records(h, "wipe").size() == 2);

      h.client.resources(Etcd.class).inNamespace(NS).withName("keep").delete();
      h.client.resources(Etcd.class).inNamespace(NS).withName("wipe").delete();
      await("both Etcds gone", () -> h.get("keep") == null && h.get("wipe") == null);
      await("wipe's records gone", () -> records(h, "wipe").isEmpty());
      assertFalse(wipe.exists(w1));
      assertFalse(wipe.exists(w2));
      assertTrue(wipe.store.stat(w1.name().metadataName()).isEmpty());
      assertEquals(2, records(h, "keep").size(), "Retain keeps the records");
      assertTrue(keep.exists(k1) && keep.exists(k2), "Retain keeps the snapshots");

      // Without its Etcd (and the store credentials that went with it), a record goes alone.
      delete(h, "keep", k2);
      await("k2's record removed", () -> record(h, "keep", k2) == null);
      assertTrue(keep.exists(k2), "the stored snapshot is kept when the Etcd is gone");
    }
  }

  private static void delete(Harness h, String etcd, SnapshotMetadata m) {
    h.client.resources(EtcdSnapshot.class).withName(SnapshotRecords.recordName(NS, etcd, m.name())).delete();
  }

  private static boolean warning(Harness h, String record, String reason) {
    return h.client.v1().events().inNamespace("default").list().getItems().stream()
        .anyMatch(e -> record.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason())
            && "Warning".equals(e.getType()));
  }

  // What the leader's agent does after storing a snapshot.
  private static void renew(Harness h, String lease, String revision) {
    await("Lease " + lease, () -> h.client.leases().inNamespace(NS).withName(lease).get() != null);
    h.client.leases().inNamespace(NS).withName(lease).edit(l -> {
      Lease c = l;
      c.getSpec().setHolderIdentity(revision);
      c.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
      return c;
    });
  }

  static void assertNoRecord(Harness h, String name) {
    assertNull(h.client.resources(EtcdSnapshot.class).withName(name).get());
  }
}
