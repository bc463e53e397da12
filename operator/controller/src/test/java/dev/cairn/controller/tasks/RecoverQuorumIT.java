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
import dev.cairn.api.v1alpha1.RecoverQuorumConfig;
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
  /** What the agent of a member with an empty volume reports. */
  private static final MemberReport EMPTY = new MemberReport(null, null, -1, false, false);
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
      w.agents.reports.put("rq-1", EMPTY);
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
        assertTrue(msg.contains("rq-0: revision 90") && msg.contains("rq-1: revision -1, etcd stopped, data dir absent") && msg.contains("rq-2: revision 120"),
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
      w.agents.reports.put("old-2", EMPTY);
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
      w.create(etcd("auto", bucket));
      w.awaitEtcdReady("auto");
      enableAutomaticRecovery(w, "auto", false);
      String clusterId = w.etcd("auto").getStatus().getClusterID();
      w.agents.reports.put("auto-0", new MemberReport("a0", clusterId, 50, true, true));
      // Their volumes hold no data: the agents answer at once, with no revision. (An unreadable data
      // directory would make them unknown and the task would wait: see RecoverySourceTest.)
      w.agents.reports.put("auto-1", new MemberReport(null, null, -1, false, false));
      w.agents.reports.put("auto-2", new MemberReport(null, null, -1, false, false));
      loseQuorum(w, "auto");
      await("an automatic RecoverQuorum task", () -> automatic(w).size() == 1);
      EtcdOpsTask t = automatic(w).get(0);
      assertEquals(TaskType.RECOVER_QUORUM, t.getSpec().getType());
      assertEquals(Boolean.FALSE, t.getSpec().getRecoverQuorum().getAllowUnknownMembers(),
          "unknown members are written off only when the Etcd says so");
      awaitScaledToZero(w, t.getMetadata().getName());
      revive(w, "auto");
      w.awaitPhase(t.getMetadata().getName(), TaskPhase.SUCCEEDED, LONG);
      assertTrue(w.step(t.getMetadata().getName(), Steps.SELECT_SOURCE).getMessage().startsWith("Keeping auto-0"));
      Harness.sleep(1000);
      assertEquals(1, automatic(w).size(), "one task per quorum loss");
    }
  }

  /**
   * spec.recovery.allowUnknownMembers: the automatic task may write off a member nobody can ask (its
   * node gone with a local volume), keeping the best member that answered, and finishes without a person.
   */
  @Test
  void automaticRecoveryWritesOffAnUnaskableMemberOnlyWhenTheEtcdAllowsIt() throws Exception {
    String bucket = s3.createBucket();
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("night", bucket));
      w.awaitEtcdReady("night");
      enableAutomaticRecovery(w, "night", true);
      String clusterId = w.etcd("night").getStatus().getClusterID();
      w.agents.reports.put("night-0", new MemberReport("a0", clusterId, 50, true, true));
      w.agents.reports.put("night-1", new MemberReport(null, null, -1, false, false));
      w.agents.unreachable.add("night-2");
      loseQuorum(w, "night");
      await("an automatic RecoverQuorum task", () -> automatic(w).size() == 1);
      EtcdOpsTask t = automatic(w).get(0);
      assertEquals(Boolean.TRUE, t.getSpec().getRecoverQuorum().getAllowUnknownMembers());
      awaitScaledToZero(w, t.getMetadata().getName());
      String choice = w.step(t.getMetadata().getName(), Steps.SELECT_SOURCE).getMessage();
      assertTrue(choice.startsWith("Keeping night-0"), choice);
      assertTrue(choice.contains("Counted as holding no data (spec.recoverQuorum.allowUnknownMembers): night-2."), choice);
      w.agents.unreachable.clear(); // the member comes back on a new node, with a new volume
      revive(w, "night");
      w.awaitPhase(t.getMetadata().getName(), TaskPhase.SUCCEEDED, LONG);
    }
  }

  /**
   * Turns automatic recovery on once the cluster is ready. On from creation, the tests' 1 s grace
   * period could act on the moment a forming cluster reports quorum lost (its first member reports a
   * cluster ID before the others run), leaving a second, failed task for the count.
   */
  private static void enableAutomaticRecovery(TaskWorld w, String etcd, boolean allowUnknownMembers) {
    w.edit(etcd, e -> {
      e.getSpec().getRecovery().setAutomatic(true);
      e.getSpec().getRecovery().setAllowUnknownMembers(allowUnknownMembers);
    });
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

  private static TaskStep awaitStepRunning(TaskWorld w, String task, String step, String messageStart) {
    await(task + " " + step + " running with a message starting '" + messageStart + "'", () -> {
      TaskStep s = w.step(task, step);
      return s != null && s.getState() == StepState.RUNNING && s.getMessage() != null
          && s.getMessage().startsWith(messageStart);
    }, () -> w.describe(task));
    return w.step(task, step);
  }

  private static void awaitScaledToZero(TaskWorld w, String task) {
    await(task + " scaled to 0", () -> w.step(task, Steps.SCALE_TO_ZERO) != null
        && w.step(task, Steps.SCALE_TO_ZERO).getState() == StepState.SUCCEEDED, () -> w.describe(task));
  }

  /**
   * The rehearsal's case: the member with the newest data is the one whose agent does not answer, and
   * the store is newer than every member that does. The task waits (nothing decided, nothing changed)
   * instead of restoring from the store, and keeps that member once it answers.
   */
  @Test
  void aMemberThatCannotBeAskedIsWaitedForNotWrittenOff() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots.s3(s3, bucket, NS, "wait").full(100);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("wait", bucket));
      w.awaitEtcdReady("wait");
      String clusterId = w.etcd("wait").getStatus().getClusterID();
      loseQuorum(w, "wait");
      w.agents.reports.put("wait-0", new MemberReport("a0", clusterId, 90, true, true));
      w.agents.unreachable.add("wait-1");
      w.agents.reports.put("wait-2", EMPTY);
      w.create(TaskWorld.task("patient", "wait", TaskType.RECOVER_QUORUM));

      String msg = awaitStepRunning(w, "patient", Steps.SELECT_SOURCE, "Cannot choose a source yet: wait-1 (")
          .getMessage();
      assertTrue(msg.contains("connection refused") && msg.contains("could not be asked"), msg);
      assertTrue(msg.contains("wait-0: revision 90") && msg.contains("wait-2: revision -1"), msg);
      assertTrue(msg.contains("Asking again until") && msg.contains("unknownMembersTimeout 2m"), msg);
      assertTrue(msg.contains("spec.recoverQuorum.allowUnknownMembers: true"), msg);
      // Asked again and again; still nothing decided and nothing changed.
      await("wait-1 asked three times", () -> w.agents.calls.stream().filter("memberStatus wait-1"::equals).count() >= 3);
      assertEquals(TaskPhase.RUNNING, w.phase("patient"));
      assertNull(TaskWorld.annotations(w.task("patient")).get(Plan.ANNOTATION), "no plan while a member is unknown");
      assertEquals(3, w.client.apps().statefulSets().inNamespace(NS).withName("wait").get().getSpec().getReplicas());
      assertEquals(Set.of("data-wait-0", "data-wait-1", "data-wait-2"), volumes(w));

      // Its agent answers: its data is the newest, newer than the store, and it is kept.
      w.agents.reports.put("wait-1", new MemberReport("a1", clusterId, 150, false, true));
      w.agents.unreachable.remove("wait-1");
      awaitScaledToZero(w, "patient");
      String choice = w.step("patient", Steps.SELECT_SOURCE).getMessage();
      assertTrue(choice.startsWith("Keeping wait-1 (revision 150, newest backup at revision 100)"), choice);
      revive(w, "wait");
      w.cluster.leader.put("wait", "wait-1");
      w.agents.reports.clear();
      w.agents.reports.put("wait-1", new MemberReport("a1", clusterId, 150, true, true));
      w.awaitPhase("patient", TaskPhase.SUCCEEDED, LONG);
      assertEquals(List.of(3, 0, 2, 3), w.cluster.replicaHistory.get("wait"), "members 0..1 so that member 1 runs");
    }
  }

  /**
   * An unknownMembersTimeout beyond the maximum is refused in so many words, before any member is asked,
   * instead of being cut short by the step's own timeout.
   */
  @Test
  void refusesAnUnknownMembersTimeoutOverTheMaximum() throws Exception {
    String bucket = s3.createBucket();
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("long", bucket));
      w.awaitEtcdReady("long");
      loseQuorum(w, "long");
      EtcdOpsTask t = TaskWorld.task("long-wait", "long", TaskType.RECOVER_QUORUM);
      t.getSpec().setRecoverQuorum(new RecoverQuorumConfig());
      t.getSpec().getRecoverQuorum().setUnknownMembersTimeout("48h");
      w.create(t);
      w.awaitPhase("long-wait", TaskPhase.FAILED, LONG);
      TaskStep failed = w.step("long-wait", Steps.SELECT_SOURCE);
      assertEquals(StepState.FAILED, failed.getState());
      String why = failed.getMessage();
      assertTrue(why.startsWith("spec.recoverQuorum.unknownMembersTimeout is 48h, longer than the maximum "), why);
      assertTrue(why.contains("Nothing was changed."), why);
      assertNull(w.etcd("long").getStatus().getReconcileSuspendedBy());
      assertEquals(Set.of("data-long-0", "data-long-1", "data-long-2"), volumes(w));
    }
  }

  /**
   * Members that stay unanswering fail the task after spec.recoverQuorum.unknownMembersTimeout, having
   * changed nothing; with allowUnknownMembers they count as empty and the task chooses without them.
   */
  @Test
  void givesUpOnMembersThatStayUnaskedAndChoosesWithoutThemOnlyWhenAllowed() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots.s3(s3, bucket, NS, "gone").full(100);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("gone", bucket));
      w.awaitEtcdReady("gone");
      String clusterId = w.etcd("gone").getStatus().getClusterID();
      loseQuorum(w, "gone");
      w.agents.reports.put("gone-0", new MemberReport("a0", clusterId, 90, true, true));
      w.agents.unreachable.add("gone-1");
      w.agents.unreachable.add("gone-2");

      EtcdOpsTask bounded = TaskWorld.task("bounded", "gone", TaskType.RECOVER_QUORUM);
      bounded.getSpec().setRecoverQuorum(new RecoverQuorumConfig());
      bounded.getSpec().getRecoverQuorum().setUnknownMembersTimeout("2s");
      w.create(bounded);
      w.awaitPhase("bounded", TaskPhase.FAILED, LONG);
      TaskStep failed = w.step("bounded", Steps.SELECT_SOURCE);
      assertEquals(StepState.FAILED, failed.getState());
      String why = failed.getMessage();
      assertTrue(why.startsWith("Cannot choose a source yet: gone-1 (the agent at http://"), why);
      assertTrue(why.contains("gone-2 (") && why.contains("connection refused"), why);
      assertTrue(why.contains("Gave up after asking for 2s (spec.recoverQuorum.unknownMembersTimeout). Nothing was"
          + " changed."), why);
      assertTrue(why.contains("spec.recoverQuorum.allowUnknownMembers: true"), why);
      String reason = w.task("bounded").getStatus().getConditions().get(0).getMessage();
      assertTrue(reason.endsWith("Nothing was changed; the spec reconcile is resumed."), reason);
      assertNull(w.etcd("gone").getStatus().getReconcileSuspendedBy());
      assertEquals(3, w.client.apps().statefulSets().inNamespace(NS).withName("gone").get().getSpec().getReplicas());
      assertEquals(Set.of("data-gone-0", "data-gone-1", "data-gone-2"), volumes(w));

      EtcdOpsTask allowed = TaskWorld.task("allowed", "gone", TaskType.RECOVER_QUORUM);
      allowed.getSpec().setRecoverQuorum(new RecoverQuorumConfig());
      allowed.getSpec().getRecoverQuorum().setAllowUnknownMembers(true);
      allowed.getMetadata().setAnnotations(new java.util.HashMap<>(java.util.Map.of(TaskReconciler.PAUSE_BEFORE_STEP,
          Steps.SCALE_TO_ZERO)));
      w.create(allowed);
      w.awaitPausedBefore("allowed", Steps.SCALE_TO_ZERO);
      String choice = w.step("allowed", Steps.SELECT_SOURCE).getMessage();
      assertTrue(choice.startsWith("Restoring member 0 from the store (newest backup at revision 100, newer than the"
          + " best member gone-0 at revision 90)"), choice);
      assertTrue(choice.contains("Counted as holding no data (spec.recoverQuorum.allowUnknownMembers): gone-1, gone-2."),
          choice);
      assertTrue(choice.contains("Restoring full snapshot ") && choice.contains("-> revision 100"), choice);
      w.client.resource(w.task("allowed")).delete(); // held before any change: nothing to undo
      await("suspension cleared", () -> w.etcd("gone").getStatus().getReconcileSuspendedBy() == null);
    }
  }

  /**
   * A Restore deleted after member 0's agent took up its directive: the agent finishes the restore on
   * its own and member 0 comes back as a new cluster. The old cluster ID is forgotten when the task
   * goes, so the new one is learned and the Etcd does not stay stuck on ClusterIDMismatch.
   */
  @Test
  void aRestoreTakenUpByTheAgentButDeletedHalfWayLetsTheNewClusterIdBeLearned() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "adopt");
    store.full(300);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("adopt", bucket));
      w.awaitEtcdReady("adopt");
      String oldId = w.etcd("adopt").getStatus().getClusterID();
      w.agents.directiveOutcomes.put("adopt-0", new FakeAgents.Outcome("pending", null));
      EtcdOpsTask restore = TaskWorld.task("adopt-restore", "adopt", TaskType.RESTORE);
      restore.getSpec().setRestore(new dev.cairn.api.v1alpha1.RestoreConfig());
      restore.getSpec().getRestore().setRevision(300L);
      w.create(restore);
      awaitStepRunning(w, "adopt-restore", Steps.START_MEMBER, "");
      await("StartMember waits for the pending directive", () -> w.step("adopt-restore", Steps.START_MEMBER)
          .getMessage().contains("pending"), () -> w.describe("adopt-restore"));
      assertEquals(oldId, w.etcd("adopt").getStatus().getClusterID(), "kept while the task runs");

      // Member 0 comes up restored, a new cluster with a new ID, while the operator still knows the old
      // one (its agent still answers "pending" when asked: it is the agent, not the task, that finishes).
      String newId = "4e3c1a5e4e3c1a5e";
      w.cluster.clusterIds.put("adopt", newId);
      await("adopt-0 reported with the new cluster ID (ClusterIDMismatch)", () -> {
        var ms = w.etcd("adopt").getStatus().getMembers();
        return ms != null && ms.stream().anyMatch(m -> "adopt-0".equals(m.getName())
            && "ClusterIDMismatch".equals(m.getReason()));
      }, () -> String.valueOf(w.etcd("adopt").getStatus()));
      w.client.resource(w.task("adopt-restore")).delete();
      await("suspension cleared", () -> w.etcd("adopt").getStatus().getReconcileSuspendedBy() == null);
      await("the new cluster ID learned", () -> newId.equals(w.etcd("adopt").getStatus().getClusterID()),
          () -> String.valueOf(w.etcd("adopt").getStatus()));
      w.awaitEtcdReady("adopt");
      var mismatch = w.etcd("adopt").getStatus().getConditions().stream()
          .filter(c -> "ClusterIDMismatch".equals(c.getType())).findFirst().orElseThrow();
      assertEquals("False", mismatch.getStatus(), mismatch.getMessage());
      var events = w.client.v1().events().inNamespace(NS).list().getItems().stream()
          .filter(ev -> "ReconcileResumed".equals(ev.getReason())).map(ev -> ev.getMessage()).toList();
      assertTrue(events.stream().anyMatch(m -> m.contains("adopt-0's agent had taken up the restore (directive"
          + " pending)") && m.contains("the old cluster ID " + oldId + " is forgotten")), events.toString());
    }
  }

  /**
   * A Restore whose member 0 never reports the directive done, deleted half way (the rehearsal's back
   * out): the cluster ID was kept, so once member 0 runs on its old data without the members whose
   * volumes went, the Etcd says QuorumLost (not "no member reported"), and automatic recovery acts.
   */
  @Test
  void aTaskDeletedHalfWayLeavesAQuorumLossThatAutomaticRecoveryRepairs() throws Exception {
    String bucket = s3.createBucket();
    StoredSnapshots store = StoredSnapshots.s3(s3, bucket, NS, "stuck");
    store.full(300);
    store.delta(301, 350);
    try (TaskWorld w = TaskWorld.start()) {
      StoredSnapshots.createCredentials(w.client, NS);
      w.create(etcd("stuck", bucket));
      w.awaitEtcdReady("stuck");
      enableAutomaticRecovery(w, "stuck", false);
      String clusterId = w.etcd("stuck").getStatus().getClusterID();
      w.agents.withoutDirective.add("stuck-0");
      EtcdOpsTask restore = TaskWorld.task("stuck-restore", "stuck", TaskType.RESTORE);
      restore.getSpec().setRestore(new dev.cairn.api.v1alpha1.RestoreConfig());
      restore.getSpec().getRestore().setRevision(320L);
      w.create(restore);
      String waiting = awaitStepRunning(w, "stuck-restore", Steps.START_MEMBER, "").getMessage();
      await("StartMember says the agent holds no directive", () -> w.step("stuck-restore", Steps.START_MEMBER)
          .getMessage().contains("its agent holds no directive yet"), () -> w.describe("stuck-restore"));
      assertEquals(Set.of("data-stuck-0"), volumes(w), "the other members' volumes are gone: " + waiting);
      assertEquals(clusterId, w.etcd("stuck").getStatus().getClusterID(), "kept until the restore is confirmed");

      // Member 0 runs on its old data, whose membership still lists the two members whose volumes went.
      w.cluster.leader.put("stuck", "nobody");
      w.cluster.notReady.add("stuck-1");
      w.cluster.notReady.add("stuck-2");
      w.agents.reports.put("stuck-0", new MemberReport("a0", clusterId, 350, true, true));
      w.agents.reports.put("stuck-1", EMPTY);
      w.agents.reports.put("stuck-2", EMPTY);
      w.client.resource(w.task("stuck-restore")).delete();
      await("suspension cleared", () -> w.etcd("stuck").getStatus().getReconcileSuspendedBy() == null);
      await("directive removed", () -> directive(w, "stuck") == null);
      await("QuorumLost, not NoMembersReported", () -> {
        var c = Steps.ready(w.etcd("stuck"));
        return c != null && "False".equals(c.getStatus()) && "QuorumLost".equals(c.getReason());
      }, () -> String.valueOf(Steps.ready(w.etcd("stuck"))));

      await("an automatic RecoverQuorum task", () -> automatic(w).size() == 1);
      String auto = automatic(w).get(0).getMetadata().getName();
      awaitScaledToZero(w, auto);
      revive(w, "stuck");
      w.cluster.leader.put("stuck", "stuck-0");
      w.agents.withoutDirective.clear();
      w.awaitPhase(auto, TaskPhase.SUCCEEDED, LONG);
      String choice = w.step(auto, Steps.SELECT_SOURCE).getMessage();
      assertTrue(choice.startsWith("Keeping stuck-0 (revision 350, newest backup at revision 350)"), choice);
      w.awaitEtcdReady("stuck");
    }
  }
}
