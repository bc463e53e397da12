package dev.cairn.controller.tasks;

import static dev.cairn.controller.testing.Harness.await;
import static dev.cairn.controller.tasks.TaskWorld.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.StepState;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskStep;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.catalog.StoredSnapshots;
import dev.cairn.controller.etcd.AgentClient.MemberReport;
import dev.cairn.controller.testing.Harness;
import dev.cairn.testkit.S3Server;
import dev.cairn.testkit.TestDirs;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RecoverQuorum against the mock API server, the fake cluster and fake agents: the whole runbook, with
 * the operator restarted between every pair of steps; recovery from the store when it is newer than
 * every survivor; automatic recovery after the grace period; a deleted task never leaves its cluster
 * suspended.
 */
class RecoverQuorumIT {

  private static final Duration LONG = Duration.ofSeconds(60);
  private static S3Server s3;

  @BeforeAll
  static void startStore() {
    s3 = S3Server.start(TestDirs.create(RecoverQuorumIT.class, "s3"));
  }

  @AfterAll
  static void stopStore() {
    if (s3 != null) {
      s3.close();
    }
  }

  /** A 3-member Etcd with backups, whose quorum loss counts after 1 s. */
  private static Etcd etcd(String name, String bucket) {
    Etcd e = StoredSnapshots.s3Backup(Harness.etcd(name), s3, bucket);
    e.getSpec().getRecovery().setQuorumLossGracePeriod("1s");
    return e;
  }

  /** Members 1 and 2 stop: quorum is lost. */
  private static void loseQuorum(TaskWorld w, String etcd) {
    w.cluster.notReady.add(etcd + "-1");
    w.cluster.notReady.add(etcd + "-2");
    await("quorum lost", () -> {
      var c = dev.cairn.controller.tasks.Steps.ready(w.etcd(etcd));
      return c != null && "False".equals(c.getStatus()) && "QuorumLost".equals(c.getReason());
    });
    Harness.sleep(1200); // beyond the 1 s grace period
  }

  /** The lost members' volumes were replaced: their pods run again as fresh members. */
  private static void revive(TaskWorld w, String etcd) {
    w.cluster.notReady.removeIf(p -> p.startsWith(etcd + "-"));
    w.agents.unreachable.clear();
  }

  private static Set<String> volumes(TaskWorld w) {
    return w.client.persistentVolumeClaims().inNamespace(NS).list().getItems().stream()
        .map(PersistentVolumeClaim::getMetadata).map(m -> m.getName()).collect(Collectors.toSet());
  }

  private static ConfigMap directive(TaskWorld w, String etcd) {
    return w.client.configMaps().inNamespace(NS).withName(etcd + "-bootstrap").get();
  }

  private static String initialCluster(TaskWorld w, String etcd) {
    String yaml = w.client.configMaps().inNamespace(NS).withName(etcd + "-config").get().getData().get("etcd.yaml");
    return yaml.lines().filter(l -> l.startsWith("initial-cluster:")).findFirst().orElseThrow()
        .substring("initial-cluster:".length()).trim().replace("\"", "");
  }

  /**
   * The freshest survivor (member 2, revision 120, newer than the newest backup at 100) is kept and
   * restarted alone; the operator is restarted between every pair of steps, and every step's effect
   * is checked while the task is held before the next.
   */
  @Test
  void keepsTheFreshestSurvivorAndResumesAfterARestartBetweenEveryPairOfSteps() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "rq");
    store.full(100);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("rq", bucket));
      w.awaitEtcdReady("rq");
      String clusterId = w.etcd("rq").getStatus().getClusterID();
      loseQuorum(w, "rq");
      w.agents.reports.put("rq-0", new MemberReport("a0", clusterId, 90, true, true));
      w.agents.unreachable.add("rq-1");
      w.agents.reports.put("rq-2", new MemberReport("a2", clusterId, 120, false, true));

      List<String> steps = List.of(Steps.CHECK_QUORUM_LOST, Steps.SUSPEND_RECONCILE, Steps.SELECT_SOURCE,
          Steps.SCALE_TO_ZERO, Steps.PREPARE_MEMBERS, Steps.START_MEMBER, Steps.RESUME_RECONCILE, Steps.VERIFY_MEMBERS);
      w.runWithRestarts(TaskWorld.task("recover", "rq", TaskType.RECOVER_QUORUM), steps,
          step -> afterStep(w, step, clusterId));
      w.awaitPhase("recover", TaskPhase.SUCCEEDED, LONG);
      assertEquals(steps.size() - 1, w.restarts);

      EtcdOpsTask done = w.task("recover");
      for (TaskStep s : done.getStatus().getSteps()) {
        assertEquals(StepState.SUCCEEDED, s.getState(), s.toString());
        assertNotNull(s.getStartedAt());
        assertNotNull(s.getFinishedAt());
        assertNotNull(s.getMessage());
      }
      // Each step finished exactly once, restarts or not.
      for (String step : steps) {
        assertEquals(1, w.finishedEvents("recover", step), step);
      }
      assertEquals("True", done.getStatus().getConditions().get(0).getStatus());
      assertEquals("Succeeded", done.getStatus().getConditions().get(0).getReason());
      Etcd e = w.etcd("rq");
      assertNull(e.getStatus().getReconcileSuspendedBy());
      assertEquals(3, e.getStatus().getReadyReplicas());
      assertEquals(3, initialCluster(w, "rq").split(",").length, "the Etcd reconciler rewrote initial-cluster");
      assertNull(directive(w, "rq"));
      assertEquals(List.of(3, 0, 3), w.cluster.replicaHistory.get("rq"), "3 -> 0 -> members 0..2 (keeping member 2)");
      assertTrue(w.client.v1().events().inNamespace(NS).list().getItems().stream()
          .anyMatch(ev -> "RecoverQuorumSucceeded".equals(ev.getReason()) && "rq".equals(ev.getInvolvedObject().getName())));
    }
  }

  // What each step left behind, checked while the task is held before the next one.
  private static void afterStep(TaskWorld w, String step, String clusterId) throws Exception {
    Etcd e = w.etcd("rq");
    switch (step) {
      case Steps.CHECK_QUORUM_LOST -> assertTrue(w.step("recover", step).getMessage().startsWith("Quorum lost since"));
      case Steps.SUSPEND_RECONCILE -> {
        assertEquals("recover", e.getStatus().getReconcileSuspendedBy().getTaskName());
        // Suspended: a spec change is not applied (the Etcd reconciler does not fight the task).
        w.edit("rq", x -> x.getSpec().getDeletionPolicy().setVolumes(dev.cairn.api.v1alpha1.RetentionPolicy.DELETE));
        Harness.sleep(1500);
        assertEquals("Retain", w.client.apps().statefulSets().inNamespace(NS).withName("rq").get().getSpec()
            .getPersistentVolumeClaimRetentionPolicy().getWhenDeleted(), "spec not applied while suspended");
      }
      case Steps.SELECT_SOURCE -> {
        String msg = w.step("recover", step).getMessage();
        assertTrue(msg.contains("Keeping rq-2 (revision 120, newest backup at revision 100)"), msg);
        assertTrue(msg.contains("rq-0: revision 90") && msg.contains("rq-1: no answer") && msg.contains("rq-2: revision 120"),
            msg);
        Plan p = Plan.fromJson(TaskWorld.annotations(w.task("recover")).get(Plan.ANNOTATION));
        assertEquals("ForceNewCluster", p.action());
        assertEquals(2, p.ordinal());
        assertEquals(120L, p.memberRevision());
        assertEquals(100L, p.storeRevision());
        assertEquals(3, w.client.apps().statefulSets().inNamespace(NS).withName("rq").get().getSpec().getReplicas(),
            "nothing changed yet");
      }
      case Steps.SCALE_TO_ZERO -> {
        assertEquals(0, w.client.apps().statefulSets().inNamespace(NS).withName("rq").get().getSpec().getReplicas());
        assertTrue(w.client.pods().inNamespace(NS).list().getItems().isEmpty());
        revive(w, "rq");
        w.cluster.leader.put("rq", "rq-2");
        w.agents.reports.clear();
        w.agents.reports.put("rq-2", new MemberReport("a2", clusterId, 120, true, true));
      }
      case Steps.PREPARE_MEMBERS -> {
        assertEquals(Set.of("data-rq-2"), volumes(w));
        List<Lease> leases = w.client.leases().inNamespace(NS).list().getItems().stream()
            .filter(l -> l.getMetadata().getName().matches("rq-[0-9]")).toList();
        assertEquals(List.of("rq-2"), leases.stream().map(l -> l.getMetadata().getName()).toList());
        assertNull(leases.get(0).getSpec().getHolderIdentity(), "a fresh Lease: the old holder does not count");
        assertEquals("rq-2=http://rq-2.rq-peer.ns.svc:2380", initialCluster(w, "rq"));
        JsonNode d = new ObjectMapper().readTree(directive(w, "rq").getData().get("directive.json"));
        assertEquals(w.task("recover").getMetadata().getUid(), d.get("id").asText());
        assertEquals("ForceNewCluster", d.get("action").asText());
        assertEquals("rq-2", d.get("member").asText());
        assertTrue(d.get("snapshot").isNull());
        assertEquals("recover", w.etcd("rq").getStatus().getReconcileSuspendedBy().getTaskName());
      }
      case Steps.START_MEMBER -> {
        assertEquals(3, w.client.apps().statefulSets().inNamespace(NS).withName("rq").get().getSpec().getReplicas(),
            "members 0..2 so that member 2 runs; 0 and 1 join empty");
        assertTrue(w.step("recover", step).getMessage().contains("rq-2 is ready and leads a one-member cluster at revision 120"));
        assertNotNull(directive(w, "rq"), "the directive stays until the member is confirmed");
      }
      case Steps.RESUME_RECONCILE -> {
        assertNull(directive(w, "rq"));
        assertNull(e.getStatus().getReconcileSuspendedBy());
      }
      default -> { }
    }
  }

  /** Every survivor is older than the newest backup: member 0 is restored from the store. */
  @Test
  void restoresMemberZeroFromTheStoreWhenTheBackupIsNewer() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "old");
    store.full(400);
    store.delta(401, 500);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("old", bucket));
      w.awaitEtcdReady("old");
      loseQuorum(w, "old");
      String clusterId = w.etcd("old").getStatus().getClusterID();
      w.agents.reports.put("old-0", new MemberReport("a0", clusterId, 300, true, true));
      w.agents.reports.put("old-1", new MemberReport("a1", "0ther", 900, false, true)); // another cluster's volume
      w.agents.unreachable.add("old-2");
      w.create(TaskWorld.task("back", "old", TaskType.RECOVER_QUORUM));
      await("scaled to 0", () -> w.step("back", Steps.SCALE_TO_ZERO) != null
          && w.step("back", Steps.SCALE_TO_ZERO).getState() == StepState.SUCCEEDED, () -> w.describe("back"));
      revive(w, "old");
      w.agents.reports.clear();
      w.agents.revision.set(500); // what the restored member reports
      w.awaitPhase("back", TaskPhase.SUCCEEDED, LONG);
      String choice = w.step("back", Steps.SELECT_SOURCE).getMessage();
      assertTrue(choice.startsWith("Restoring member 0 from the store (newest backup at revision 500, newer than the best"
          + " member old-0 at revision 300)"), choice);
      assertTrue(choice.contains("old-1: revision 900, etcd stopped, data dir present, cluster 0ther (another cluster's"
          + " data: not used)"), choice);
      String prepared = w.step("back", Steps.PREPARE_MEMBERS).getMessage();
      assertTrue(prepared.contains("\"action\":\"RestoreFromStore\",\"member\":\"old-0\",\"snapshot\":null,"
          + "\"revision\":null"), prepared);
      assertTrue(volumes(w).containsAll(Set.of("data-old-0", "data-old-1", "data-old-2")), "members back with volumes");
      assertEquals(clusterId, w.etcd("old").getStatus().getClusterID(), "the cluster ID was learned again");
    }
  }

  /** With spec.recovery.automatic the operator creates the task itself, once per quorum loss. */
  @Test
  void automaticRecoveryAfterTheGracePeriod() throws Exception {
    String bucket = s3.createBucket();
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      Etcd e = etcd("auto", bucket);
      e.getSpec().getRecovery().setAutomatic(true);
      w.create(e);
      w.awaitEtcdReady("auto");
      String clusterId = w.etcd("auto").getStatus().getClusterID();
      w.agents.reports.put("auto-0", new MemberReport("a0", clusterId, 50, true, true));
      w.agents.unreachable.add("auto-1");
      w.agents.unreachable.add("auto-2");
      loseQuorum(w, "auto");
      await("an automatic RecoverQuorum task", () -> automatic(w).size() == 1);
      EtcdOpsTask t = automatic(w).get(0);
      assertEquals(TaskType.RECOVER_QUORUM, t.getSpec().getType());
      await("scaled to 0", () -> w.step(t.getMetadata().getName(), Steps.SCALE_TO_ZERO) != null
          && w.step(t.getMetadata().getName(), Steps.SCALE_TO_ZERO).getState() == StepState.SUCCEEDED);
      revive(w, "auto");
      w.awaitPhase(t.getMetadata().getName(), TaskPhase.SUCCEEDED, LONG);
      assertTrue(w.step(t.getMetadata().getName(), Steps.SELECT_SOURCE).getMessage().startsWith("Keeping auto-0"));
      Harness.sleep(1000);
      assertEquals(1, automatic(w).size(), "one task per quorum loss");
    }
  }

  private static List<EtcdOpsTask> automatic(TaskWorld w) {
    return w.client.resources(EtcdOpsTask.class).inNamespace(NS)
        .withLabel(TaskTriggers.CREATED_BY, "automatic-recovery").list().getItems();
  }

  /** A task deleted half way never leaves its Etcd unmanaged: the suspension and the directive go. */
  @Test
  void aDeletedTaskLeavesNoSuspensionBehind() throws Exception {
    String bucket = s3.createBucket();
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("orphan", bucket));
      w.awaitEtcdReady("orphan");
      EtcdOpsTask t = TaskWorld.task("stuck", "orphan", TaskType.RECOVER_QUORUM);
      t.getSpec().setRecoverQuorum(new dev.cairn.api.v1alpha1.RecoverQuorumConfig());
      t.getSpec().getRecoverQuorum().setForce(true);
      t.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(TaskReconciler.PAUSE_BEFORE_STEP,
          Steps.SCALE_TO_ZERO)));
      w.create(t);
      w.awaitPausedBefore("stuck", Steps.SCALE_TO_ZERO);
      assertEquals(StepState.SKIPPED, w.step("stuck", Steps.CHECK_QUORUM_LOST).getState(), "force skips the check");
      assertEquals("stuck", w.etcd("orphan").getStatus().getReconcileSuspendedBy().getTaskName());
      w.client.resource(w.task("stuck")).delete();
      await("suspension cleared", () -> w.etcd("orphan").getStatus().getReconcileSuspendedBy() == null);
      await("ReconcileResumed event", () -> w.client.v1().events().inNamespace(NS).list().getItems().stream()
          .anyMatch(ev -> "ReconcileResumed".equals(ev.getReason())));
      // Back in charge: a spec change is applied again.
      w.edit("orphan", x -> x.getSpec().getEtcd().setSnapshotCount(9876L));
      await("spec applied again", () -> w.client.configMaps().inNamespace(NS).withName("orphan-config").get().getData()
          .get("etcd.yaml").contains("9876"));
    }
  }
}
