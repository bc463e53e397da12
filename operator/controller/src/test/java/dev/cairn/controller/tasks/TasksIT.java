package dev.cairn.controller.tasks;

import static dev.cairn.controller.tasks.TaskWorld.NS;
import static dev.cairn.controller.testing.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.TokenHash;
import dev.cairn.api.Annotations;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.RecoverQuorumConfig;
import dev.cairn.api.v1alpha1.RestoreConfig;
import dev.cairn.api.v1alpha1.SecretRef;
import dev.cairn.api.v1alpha1.StepState;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.catalog.SnapshotRecords;
import dev.cairn.controller.catalog.StoredSnapshots;
import dev.cairn.controller.testing.Harness;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Admission and its refusals, TTL, the operation annotation, and the Snapshot and Restore tasks. */
class TasksIT {

  private static S3Server s3;

  @BeforeAll
  static void startStore() {
    s3 = S3Server.start(TestDirs.create(TasksIT.class, "s3"));
  }

  @AfterAll
  static void stopStore() {
    if (s3 != null) {
      s3.close();
    }
  }

  private static String reason(TaskWorld w, String task) {
    return w.task(task).getStatus().getConditions().get(0).getMessage();
  }

  @Test
  void refusesWhatCannotRunAndSaysWhy() {
    try (TaskWorld w = TaskWorld.start()) {
      Etcd plain = Harness.etcd("plain");
      plain.getSpec().setReplicas(1);
      w.create(plain);
      w.awaitEtcdReady("plain");

      EtcdOpsTask snap = TaskWorld.task("snap", "plain", TaskType.SNAPSHOT);
      snap.getSpec().setTtlSecondsAfterFinished(1);
      w.create(snap);
      w.awaitPhase("snap", TaskPhase.REJECTED);
      assertTrue(reason(w, "snap").startsWith("Etcd plain has no spec.backup: there is no store to take a snapshot to."),
          reason(w, "snap"));
      assertEquals("Rejected", w.task("snap").getStatus().getConditions().get(0).getReason());
      assertTrue(w.client.v1().events().inNamespace(NS).list().getItems().stream()
          .anyMatch(e -> "Rejected".equals(e.getReason()) && "snap".equals(e.getInvolvedObject().getName())
              && "Warning".equals(e.getType())));
      await("deleted 1 s after it finished (ttlSecondsAfterFinished)", () -> w.task("snap") == null);

      w.create(TaskWorld.task("healthy", "plain", TaskType.RECOVER_QUORUM));
      w.awaitPhase("healthy", TaskPhase.REJECTED);
      assertTrue(reason(w, "healthy").startsWith("Quorum is not lost: Etcd plain is Ready (Quorate)"), reason(w, "healthy"));

      w.create(TaskWorld.task("nowhere", "missing", TaskType.SNAPSHOT));
      w.awaitPhase("nowhere", TaskPhase.REJECTED);
      assertTrue(reason(w, "nowhere").startsWith("Etcd ns/missing does not exist"), reason(w, "nowhere"));

      EtcdOpsTask restore = TaskWorld.task("restore", "plain", TaskType.RESTORE);
      restore.getSpec().setRestore(new RestoreConfig());
      restore.getSpec().getRestore().setRevision(10L);
      w.create(restore);
      w.awaitPhase("restore", TaskPhase.REJECTED);
      assertTrue(reason(w, "restore").contains("there is no store to restore from"), reason(w, "restore"));

      // One task per Etcd: a forced recovery held before its first change keeps the Etcd busy.
      EtcdOpsTask first = TaskWorld.task("first", "plain", TaskType.RECOVER_QUORUM);
      first.getSpec().setRecoverQuorum(new RecoverQuorumConfig());
      first.getSpec().getRecoverQuorum().setForce(true);
      first.getMetadata().setAnnotations(new HashMap<>(Map.of(TaskReconciler.PAUSE_BEFORE_STEP, Steps.SUSPEND_RECONCILE)));
      w.create(first);
      w.awaitPausedBefore("first", Steps.SUSPEND_RECONCILE);
      w.create(TaskWorld.task("second", "plain", TaskType.RECOVER_QUORUM));
      w.awaitPhase("second", TaskPhase.REJECTED);
      assertTrue(reason(w, "second").startsWith("Task first (RecoverQuorum, Running) is already working on Etcd plain"),
          reason(w, "second"));
      assertEquals(TaskPhase.RUNNING, w.phase("first"));
      assertNull(w.etcd("plain").getStatus().getReconcileSuspendedBy(), "held before it suspended anything");
    }
  }

  @Test
  void theOperationAnnotationTakesSnapshotsThatTheCatalogLists() {
    String bucket = s3.createBucket();
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      Etcd e = StoredSnapshots.s3Backup(Harness.etcd("snapper"), s3, bucket);
      w.create(e);
      w.awaitEtcdReady("snapper");
      w.agents.etcd = "snapper";
      w.agents.store = uncheck(() -> StoredSnapshots.s3(s3, bucket, NS, "snapper"));

      for (String op : List.of(Annotations.OPERATION_SNAPSHOT_FULL, Annotations.OPERATION_SNAPSHOT_DELTA)) {
        w.edit("snapper", x -> x.getMetadata().setAnnotations(new HashMap<>(Map.of(Annotations.OPERATION, op))));
        await("a task for " + op, () -> byAnnotation(w).stream().anyMatch(t -> t.getMetadata().getName().contains(op)));
        EtcdOpsTask t = byAnnotation(w).stream().filter(x -> x.getMetadata().getName().contains(op)).findFirst().orElseThrow();
        await("the annotation removed", () -> w.etcd("snapper").getMetadata().getAnnotations() == null
            || !w.etcd("snapper").getMetadata().getAnnotations().containsKey(Annotations.OPERATION));
        String name = t.getMetadata().getName();
        w.awaitPhase(name, TaskPhase.SUCCEEDED);
        String taken = w.step(name, Steps.TAKE_SNAPSHOT).getMessage();
        assertTrue(taken.startsWith("Stored ") && taken.endsWith("taken by snapper-0."), taken);
        String catalogued = w.step(name, Steps.AWAIT_CATALOG_ENTRY).getMessage();
        assertTrue(catalogued.startsWith("Catalogued as EtcdSnapshot ns.snapper."), catalogued);
        String record = catalogued.substring("Catalogued as EtcdSnapshot ".length(), catalogued.length() - 1);
        assertTrue(w.client.resources(EtcdSnapshot.class).withName(record).get() != null);
      }
      assertEquals(List.of("snapshot full snapper-0", "snapshot delta snapper-0"),
          w.agents.calls.stream().filter(c -> c.startsWith("snapshot")).toList(), "asked the leader, once each");
    }
  }

  private static List<EtcdOpsTask> byAnnotation(TaskWorld w) {
    return w.client.resources(EtcdOpsTask.class).inNamespace(NS).withLabel(TaskTriggers.CREATED_BY, "annotation").list()
        .getItems();
  }

  @Test
  void restoresTheWholeClusterAfterATokenPreflight() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "rs");
    String hash = TokenHash.hash("secret-token");
    SnapshotMetadata full = store.put(SnapshotKind.FULL, 0, 300, hash);
    SnapshotMetadata delta = store.put(SnapshotKind.DELTA, 301, 350, hash);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("tok").endMetadata()
          .addToStringData("token", "secret-token").build()).create();
      Etcd e = StoredSnapshots.s3Backup(Harness.etcd("rs"), s3, bucket);
      e.getSpec().getBackup().setTokenSecretRef(new SecretRef("tok"));
      w.create(e);
      w.awaitEtcdReady("rs");
      String record = SnapshotRecords.recordName(NS, "rs", delta.name());
      await("the delta catalogued", () -> w.client.resources(EtcdSnapshot.class).withName(record).get() != null);

      // Not covered by the deltas, or below every full snapshot: refused before anything changes.
      for (long rev : List.of(400L, 100L)) {
        String name = "rev" + rev;
        EtcdOpsTask t = TaskWorld.task(name, "rs", TaskType.RESTORE);
        t.getSpec().setRestore(new RestoreConfig());
        t.getSpec().getRestore().setRevision(rev);
        w.create(t);
        w.awaitPhase(name, TaskPhase.FAILED);
        String why = w.step(name, Steps.PREFLIGHT).getMessage();
        assertTrue(rev == 400 ? why.startsWith("The restore of revision 400 cannot be planned from s3://")
            && why.contains("the store reaches revisions 300..350") && why.endsWith("Nothing was changed.")
            : why.startsWith("No full snapshot at or below revision 100"), why);
        assertEquals(StepState.PENDING, w.step(name, Steps.SUSPEND_RECONCILE).getState());
      }

      EtcdOpsTask t = TaskWorld.task("restore", "rs", TaskType.RESTORE);
      t.getSpec().setRestore(new RestoreConfig());
      t.getSpec().getRestore().setSnapshotName(record);
      w.create(t);
      w.awaitPhase("restore", TaskPhase.SUCCEEDED, Duration.ofSeconds(60));
      String pre = w.step("restore", Steps.PREFLIGHT).getMessage();
      assertTrue(pre.contains("Token check passed"), pre);
      String prepared = w.step("restore", Steps.PREPARE_MEMBERS).getMessage();
      assertTrue(prepared.contains("\"action\":\"RestoreFromStore\",\"member\":\"rs-0\",\"snapshot\":\"" + delta.object()
          + "\",\"revision\":null,\"allowTokenMismatch\":false"), prepared);
      assertNull(w.etcd("rs").getStatus().getReconcileSuspendedBy());
      assertEquals(List.of(3, 0, 1, 2, 3), w.cluster.replicaHistory.get("rs"), "down to 0, member 0 alone, then one by one");

      // The token Secret changes (another cluster's token): the same snapshot is refused.
      w.client.secrets().inNamespace(NS).withName("tok").edit(s -> new SecretBuilder(s).withData(null)
          .withStringData(Map.of("token", "other-token")).build());
      EtcdOpsTask mismatch = TaskWorld.task("mismatch", "rs", TaskType.RESTORE);
      mismatch.getSpec().setRestore(new RestoreConfig());
      mismatch.getSpec().getRestore().setRevision(300L);
      w.create(mismatch);
      w.awaitPhase("mismatch", TaskPhase.FAILED);
      String why = w.step("mismatch", Steps.PREFLIGHT).getMessage();
      assertTrue(why.startsWith("Token check failed: " + full.object() + " was taken with another backup token"), why);
      assertTrue(why.contains("restore.allowTokenMismatch: true"), why);
      assertTrue(reason(w, "mismatch").endsWith("Nothing was changed; the spec reconcile is resumed.")
          || !reason(w, "mismatch").contains("stays suspended"), reason(w, "mismatch"));
      assertNull(w.etcd("rs").getStatus().getReconcileSuspendedBy());

      // After the rotation, the new token's first delta is catalogued before any full snapshot under it.
      // A restore of it passes a check of that snapshot alone; the agent would refuse the chain (the full
      // snapshot and the older delta carry the old token's hash) after the volumes went. Refused here.
      SnapshotMetadata rotated = store.put(SnapshotKind.DELTA, 351, 400, TokenHash.hash("other-token"));
      String rotatedRecord = SnapshotRecords.recordName(NS, "rs", rotated.name());
      w.client.leases().inNamespace(NS).withName("rs-delta-snapshot").edit(l -> {
        l.getSpec().setHolderIdentity("400");
        l.getSpec().setRenewTime(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
        return l;
      });
      await("the rotated delta catalogued", () -> w.client.resources(EtcdSnapshot.class).withName(rotatedRecord).get()
          != null);
      EtcdOpsTask chain = TaskWorld.task("chain", "rs", TaskType.RESTORE);
      chain.getSpec().setRestore(new RestoreConfig());
      chain.getSpec().getRestore().setSnapshotName(rotatedRecord);
      w.create(chain);
      w.awaitPhase("chain", TaskPhase.FAILED);
      String refused = w.step("chain", Steps.PREFLIGHT).getMessage();
      assertTrue(refused.startsWith("Token check failed: " + full.object() + ", " + delta.object() + " were taken with"
          + " another backup token (their hashes do not match the token in Secret tok) (2 of 3 snapshots of the chain"
          + " full snapshot " + full.object() + " (revision 300) + 2 delta(s) -> revision 400)."), refused);
      assertTrue(refused.contains("restore.allowTokenMismatch: true") && refused.endsWith("Nothing was changed."), refused);
      assertEquals(StepState.PENDING, w.step("chain", Steps.SUSPEND_RECONCILE).getState());
      assertNull(w.etcd("rs").getStatus().getReconcileSuspendedBy());
      assertEquals(3, w.client.apps().statefulSets().inNamespace(NS).withName("rs").get().getSpec().getReplicas());

      // Allowed: the preflight names what it let through, and the restore goes on.
      EtcdOpsTask allowed = TaskWorld.task("chain-allowed", "rs", TaskType.RESTORE);
      allowed.getSpec().setRestore(new RestoreConfig());
      allowed.getSpec().getRestore().setSnapshotName(rotatedRecord);
      allowed.getSpec().getRestore().setAllowTokenMismatch(true);
      allowed.getMetadata().setAnnotations(new HashMap<>(Map.of(TaskReconciler.PAUSE_BEFORE_STEP, Steps.SCALE_TO_ZERO)));
      w.create(allowed);
      w.awaitPausedBefore("chain-allowed", Steps.SCALE_TO_ZERO);
      String let = w.step("chain-allowed", Steps.PREFLIGHT).getMessage();
      assertTrue(let.contains("Token check: " + full.object() + ", " + delta.object() + " were taken with another backup"
          + " token") && let.endsWith("allowed by restore.allowTokenMismatch."), let);
      w.client.resource(w.task("chain-allowed")).delete();
      await("suspension cleared", () -> w.etcd("rs").getStatus().getReconcileSuspendedBy() == null);
    }
  }

  /** The agent's rule without a token: a chain whose snapshots carry a token hash is refused, so Preflight refuses it. */
  @Test
  void hashedSnapshotsAreRefusedWhenTheEtcdHasNoToken() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "untok");
    SnapshotMetadata full = store.put(SnapshotKind.FULL, 0, 100, TokenHash.hash("someone-elses-token"));
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(StoredSnapshots.s3Backup(Harness.etcd("untok"), s3, bucket));
      w.awaitEtcdReady("untok");
      EtcdOpsTask t = TaskWorld.task("untok-restore", "untok", TaskType.RESTORE);
      t.getSpec().setRestore(new RestoreConfig());
      t.getSpec().getRestore().setRevision(100L);
      w.create(t);
      w.awaitPhase("untok-restore", TaskPhase.FAILED);
      String why = w.step("untok-restore", Steps.PREFLIGHT).getMessage();
      assertTrue(why.startsWith("Token check failed: " + full.object() + " carries a token hash, but"
          + " spec.backup.tokenSecretRef is not set"), why);
      assertNull(w.etcd("untok").getStatus().getReconcileSuspendedBy());
    }
  }

  /** Restore and Snapshot resume too: the operator restarted between every pair of their steps. */
  @Test
  void restoreAndSnapshotResumeAfterARestartBetweenEveryPairOfSteps() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "again");
    store.full(300);
    store.delta(301, 350);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(StoredSnapshots.s3Backup(Harness.etcd("again"), s3, bucket));
      w.awaitEtcdReady("again");

      EtcdOpsTask restore = TaskWorld.task("back-to-320", "again", TaskType.RESTORE);
      restore.getSpec().setRestore(new RestoreConfig());
      restore.getSpec().getRestore().setRevision(320L);
      List<String> steps = List.of(Steps.PREFLIGHT, Steps.SUSPEND_RECONCILE, Steps.SCALE_TO_ZERO, Steps.PREPARE_MEMBERS,
          Steps.START_MEMBER, Steps.RESUME_RECONCILE, Steps.VERIFY_MEMBERS);
      w.agents.revision.set(320); // what the member restored to revision 320 reports
      w.runWithRestarts(restore, steps, step -> {
        if (step.equals(Steps.PREPARE_MEMBERS)) {
          String d = w.client.configMaps().inNamespace(NS).withName("again-bootstrap").get().getData().get("directive.json");
          assertTrue(d.contains("\"action\":\"RestoreFromStore\",\"member\":\"again-0\",\"snapshot\":null,"
              + "\"revision\":320"), d);
        }
      });
      w.awaitPhase("back-to-320", TaskPhase.SUCCEEDED, Duration.ofSeconds(60));
      for (String step : steps) {
        assertEquals(1, w.finishedEvents("back-to-320", step), step);
      }
      assertEquals(7, w.task("back-to-320").getStatus().getSteps().stream()
          .filter(s -> s.getState() == StepState.SUCCEEDED).count());

      // The agent refuses the directive (as it does a chain with another token's snapshot): the step
      // fails at once with the agent's words, not after its 15 minutes.
      w.agents.directiveOutcomes.put("again-0", new FakeAgents.Outcome("failed", "token preflight refused snapshot"
          + " 0000000000000000300-full-x.db: its token hash does not match the current backup token Secret"));
      EtcdOpsTask undone = TaskWorld.task("undone", "again", TaskType.RESTORE);
      undone.getSpec().setRestore(new RestoreConfig());
      undone.getSpec().getRestore().setRevision(310L);
      w.create(undone);
      w.awaitPhase("undone", TaskPhase.FAILED, Duration.ofSeconds(60));
      String why = w.step("undone", Steps.START_MEMBER).getMessage();
      assertTrue(why.startsWith("again-0's agent could not carry out this task's restore directive: token preflight"
          + " refused snapshot 0000000000000000300-full-x.db"), why);
      assertTrue(why.contains("restore.allowTokenMismatch: true"), why);
      assertTrue(reason(w, "undone").contains("stays suspended by this task"), reason(w, "undone"));
      w.agents.directiveOutcomes.clear();
      w.client.resource(w.task("undone")).delete(); // hands the cluster back
      await("resumed", () -> w.etcd("again").getStatus().getReconcileSuspendedBy() == null);
      w.awaitEtcdReady("again");

      w.agents.etcd = "again";
      w.agents.store = store;
      EtcdOpsTask snap = TaskWorld.task("snap-again", "again", TaskType.SNAPSHOT);
      w.runWithRestarts(snap, List.of(Steps.TAKE_SNAPSHOT, Steps.AWAIT_CATALOG_ENTRY), step -> { });
      w.awaitPhase("snap-again", TaskPhase.SUCCEEDED);
      assertEquals(1, w.agents.calls.stream().filter(c -> c.startsWith("snapshot full")).count(), "one snapshot taken");
      assertTrue(w.step("snap-again", Steps.AWAIT_CATALOG_ENTRY).getMessage().startsWith("Catalogued as EtcdSnapshot"));
      assertEquals(7, w.restarts, "6 restarts in the restore, 1 in the snapshot");
    }
  }

  private interface Io<T> {
    T get() throws Exception;
  }

  private static <T> T uncheck(Io<T> io) {
    try {
      return io.get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
