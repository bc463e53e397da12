package dev.cairn.controller.tasks;

import dev.cairn.agent.snapshot.SnapshotKind;
import dev.cairn.agent.snapshot.SnapshotMetadata;
import dev.cairn.agent.snapshot.SnapshotName;
import dev.cairn.agent.snapshot.TokenHash;
import dev.cairn.api.ConditionTypes;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberStatus;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
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

  private Steps() {}

  static List<Step> of(TaskType type, Duration snapshotTimeout) {
    return switch (type) {
      case RECOVER_QUORUM -> List.of(
          Step.of(CHECK_QUORUM_LOST, SHORT, Steps::checkQuorumLost),
          Step.of(SUSPEND_RECONCILE, SHORT, Steps::suspend),
          Step.of(SELECT_SOURCE, SHORT, Steps::selectSource),
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
    List<Survivor> survivors = survey(run, e);
    OptionalLong store = OptionalLong.empty();
    if (e.getSpec().getBackup() != null) {
      try (EtcdStore s = EtcdStore.open(run.tasks.client, e)) {
        store = OptionalLong.of(run.tasks.newestEnd(s));
      } catch (IOException ex) {
        return Outcome.waiting("Cannot read the store to compare the members with the newest backup: "
            + ex.getMessage() + " Nothing was changed; retrying.");
      }
    }
    String clusterId = e.getStatus() == null ? null : e.getStatus().getClusterID();
    Decision d = RecoverySource.choose(survivors, store, clusterId);
    if (d.action() == Action.NONE) {
      throw new StepFailure(d.reason() + " Nothing was changed.");
    }
    Plan plan = new Plan(d.action().value(), d.ordinal(), Names.pod(e, d.ordinal()),
        d.action() == Action.FORCE_NEW_CLUSTER ? d.memberRevision() : null,
        d.storeRevision().isPresent() ? d.storeRevision().getAsLong() : null, null, null,
        d.action() == Action.FORCE_NEW_CLUSTER ? d.memberRevision() : d.storeRevision().getAsLong(), false);
    run.recordPlan(plan);
    run.tasks.events.normal(e, "RecoverySourceChosen", d.reason());
    return Outcome.done(d.reason());
  }

  // Every member's report, asked at the same time: agents answer without quorum (Maintenance.Status of
  // their own etcd, or the db on disk when etcd is down). No answer counts as no usable data.
  private static List<Survivor> survey(TaskRun run, Etcd e) throws InterruptedException {
    Map<Integer, Pod> pods = run.ops().pods(e);
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
        asks.add(CompletableFuture.completedFuture(new Survivor(i, member, null, "no pod")));
        continue;
      }
      AgentClient.Target target = run.ops().agentTarget(e, i, pod);
      asks.add(CompletableFuture.supplyAsync(() -> {
        try {
          return new Survivor(ordinal, member, run.tasks.agents.memberStatus(target, AGENT_TIMEOUT), null);
        } catch (AgentException ex) {
          return new Survivor(ordinal, member, null, ex.getMessage());
        }
      }, run.tasks.executor));
    }
    List<Survivor> out = new ArrayList<>();
    for (CompletableFuture<Survivor> f : asks) {
      try {
        out.add(f.get(AGENT_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS));
      } catch (ExecutionException | java.util.concurrent.TimeoutException ex) {
        out.add(new Survivor(out.size(), Names.pod(e, out.size()), null, "no answer in time"));
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
    if (p.restore()) {
      run.ops().forgetClusterId(e); // a restored cluster is a new cluster, with a new ID to learn
    }
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
    run.ops().scale(e, p.ordinal() + 1);
    Pod pod = run.ops().pods(e).get(p.ordinal());
    if (!ClusterOps.ready(pod)) {
      return Outcome.waiting("Scaled to " + (p.ordinal() + 1) + " member(s); waiting for " + p.member()
          + " to start" + (p.restore() ? " (restoring from the store)" : " (force-new-cluster)") + " and be ready.");
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
          + p.expectedRevision() + "; waiting (a restore may still be replaying deltas).");
    }
    boolean olderTarget = p.restore() && (p.snapshot() != null || p.revision() != null) && p.storeRevision() != null
        && p.storeRevision() > p.expectedRevision();
    if (olderTarget && r.revision() >= p.storeRevision()) {
      // Clients reach the member only once it is ready, moments before this look: being at the newest
      // backup's revision already means it was restored to the newest chain, not to the state asked for.
      throw new StepFailure(p.member() + " came up at revision " + r.revision() + ", at or above the newest backup ("
          + p.storeRevision() + "), not at the requested " + (p.snapshot() != null ? "snapshot " + p.snapshot()
          : "revision " + p.revision()) + " (revision " + p.expectedRevision() + "): the member was not restored to"
          + " the requested state. The spec reconcile stays suspended; check the agent's log.");
    }
    return Outcome.done(p.member() + " is ready and leads a one-member cluster at revision " + r.revision()
        + (r.clusterId() != null ? " (cluster " + r.clusterId() + ")" : "") + ".");
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
      String object;
      long expected;
      String target;
      Chain c = chainTo(store, rc.getRevision() != null ? rc.getRevision() : Long.MAX_VALUE);
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
        expected = rec.getSpec().getEndRevision();
        target = "snapshot " + object + " (EtcdSnapshot " + rc.getSnapshotName() + ", revision " + expected + ")";
      } else {
        long rev = rc.getRevision();
        if (c.base == null) {
          throw new StepFailure("No full snapshot at or below revision " + rev + " in " + store.describe()
              + ": revision " + rev + " cannot be restored. Nothing was changed.");
        }
        if (c.coveredTo < rev) {
          throw new StepFailure("The deltas after full snapshot " + c.base.objectName() + " reach revision "
              + c.coveredTo + " only; revision " + rev + " is not covered. Nothing was changed.");
        }
        object = c.base.objectName();
        expected = rev;
        target = "revision " + rev + " (full snapshot " + object + " and the deltas after it)";
      }
      String tokenNote = tokenPreflight(run, e, store, object, allow);
      Plan plan = new Plan(Action.RESTORE_FROM_STORE.value(), 0, Names.pod(e, 0), null, c.newestEnd,
          rc.getSnapshotName() != null ? object : null, rc.getRevision(), expected, allow);
      run.recordPlan(plan);
      return Outcome.done("Restoring " + target + " into member 0. " + tokenNote);
    } catch (IOException ex) {
      return Outcome.waiting("Cannot read " + ex.getMessage() + "; retrying. Nothing was changed.");
    }
  }

  /** The newest full snapshot at or below a revision and how far the deltas after it reach without a gap. */
  private static final class Chain {
    SnapshotName base;
    long coveredTo = -1;
    long newestEnd;
  }

  private static Chain chainTo(EtcdStore store, long revision) throws IOException {
    Chain c = new Chain();
    String after = null;
    SnapshotName pending = null;
    while (true) {
      var page = store.list(after, 1000);
      for (var o : page.objects()) {
        Optional<String> meta = SnapshotName.metadataBaseName(o.name());
        if (meta.isPresent()) {
          if (pending != null && pending.baseName().equals(meta.get())) {
            extend(c, pending, revision);
          }
          pending = null;
          continue;
        }
        pending = SnapshotName.parseObject(o.name()).orElse(null);
      }
      if (page.nextStartAfter().isEmpty()) {
        return c;
      }
      after = page.nextStartAfter().get();
    }
  }

  private static void extend(Chain c, SnapshotName n, long revision) {
    c.newestEnd = Math.max(c.newestEnd, n.endRevision());
    if (n.kind() == SnapshotKind.FULL) {
      if (n.endRevision() <= revision) {
        c.base = n;
        c.coveredTo = n.endRevision();
      }
    } else if (c.base != null && c.coveredTo < revision && n.startRevision() <= c.coveredTo + 1
        && n.endRevision() > c.coveredTo) {
      c.coveredTo = n.endRevision();
    }
  }

  // The restore refuses a snapshot of another cluster: its metadata's token hash must match the hash of
  // the Etcd's current token Secret (only the salted hash is ever compared or stored).
  private static String tokenPreflight(TaskRun run, Etcd e, EtcdStore store, String object, boolean allow)
      throws IOException {
    if (e.getSpec().getBackup().getTokenSecretRef() == null) {
      return "No backup token configured (spec.backup.tokenSecretRef): token check skipped.";
    }
    String secretName = e.getSpec().getBackup().getTokenSecretRef().getName();
    Secret s = run.ops().secret(run.namespace(), secretName);
    byte[] token = s == null ? null : ClusterOps.secretBytes(s, SecretKeys.TOKEN);
    if (token == null) {
      throw new StepFailure("Secret " + secretName + " (spec.backup.tokenSecretRef) " + (s == null ? "does not exist"
          : "has no key " + SecretKeys.TOKEN) + ": the snapshot's token cannot be checked. Nothing was changed.");
    }
    SnapshotName n = SnapshotName.parseObject(object).orElseThrow();
    SnapshotMetadata meta;
    try (InputStream in = store.store().get(n.metadataName())) {
      meta = SnapshotMetadata.fromJson(in.readNBytes(1 << 20));
    }
    boolean match = meta.tokenHash() != null
        && TokenHash.matches(new String(token, StandardCharsets.UTF_8).strip(), meta.tokenHash());
    if (match) {
      return "Token check passed: " + object + " was taken with this cluster's backup token.";
    }
    String why = meta.tokenHash() == null ? object + " carries no token hash" : object + " was taken with another"
        + " backup token (its hash does not match the token in Secret " + secretName + ")";
    if (allow) {
      run.tasks.events.warning(e, "TokenMismatchAllowed", "Restoring although " + why
          + " (restore.allowTokenMismatch is true).");
      return "Token check: " + why + "; allowed by restore.allowTokenMismatch.";
    }
    throw new StepFailure("Token check failed: " + why + ". Restoring it could put another cluster's data here."
        + " If that is intended, create a new task with restore.allowTokenMismatch: true. Nothing was changed.");
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
