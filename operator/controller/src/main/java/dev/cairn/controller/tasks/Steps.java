package dev.cairn.controller.tasks;

import dev.cairn.agent.restore.ChainPlanner;
import dev.cairn.agent.restore.RestoreException;
import dev.cairn.agent.restore.RestorePlan;
import dev.cairn.agent.restore.RestoreTarget;
import dev.cairn.agent.snapshot.SnapshotCatalog;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.snapshot.TokenHash;
import dev.cairn.agent.store.StorePage;
import dev.cairn.agent.store.StoredObject;
import dev.cairn.api.ConditionTypes;
import dev.cairn.api.GoDuration;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberStatus;
import dev.cairn.api.v1alpha1.RecoverQuorumConfig;
import dev.cairn.api.v1alpha1.RestoreConfig;
import dev.cairn.api.v1alpha1.SnapshotTaskConfig;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.catalog.EtcdStore;
import dev.cairn.controller.catalog.SnapshotRecords;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.AgentClient.MemberReport;
import dev.cairn.controller.etcd.AgentException;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.status.MemberLease;
import dev.cairn.controller.status.Times;
import dev.cairn.controller.tasks.RecoverySource.Action;
import dev.cairn.controller.tasks.RecoverySource.Decision;
import dev.cairn.controller.tasks.RecoverySource.Survivor;
import dev.cairn.controller.tasks.Step.Outcome;
import dev.cairn.controller.tasks.TaskRun.StepFailure;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The steps of each task type, in order. RecoverQuorum automates the quorum-loss runbook (seed 003)
 * and keeps the freshest surviving data; Restore brings the whole cluster back to a snapshot or a
 * revision; Snapshot asks the leader's agent for one now.
 */
final class Steps {

  static final String CHECK_QUORUM_LOST = "CheckQuorumLost";
  static final String SUSPEND_RECONCILE = "SuspendReconcile";
  static final String SELECT_SOURCE = "SelectSource";
  static final String PREFLIGHT = "Preflight";
  static final String SCALE_TO_ZERO = "ScaleToZero";
  static final String PREPARE_MEMBERS = "PrepareMembers";
  static final String START_MEMBER = "StartMember";
  static final String RESUME_RECONCILE = "ResumeReconcile";
  static final String VERIFY_MEMBERS = "VerifyMembers";
  static final String TAKE_SNAPSHOT = "TakeSnapshot";
  static final String AWAIT_CATALOG_ENTRY = "AwaitCatalogEntry";

  /** The first step that changes the cluster; a failure before it leaves the cluster as it was. */
  static final String FIRST_CHANGE = SCALE_TO_ZERO;

  private static final Duration SHORT = Duration.ofMinutes(5);
  private static final Duration MEMBERS_GONE = Duration.ofMinutes(10);
  private static final Duration MEMBER_READY = Duration.ofMinutes(15);
  private static final Duration ALL_READY = Duration.ofMinutes(30);
  private static final Duration AGENT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration DEFAULT_UNKNOWN_WAIT = Duration.ofMinutes(2);
  /** The longest spec.recoverQuorum.unknownMembersTimeout accepted; SelectSource's own timeout lies beyond it. */
  static final Duration MAX_UNKNOWN_WAIT = Duration.ofHours(24);

  private Steps() {}

  static List<Step> of(TaskType type, Duration snapshotTimeout) {
    return switch (type) {
      case RECOVER_QUORUM -> List.of(
          Step.of(CHECK_QUORUM_LOST, SHORT, Steps::checkQuorumLost),
          Step.of(SUSPEND_RECONCILE, SHORT, Steps::suspend),
          // Bounded inside: by spec.recoverQuorum.unknownMembersTimeout (at most MAX_UNKNOWN_WAIT) while
          // members cannot be asked, by SHORT while the store cannot be read. The step's own timeout lies
          // beyond both, so that it never cuts the wait short with a less precise message.
          Step.of(SELECT_SOURCE, MAX_UNKNOWN_WAIT.plus(SHORT).plus(SHORT), Steps::selectSource),
          Step.of(SCALE_TO_ZERO, MEMBERS_GONE, Steps::scaleToZero),
          Step.of(PREPARE_MEMBERS, MEMBERS_GONE, Steps::prepareMembers),
          Step.of(START_MEMBER, MEMBER_READY, Steps::startMember),
          Step.of(RESUME_RECONCILE, SHORT, Steps::resume),
          Step.of(VERIFY_MEMBERS, ALL_READY, Steps::verifyMembers));
      case RESTORE -> List.of(
          Step.of(PREFLIGHT, SHORT, Steps::preflight),
          Step.of(SUSPEND_RECONCILE, SHORT, Steps::suspend),
          Step.of(SCALE_TO_ZERO, MEMBERS_GONE, Steps::scaleToZero),
          Step.of(PREPARE_MEMBERS, MEMBERS_GONE, Steps::prepareMembers),
          Step.of(START_MEMBER, MEMBER_READY, Steps::startMember),
          Step.of(RESUME_RECONCILE, SHORT, Steps::resume),
          Step.of(VERIFY_MEMBERS, ALL_READY, Steps::verifyMembers));
      case SNAPSHOT -> List.of(
          Step.of(TAKE_SNAPSHOT, snapshotTimeout, Steps::takeSnapshot),
          new Step() {
            @Override
            public String name() {
              return AWAIT_CATALOG_ENTRY;
            }

            @Override
            public Duration timeout() {
              return Duration.ofMinutes(2);
            }

            @Override
            public Outcome run(TaskRun run) {
              return awaitCatalogEntry(run);
            }

            @Override
            public Outcome timedOut(TaskRun run, String lastMessage) {
              return Outcome.skipped(lastMessage + " Not catalogued within 2 minutes; the snapshot is stored all the"
                  + " same and appears at the catalog's next resync.");
            }
          });
    };
  }

  // ---- RecoverQuorum ----

  static Outcome checkQuorumLost(TaskRun run) {
    Etcd e = run.requireEtcd();
    if (run.task.getSpec().getRecoverQuorum() != null && Boolean.TRUE.equals(run.task.getSpec().getRecoverQuorum().getForce())) {
      return Outcome.skipped("spec.recoverQuorum.force is true: quorum loss not checked.");
    }
    String why = Admission.quorumNotLost(e, run.now, Admission.minQuorumLoss(run.tasks, e));
    if (why != null) {
      return Outcome.failed(why + " Nothing was changed.");
    }
    Condition c = ready(e);
    return Outcome.done("Quorum lost since " + c.getLastTransitionTime() + " (Ready=False, " + c.getReason() + ").");
  }

  static Outcome suspend(TaskRun run) {
    Etcd e = run.requireEtcd();
    String holder = ClusterOps.suspendedBy(e);
    if (run.taskName().equals(holder)) {
      return Outcome.done("Spec reconcile of " + run.etcdName() + " suspended since "
          + e.getStatus().getReconcileSuspendedBy().getSince() + " (status.reconcileSuspendedBy); the spec itself is"
          + " untouched.");
    }
    if (holder != null && run.tasks.activeTask(run.namespace(), holder)) {
      throw new StepFailure("Etcd " + run.etcdName() + " is suspended by task " + holder + ", which has not finished.");
    }
    run.ops().suspend(e, run.task, run.now);
    return Outcome.waiting("Suspending the spec reconcile of " + run.etcdName() + ".");
  }

  static Outcome selectSource(TaskRun run) throws Exception {
    Plan recorded = run.plan();
    if (recorded != null) {
      return Outcome.done(describe(recorded));
    }
    Etcd e = run.requireEtcd();
    requireSuspended(run, e);
    RecoverQuorumConfig rq = run.task.getSpec().getRecoverQuorum() == null ? new RecoverQuorumConfig()
        : run.task.getSpec().getRecoverQuorum();
    boolean allowUnknown = Boolean.TRUE.equals(rq.getAllowUnknownMembers());
    Duration bound = unknownMembersTimeout(rq);
    if (bound.compareTo(MAX_UNKNOWN_WAIT) > 0) {
      throw new StepFailure("spec.recoverQuorum.unknownMembersTimeout is " + rq.getUnknownMembersTimeout()
          + ", longer than the maximum " + GoDuration.format(MAX_UNKNOWN_WAIT) + ". Nothing was changed. Create the"
          + " task again with at most " + GoDuration.format(MAX_UNKNOWN_WAIT) + "; a member that cannot be asked for"
          + " a day needs a person to look at it (or allowUnknownMembers: true when its data may be lost).");
    }
    Instant started = run.stepStarted == null ? run.now : run.stepStarted;
    Duration elapsed = Duration.between(started, run.now);
    List<Survivor> survivors = survey(run, e);
    OptionalLong store = OptionalLong.empty();
    if (e.getSpec().getBackup() != null) {
      try (EtcdStore s = EtcdStore.open(run.tasks.client, e)) {
        store = OptionalLong.of(run.tasks.newestEnd(s));
      } catch (IOException ex) {
        return storeUnreadable("Cannot read the store to compare the members with the newest backup: "
            + ex.getMessage() + ".", elapsed);
      }
    }
    String clusterId = e.getStatus() == null ? null : e.getStatus().getClusterID();
    Decision d = RecoverySource.choose(survivors, store, clusterId, allowUnknown);
    if (d.action() == Action.WAIT) {
      String wayOut = " If they cannot be brought back and what they hold may be lost, create a new task with"
          + " spec.recoverQuorum.allowUnknownMembers: true (they then count as holding no data, and their volumes are"
          + " deleted).";
      if (elapsed.compareTo(bound) >= 0) {
        throw new StepFailure(d.reason() + " Gave up after asking for " + GoDuration.format(bound)
            + " (spec.recoverQuorum.unknownMembersTimeout). Nothing was changed. Bring their agents back (check their"
            + " pods, nodes and the operator's access to the agent port) and create the task again." + wayOut);
      }
      return Outcome.waiting(d.reason() + " Asking again until " + Times.format(started.plus(bound))
          + " (spec.recoverQuorum.unknownMembersTimeout " + GoDuration.format(bound) + "), then failing. Nothing was"
          + " changed." + wayOut);
    }
    if (d.action() == Action.NONE) {
      throw new StepFailure(d.reason() + " Nothing was changed.");
    }
    String chainNote = "";
    if (d.action() == Action.RESTORE_FROM_STORE) {
      // The agent checks every object of the chain before it restores: refuse here, before the members
      // are stopped and their volumes deleted, what it would refuse later.
      try (EtcdStore s = EtcdStore.open(run.tasks.client, e)) {
        Checked c = checkChain(run, e, s, RestoreTarget.latest(), false, " (RecoverQuorum has no such setting; a"
            + " Restore task needs no quorum: it restores the whole cluster from the store.)");
        chainNote = " Restoring " + c.plan().describe() + ". " + c.tokenNote();
      } catch (IOException ex) {
        // The chain check reads every object of the chain: the same bound as the listing above, or a
        // store that lists but cannot be read would hold the suspended Etcd for the step's whole timeout.
        return storeUnreadable("Cannot read the store to check the chain to restore: " + ex.getMessage() + ".",
            elapsed);
      }
    }
    Plan plan = new Plan(d.action().value(), d.ordinal(), Names.pod(e, d.ordinal()),
        d.action() == Action.FORCE_NEW_CLUSTER ? d.memberRevision() : null,
        d.storeRevision().isPresent() ? d.storeRevision().getAsLong() : null, null, null,
        d.action() == Action.FORCE_NEW_CLUSTER ? d.memberRevision() : d.storeRevision().getAsLong(), false);
    run.recordPlan(plan);
    run.tasks.events.normal(e, "RecoverySourceChosen", d.reason());
    return Outcome.done(d.reason() + chainNote);
  }

  /**
   * SelectSource while the store cannot be read: waiting for up to {@link #SHORT} since the step
   * started, then failing, nothing having changed yet.
   */
  static Outcome storeUnreadable(String why, Duration elapsed) {
    if (elapsed.compareTo(SHORT) > 0) {
      throw new StepFailure(why + " Gave up after " + SHORT.toMinutes() + " minutes. Nothing was changed.");
    }
    return Outcome.waiting(why + " Nothing was changed; retrying.");
  }

  private static Duration unknownMembersTimeout(RecoverQuorumConfig rq) {
    try {
      return rq.getUnknownMembersTimeout() == null ? DEFAULT_UNKNOWN_WAIT : GoDuration.parse(rq.getUnknownMembersTimeout());
    } catch (RuntimeException ex) {
      return DEFAULT_UNKNOWN_WAIT; // the CRD's pattern admits only durations; a client bypassing it gets the default
    }
  }

  // Every member's report, asked at the same time: agents answer without quorum (Maintenance.Status of
  // their own etcd, or the db on disk when etcd is down). A member whose pod or volume exists but whose
  // agent does not answer is unknown: it may hold data nobody could look at.
  private static List<Survivor> survey(TaskRun run, Etcd e) throws InterruptedException {
    Map<Integer, Pod> pods = run.ops().pods(e);
    Set<Integer> volumes = run.ops().volumeOrdinals(e);
    StatefulSet sts = run.ops().statefulSet(e);
    int n = Math.max(e.getSpec().getReplicas(), sts == null ? 0 : sts.getSpec().getReplicas());
    for (int o : pods.keySet()) {
      n = Math.max(n, o + 1);
    }
    List<CompletableFuture<Survivor>> asks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int ordinal = i;
      String member = Names.pod(e, i);
      Pod pod = pods.get(i);
      if (pod == null) {
        asks.add(CompletableFuture.completedFuture(volumes.contains(i)
            ? Survivor.unknown(i, member, "no pod to ask; its volume " + Names.dataVolumeClaim(e, i) + " exists")
            : Survivor.absent(i, member, "no pod and no volume")));
        continue;
      }
      AgentClient.Target target = run.ops().agentTarget(e, i, pod);
      asks.add(CompletableFuture.supplyAsync(() -> {
        try {
          return Survivor.answered(ordinal, member, run.tasks.agents.memberStatus(target, AGENT_TIMEOUT));
        } catch (AgentException ex) {
          return Survivor.unknown(ordinal, member, ex.getMessage());
        }
      }, run.tasks.executor));
    }
    List<Survivor> out = new ArrayList<>();
    for (CompletableFuture<Survivor> f : asks) {
      try {
        out.add(f.get(AGENT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS));
      } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
        out.add(Survivor.unknown(out.size(), Names.pod(e, out.size()), "no answer in " + (AGENT_TIMEOUT.toSeconds() + 5)
            + " s"));
      }
    }
    return out;
  }

  private static String describe(Plan p) {
    if (p.restore() && p.snapshot() == null && p.revision() == null) {
      return "Restoring member 0 from the newest backup (revision " + p.storeRevision() + ")"
          + (p.memberRevision() != null ? "; the best member had revision " + p.memberRevision() : "") + ".";
    }
    if (p.restore()) {
      return "Restoring member 0 from the store: " + (p.snapshot() != null ? "snapshot " + p.snapshot()
          : "revision " + p.revision()) + ".";
    }
    return "Keeping " + p.member() + " (revision " + p.memberRevision() + (p.storeRevision() == null
        ? ", no backups configured" : p.storeRevision() > 0 ? ", newest backup at revision " + p.storeRevision()
        : ", no snapshot in the store") + "): it restarts alone with force-new-cluster.";
  }

  static Outcome scaleToZero(TaskRun run) {
    Etcd e = run.requireEtcd();
    requireSuspended(run, e);
    // Enforced on every pass, not once: a reconcile that started before the suspension could still scale.
    if (!run.ops().scale(e, 0)) {
      throw new StepFailure("StatefulSet " + Names.statefulSet(e) + " does not exist.");
    }
    Map<Integer, Pod> pods = run.ops().pods(e);
    if (!pods.isEmpty()) {
      return Outcome.waiting("Scaled StatefulSet " + Names.statefulSet(e) + " to 0; waiting for "
          + pods.values().stream().map(p -> p.getMetadata().getName()).toList() + " to terminate.");
    }
    return Outcome.done("Scaled StatefulSet " + Names.statefulSet(e) + " to 0; every member pod is gone.");
  }

  static Outcome prepareMembers(TaskRun run) {
    Etcd e = run.requireEtcd();
    requireSuspended(run, e);
    Plan p = requirePlan(run);
    run.ops().scale(e, 0);
    if (!run.ops().pods(e).isEmpty()) {
      return Outcome.waiting("Waiting for the member pods to terminate before their volumes go.");
    }
    List<String> left = run.ops().deleteVolumesExcept(e, p.ordinal());
    run.ops().resetMemberLeases(e, p.ordinal());
    run.ops().initialClusterOf(e, p.ordinal());
    run.ops().writeDirective(e, p.directive(run.task.getMetadata().getUid()));
    if (!left.isEmpty()) {
      return Outcome.waiting("Deleting the volumes " + left + " of the members that rejoin empty.");
    }
    return Outcome.done("Kept " + Names.dataVolumeClaim(e, p.ordinal()) + (p.restore() ? " (its data is replaced by"
        + " the restore)" : "") + ", deleted the other members' volumes and every member Lease but a fresh one for "
        + p.member() + "; initial-cluster is now " + run.ops().initialCluster(e) + "; bootstrap directive "
        + p.directive(run.task.getMetadata().getUid()).toJson() + " in ConfigMap " + Names.bootstrapConfigMap(e) + ".");
  }

  static Outcome startMember(TaskRun run) {
    Etcd e = run.requireEtcd();
    requireSuspended(run, e);
    Plan p = requirePlan(run);
    String uid = run.task.getMetadata().getUid();
    run.ops().scale(e, p.ordinal() + 1);
    Pod pod = run.ops().pods(e).get(p.ordinal());
    String how = p.restore() ? "restore" : "force-new-cluster";
    // The agent's own account of the directive, asked on every pass: a refusal ends the step at once
    // (the member never becomes ready then, and waiting would only hide the reason).
    AgentClient.Directive d = null;
    String unasked = null;
    if (pod != null) {
      try {
        d = run.tasks.agents.directive(run.ops().agentTarget(e, p.ordinal(), pod), AGENT_TIMEOUT).orElse(null);
      } catch (AgentException ex) {
        unasked = ex.getMessage();
      }
    }
    boolean ours = d != null && uid.equals(d.id());
    if (ours && d.failed()) {
      throw new StepFailure(p.member() + "'s agent could not carry out this task's " + how + " directive: "
          + d.message() + (d.message() != null && d.message().contains("token")
              ? " (A Restore task with restore.allowTokenMismatch: true restores that chain once you have checked the"
                  + " store is this cluster's.)" : "")
          + " Its agent does not start etcd while the directive names it.");
    }
    String directiveState = ours ? "its agent reports the directive " + d.state()
        : d != null ? "its agent holds directive " + d.id() + " (" + d.state() + "), not this task's " + uid
        : unasked != null ? "its agent could not be asked about the directive yet (" + unasked + ")"
        : pod == null ? "no pod yet" : "its agent holds no directive yet";
    if (!ClusterOps.ready(pod)) {
      return Outcome.waiting("Scaled to " + (p.ordinal() + 1) + " member(s); waiting for " + p.member()
          + " to start" + (p.restore() ? " (restoring from the store)" : " (force-new-cluster)") + " and be ready; "
          + directiveState + ".");
    }
    Lease lease = run.ops().memberLeases(e).get(p.member());
    Optional<MemberLease> ml = MemberLease.parse(lease);
    if (ml.isEmpty() || ml.get().renewTime().isBefore(run.stepStarted)) {
      return Outcome.waiting(p.member() + " is ready; waiting for its agent to renew its Lease.");
    }
    if (ml.get().role() != MemberRole.LEADER) {
      return Outcome.waiting(p.member() + " reports role " + ml.get().role() + "; waiting for it to lead its"
          + " one-member cluster.");
    }
    if (!ours || !d.done()) {
      // Ready and leading is not enough: a member that started on its old data looks the same.
      return Outcome.waiting(p.member() + " is ready and leads, but " + directiveState + "; waiting for it to report"
          + " this task's directive done.");
    }
    MemberReport r;
    try {
      r = run.tasks.agents.memberStatus(run.ops().agentTarget(e, p.ordinal(), pod), AGENT_TIMEOUT);
    } catch (AgentException ex) {
      return Outcome.waiting(p.member() + " leads, but its agent does not answer yet: " + ex.getMessage());
    }
    if (!r.etcdRunning()) {
      return Outcome.waiting(p.member() + "'s agent reports etcd not running yet.");
    }
    if (r.revision() < p.expectedRevision()) {
      return Outcome.waiting(p.member() + " answers at revision " + r.revision() + ", below the expected "
          + p.expectedRevision() + "; waiting.");
    }
    if (p.restore() && e.getStatus() != null && e.getStatus().getClusterID() != null
        && !e.getStatus().getClusterID().equalsIgnoreCase(r.clusterId())) {
      // Only now, with the restore confirmed: a restored cluster may have a new ID, learned from its
      // leader's Lease. Forgotten earlier, a task deleted half way would leave an Etcd that can only
      // say "no member reported" instead of "quorum lost".
      run.ops().forgetClusterId(e);
    }
    return Outcome.done(p.member() + " is ready and leads a one-member cluster at revision " + r.revision()
        + (r.clusterId() != null ? " (cluster " + r.clusterId() + ")" : "") + "; its agent reports the directive done"
        + (d.message() != null ? ": " + d.message() : "") + ".");
  }

  static Outcome resume(TaskRun run) {
    Etcd e = run.requireEtcd();
    run.ops().deleteDirective(e);
    if (run.taskName().equals(ClusterOps.suspendedBy(e))) {
      run.ops().resume(e, run.taskName());
      return Outcome.waiting("Resuming the spec reconcile.");
    }
    return Outcome.done("Removed the bootstrap directive and resumed the spec reconcile: the operator scales "
        + run.etcdName() + " back to " + e.getSpec().getReplicas() + " members, each joining as a learner.");
  }

  static Outcome verifyMembers(TaskRun run) {
    Etcd e = run.requireEtcd();
    int want = e.getSpec().getReplicas();
    Instant resumed = run.finished(RESUME_RECONCILE);
    Instant since = resumed != null ? resumed : run.stepStarted;
    Condition all = condition(e, ConditionTypes.ALL_MEMBERS_READY);
    Condition ready = ready(e);
    int readyMembers = e.getStatus() == null || e.getStatus().getReadyReplicas() == null ? 0
        : e.getStatus().getReadyReplicas();
    List<String> stale = new ArrayList<>();
    Map<String, Lease> leases = run.ops().memberLeases(e);
    for (int i = 0; i < want; i++) {
      Optional<MemberLease> l = MemberLease.parse(leases.get(Names.memberLease(e, i)));
      if (l.isEmpty() || !l.get().renewTime().isAfter(since)) {
        stale.add(Names.memberLease(e, i));
      }
    }
    boolean ok = all != null && "True".equals(all.getStatus()) && ready != null && "True".equals(ready.getStatus())
        && readyMembers == want && stale.isEmpty();
    if (!ok) {
      return Outcome.waiting(readyMembers + "/" + want + " members ready" + (ready == null ? ""
          : ", quorum " + ready.getStatus()) + (stale.isEmpty() ? "" : "; Leases not renewed since the resume: " + stale)
          + ".");
    }
    List<String> roles = new ArrayList<>();
    if (e.getStatus().getMembers() != null) {
      for (MemberStatus m : e.getStatus().getMembers()) {
        roles.add(m.getName() + " " + m.getRole());
      }
    }
    return Outcome.done("All " + want + " members ready and quorate, every member Lease renewed since the resume: "
        + roles + ".");
  }

  // ---- Restore ----

  static Outcome preflight(TaskRun run) throws Exception {
    Plan recorded = run.plan();
    if (recorded != null) {
      return Outcome.done(describe(recorded));
    }
    Etcd e = run.requireEtcd();
    RestoreConfig rc = run.task.getSpec().getRestore();
    boolean allow = Boolean.TRUE.equals(rc.getAllowTokenMismatch());
    try (EtcdStore store = EtcdStore.open(run.tasks.client, e)) {
      RestoreTarget target;
      String what;
      String object = null;
      if (rc.getSnapshotName() != null) {
        EtcdSnapshot rec = run.tasks.client.resources(EtcdSnapshot.class).withName(rc.getSnapshotName()).get();
        if (rec == null) {
          throw new StepFailure("EtcdSnapshot " + rc.getSnapshotName() + " no longer exists. Nothing was changed.");
        }
        object = SnapshotRecords.objectName(rec).orElseThrow(() -> new StepFailure("EtcdSnapshot "
            + rc.getSnapshotName() + " has location " + rec.getSpec().getLocation() + ", which names no snapshot"
            + " object. Nothing was changed."));
        if (store.store().stat(object).isEmpty()) {
          throw new StepFailure("The stored object " + object + " of EtcdSnapshot " + rc.getSnapshotName()
              + " is gone from " + store.describe() + ". Nothing was changed.");
        }
        target = RestoreTarget.of(object, null);
        what = "snapshot " + object + " (EtcdSnapshot " + rc.getSnapshotName() + ")";
      } else {
        target = RestoreTarget.of(null, rc.getRevision());
        what = "revision " + rc.getRevision();
      }
      Checked c = checkChain(run, e, store, target, allow, "");
      Plan plan = new Plan(Action.RESTORE_FROM_STORE.value(), 0, Names.pod(e, 0), null, c.newestEnd(), object,
          rc.getRevision(), c.plan().revision(), allow);
      run.recordPlan(plan);
      return Outcome.done("Restoring " + what + " into member 0: " + c.plan().describe() + ". " + c.tokenNote());
    } catch (IOException ex) {
      return Outcome.waiting("Cannot read " + ex.getMessage() + "; retrying. Nothing was changed.");
    }
  }

  /** The chain a restore will use, planned as the agent plans it, and what its token check found. */
  record Checked(RestorePlan plan, long newestEnd, String tokenNote) {}

  /**
   * Plans the restore of {@code target} from a listing of the store with the agent's own planner, so
   * the objects are exactly those the agent will restore, and checks the token hash of every one of
   * them (the agent refuses the whole chain for any one): a refusal here comes before anything changed.
   */
  static Checked checkChain(TaskRun run, Etcd e, EtcdStore store, RestoreTarget target, boolean allow,
      String wayOut) throws IOException {
    SnapshotCatalog catalog = SnapshotCatalog.of(listAll(store));
    if (target instanceof RestoreTarget.Revision r && catalog.fulls().stream().noneMatch(f -> f.endRevision()
        <= r.revision())) {
      throw new StepFailure("No full snapshot at or below revision " + r.revision() + " in " + store.describe()
          + ": revision " + r.revision() + " cannot be restored. Nothing was changed.");
    }
    RestorePlan plan;
    try {
      plan = ChainPlanner.plan(catalog, target);
    } catch (RestoreException ex) {
      throw new StepFailure("The restore of " + target.describe() + " cannot be planned from " + store.describe()
          + ": " + ex.getMessage() + ". Nothing was changed.");
    }
    return new Checked(plan, catalog.newestEndRevision(), tokenPreflight(run, e, store, plan, allow, wayOut));
  }

  // As the catalog lists it: page by page, skipping archived and temporary names.
  private static List<StoredObject> listAll(EtcdStore store) throws IOException {
    List<StoredObject> all = new ArrayList<>();
    String after = null;
    while (true) {
      StorePage page = store.list(after, dev.cairn.controller.catalog.Catalog.PAGE_SIZE);
      all.addAll(page.objects());
      if (page.nextStartAfter().isEmpty()) {
        return all;
      }
      after = page.nextStartAfter().get();
    }
  }

  // The restore refuses a chain with a snapshot of another cluster: each object's metadata must carry
  // the hash of the Etcd's current token Secret (only the salted hash is ever compared or stored).
  // After a token rotation, the chain's snapshots from before it carry the old token's hash.
  private static String tokenPreflight(TaskRun run, Etcd e, EtcdStore store, RestorePlan plan, boolean allow,
      String wayOut) throws IOException {
    // The agent's rule: with a token, every snapshot must carry its hash; without one, none may carry a hash.
    String secretName = e.getSpec().getBackup().getTokenSecretRef() == null ? null
        : e.getSpec().getBackup().getTokenSecretRef().getName();
    String current = null;
    if (secretName != null) {
      Secret s = run.ops().secret(run.namespace(), secretName);
      byte[] token = s == null ? null : dev.cairn.controller.model.SecretValues.bytes(s, SecretKeys.TOKEN);
      if (token == null) {
        throw new StepFailure("Secret " + secretName + " (spec.backup.tokenSecretRef) " + (s == null ? "does not exist"
            : "has no key " + SecretKeys.TOKEN) + ": the snapshots' token cannot be checked. Nothing was changed.");
      }
      current = new String(token, StandardCharsets.UTF_8).strip();
    }
    String key = current;
    Map<String, Boolean> verdicts = new HashMap<>(); // PBKDF2 is slow by design: once per distinct hash
    List<String> other = new ArrayList<>();
    List<String> none = new ArrayList<>();
    List<String> hashed = new ArrayList<>();
    List<SnapshotCatalog.Entry> objects = plan.objects();
    for (SnapshotCatalog.Entry o : objects) {
      SnapshotMetadata meta;
      try (InputStream in = store.store().get(o.metadata().name())) {
        meta = SnapshotMetadata.fromJson(in.readNBytes(1 << 20));
      }
      if (key == null) {
        if (meta.tokenHash() != null) {
          hashed.add(o.object().name());
        }
      } else if (meta.tokenHash() == null) {
        none.add(o.object().name());
      } else if (!verdicts.computeIfAbsent(meta.tokenHash(), h -> TokenHash.matches(key, h))) {
        other.add(o.object().name());
      }
    }
    if (key == null && hashed.isEmpty()) {
      return "No backup token configured (spec.backup.tokenSecretRef) and no snapshot of the chain carries a token"
          + " hash.";
    }
    String chain = objects.size() == 1 ? "the one snapshot of the chain" : "every snapshot of the chain ("
        + objects.size() + ")";
    if (other.isEmpty() && none.isEmpty() && hashed.isEmpty()) {
      return "Token check passed: " + chain + " was taken with this cluster's backup token.";
    }
    List<String> parts = new ArrayList<>();
    if (!other.isEmpty()) {
      parts.add(String.join(", ", other) + (other.size() == 1 ? " was" : " were") + " taken with another backup token"
          + " (" + (other.size() == 1 ? "its hash does" : "their hashes do") + " not match the token in Secret "
          + secretName + ")");
    }
    if (!none.isEmpty()) {
      parts.add(String.join(", ", none) + (none.size() == 1 ? " carries" : " carry") + " no token hash");
    }
    if (!hashed.isEmpty()) {
      parts.add(String.join(", ", hashed) + (hashed.size() == 1 ? " carries" : " carry") + " a token hash, but"
          + " spec.backup.tokenSecretRef is not set (taken by a cluster with a backup token)");
    }
    String why = String.join("; ", parts);
    int bad = other.size() + none.size() + hashed.size();
    String of = bad + " of " + objects.size() + " snapshot" + (objects.size() == 1 ? "" : "s") + " of the chain "
        + plan.describe();
    if (allow) {
      run.tasks.events.warning(e, "TokenMismatchAllowed", "Restoring although " + why + " (" + of
          + "; restore.allowTokenMismatch is true).");
      return "Token check: " + why + " (" + of + "); allowed by restore.allowTokenMismatch.";
    }
    throw new StepFailure("Token check failed: " + why + " (" + of + "). The agent refuses a chain with any such"
        + " snapshot. Restoring it could put another cluster's data here; if the token was rotated since these were"
        + " taken, or the data is meant to come from elsewhere, create a new Restore task with restore.allowTokenMismatch:"
        + " true." + wayOut + " Nothing was changed.");
  }

  // ---- Snapshot ----

  static Outcome takeSnapshot(TaskRun run) {
    Etcd e = run.requireEtcd();
    if (e.getSpec().getBackup() == null) {
      throw new StepFailure("Etcd " + run.etcdName() + " no longer has spec.backup.");
    }
    SnapshotTaskConfig sc = run.task.getSpec().getSnapshot() == null ? new SnapshotTaskConfig()
        : run.task.getSpec().getSnapshot();
    boolean full = sc.getKind() != dev.cairn.api.v1alpha1.SnapshotKind.DELTA;
    boolean fin = full && Boolean.TRUE.equals(sc.getFinalSnapshot());
    String what = (fin ? "final " : "") + (full ? "full" : "delta") + " snapshot";
    String uid = run.task.getMetadata().getUid();
    CompletableFuture<Optional<AgentClient.Snapshot>> f = run.tasks.calls.get(uid);
    if (f == null) {
      Optional<MemberStatus> leader = e.getStatus() == null || e.getStatus().getMembers() == null ? Optional.empty()
          : e.getStatus().getMembers().stream()
              .filter(m -> m.getRole() == MemberRole.LEADER && m.getStatus() == dev.cairn.api.v1alpha1.MemberState.READY)
              .findFirst();
      if (leader.isEmpty()) {
        return Outcome.waiting("No ready member reports being the leader; the " + what + " must come from the"
            + " leader's agent. Waiting.");
      }
      int ordinal = Names.ordinal(run.etcdName(), leader.get().getName()).orElse(0);
      Pod pod = run.ops().pods(e).get(ordinal);
      AgentClient.Target target = run.ops().agentTarget(e, ordinal, pod);
      Duration timeout = run.tasks.snapshotTimeout;
      f = CompletableFuture.supplyAsync(() -> {
        try {
          return run.tasks.agents.snapshot(target, full, fin, timeout);
        } catch (AgentException ex) {
          throw new java.util.concurrent.CompletionException(ex);
        }
      }, run.tasks.executor);
      run.tasks.calls.put(uid, f);
      run.tasks.callTargets.put(uid, leader.get().getName());
      return Outcome.waiting("Asked the leader " + leader.get().getName() + "'s agent for a " + what + ".");
    }
    String asked = run.tasks.callTargets.getOrDefault(uid, "the leader");
    if (!f.isDone()) {
      return Outcome.waiting("Waiting for " + asked + "'s agent to store the " + what + ".");
    }
    run.tasks.calls.remove(uid);
    try {
      Optional<AgentClient.Snapshot> s = f.get();
      if (s.isEmpty()) {
        return Outcome.done("No event since the last delta snapshot: " + asked + "'s agent had nothing to store.");
      }
      run.recordPlan(new Plan("Snapshot", 0, asked, null, null, s.get().object(), null, s.get().endRevision(), false));
      return Outcome.done("Stored " + s.get().object() + " at revision " + s.get().endRevision() + ", taken by " + asked
          + ".");
    } catch (ExecutionException ex) {
      Throwable c = ex.getCause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() != null
          ? ce.getCause() : ex.getCause();
      // Refusals (not the leader any more, stale) and outages pass: asked again on the next pass.
      return Outcome.waiting("The " + what + " failed: " + c.getMessage() + " Asking again.");
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      return Outcome.waiting("interrupted");
    }
  }

  static Outcome awaitCatalogEntry(TaskRun run) {
    Plan p = run.plan();
    if (p == null || p.snapshot() == null) {
      return Outcome.skipped("Nothing was stored, so nothing to catalogue.");
    }
    Optional<SnapshotName> n = SnapshotName.parseObject(p.snapshot());
    if (n.isEmpty()) {
      return Outcome.skipped("The agent named the object " + p.snapshot() + ", which is not a snapshot name.");
    }
    String record = SnapshotRecords.recordName(run.namespace(), run.etcdName(), n.get());
    if (run.tasks.client.resources(EtcdSnapshot.class).withName(record).get() != null) {
      return Outcome.done("Catalogued as EtcdSnapshot " + record + ".");
    }
    return Outcome.waiting("Waiting for the catalog to list " + p.snapshot() + " as EtcdSnapshot " + record + ".");
  }

  // ---- helpers ----

  private static void requireSuspended(TaskRun run, Etcd e) {
    if (!run.taskName().equals(ClusterOps.suspendedBy(e))) {
      throw new StepFailure("The spec reconcile of " + run.etcdName() + " is no longer suspended by this task"
          + " (status.reconcileSuspendedBy is " + ClusterOps.suspendedBy(e) + "); stopping rather than acting next to"
          + " the Etcd reconciler.");
    }
  }

  private static Plan requirePlan(TaskRun run) {
    Plan p = run.plan();
    if (p == null) {
      throw new StepFailure("The task has no recorded plan (annotation " + Plan.ANNOTATION + "): it was removed.");
    }
    return p;
  }

  static Condition ready(Etcd e) {
    return condition(e, ConditionTypes.READY);
  }

  static Condition condition(Etcd e, String type) {
    return e.getStatus() == null || e.getStatus().getConditions() == null ? null
        : e.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }
}
