package dev.cairn.controller.reconcile;

import dev.cairn.api.Annotations;
import dev.cairn.api.ConditionTypes;
import dev.cairn.api.SecretKeys;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.LastError;
import dev.cairn.api.v1alpha1.LastOperation;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.OperationState;
import dev.cairn.api.v1alpha1.OperationType;
import dev.cairn.api.v1alpha1.RetentionPolicy;
import dev.cairn.api.v1alpha1.UpdateStrategyType;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.ClientTls;
import dev.cairn.controller.etcd.EtcdAdmin;
import dev.cairn.controller.etcd.EtcdAdminException;
import dev.cairn.controller.model.AgentApiSecret;
import dev.cairn.controller.model.AgentRbac;
import dev.cairn.controller.model.ClusterLeases;
import dev.cairn.controller.model.ClusterServices;
import dev.cairn.controller.model.DisruptionBudget;
import dev.cairn.controller.model.ManagedMetadata;
import dev.cairn.controller.model.MemberConfigMap;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.model.SpecValidator;
import dev.cairn.controller.model.SpecValidator.Problem;
import dev.cairn.controller.protection.ResourceProtection;
import dev.cairn.controller.reconcile.MembershipPlanner.Plan;
import dev.cairn.controller.reconcile.MembershipPlanner.SnapshotState;
import dev.cairn.controller.reconcile.MembershipPlanner.Step;
import dev.cairn.controller.reconcile.RollingUpdatePlanner.Decision;
import dev.cairn.controller.reconcile.RollingUpdatePlanner.LastRestart;
import dev.cairn.controller.status.MemberLease;
import dev.cairn.controller.status.Observation;
import dev.cairn.controller.status.StatusCalculator;
import dev.cairn.controller.status.StatusCalculator.Member;
import dev.cairn.controller.status.Times;
import dev.cairn.controller.status.Transitions;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Etcd reconciler: a short list of named steps per pass (observe, validate, gate, apply the
 * resources, change membership, roll members, compute the status, write it once if it changed, record
 * the events). Reads come from the informer caches; a pass that finds nothing to change writes nothing.
 */
@ControllerConfiguration(name = EtcdReconciler.NAME)
public final class EtcdReconciler implements Reconciler<Etcd>, Cleaner<Etcd>, AutoCloseable {

  public static final String NAME = "etcd";
  private static final Logger LOG = LoggerFactory.getLogger(EtcdReconciler.class);

  /** Why the spec is or is not applied this pass. */
  enum Gate {
    APPLY,
    SUSPENDED,
    SUSPENDED_BY_TASK,
    CLUSTER_ID_MISMATCH,
    INVALID,
    PENDING
  }

  private final KubernetesClient client;
  private final OperatorConfig cfg;
  private final EtcdAdmin admin;
  private final Clock clock;
  private final EventRecorder events;
  private final WriteListener writes;
  private final ErrorListener errors;
  private final FinalSnapshots finalSnapshots;
  private final Map<String, LastRestart> restarts = new ConcurrentHashMap<>();
  private final AtomicLong passes = new AtomicLong();

  /** Told about every error a pass records (metrics). */
  @FunctionalInterface
  public interface ErrorListener {
    void error(String code);

    ErrorListener NONE = c -> {};
  }

  public EtcdReconciler(
      KubernetesClient client, OperatorConfig cfg, EtcdAdmin admin, AgentClient agents, Clock clock,
      EventRecorder events, WriteListener writes, ErrorListener errors) {
    this.client = client;
    this.cfg = cfg;
    this.admin = admin;
    this.clock = clock;
    this.events = events;
    this.writes = writes;
    this.errors = errors;
    this.finalSnapshots = new FinalSnapshots(agents, cfg.finalSnapshotTimeout, cfg.requeueSteady, clock);
  }

  /** Passes run so far (tests and the benchmark wait on it). */
  public long passes() {
    return passes.get();
  }

  /**
   * Which updates of an Etcd start a pass: spec (generation), annotations, deletion, finalizers, and the
   * suspension an EtcdOpsTask writes in status. Not the status the reconciler writes itself.
   */
  public static boolean primaryChanged(Etcd now, Etcd before) {
    var n = now.getMetadata();
    var b = before.getMetadata();
    return !Objects.equals(n.getGeneration(), b.getGeneration())
        || !Objects.equals(n.getAnnotations(), b.getAnnotations())
        || !Objects.equals(n.getDeletionTimestamp(), b.getDeletionTimestamp())
        || !Objects.equals(n.getFinalizers(), b.getFinalizers())
        || !Objects.equals(
            now.getStatus() == null ? null : now.getStatus().getReconcileSuspendedBy(),
            before.getStatus() == null ? null : before.getStatus().getReconcileSuspendedBy());
  }

  @Override
  public List<EventSource<?, Etcd>> prepareEventSources(EventSourceContext<Etcd> ctx) {
    return ClusterCache.eventSources(ctx);
  }

  /** Everything one pass learns and decides; written to status at the end. */
  private final class Pass {
    final Etcd etcd;
    final EtcdStatus previous;
    final Instant now;
    final Observation obs;
    final String key;
    final List<LastError> errorList = new ArrayList<>();
    final List<Transitions.Event> actionEvents = new ArrayList<>();
    List<Member> members;
    LastOperation operation;
    String operationEventReason;
    boolean operationEvent = true;
    Duration requeue;
    ResourceWriter writer;
    final Context<Etcd> ctx;

    Pass(Etcd etcd, Context<Etcd> ctx) {
      this.etcd = etcd;
      this.ctx = ctx;
      this.previous = etcd.getStatus();
      this.now = clock.instant();
      this.obs = ClusterCache.observe(etcd, ctx);
      this.key = etcd.getMetadata().getUid() != null ? etcd.getMetadata().getUid()
          : etcd.getMetadata().getNamespace() + "/" + etcd.getMetadata().getName();
      this.requeue = cfg.requeueSteady;
      this.writer = new ResourceWriter(client, ctx, writes);
      String clusterId = StatusCalculator.clusterId(etcd, previous, cfg, obs, now);
      this.members = StatusCalculator.members(etcd, previous, cfg, obs, now, clusterId);
    }

    void error(String code, String description) {
      LastError e = new LastError();
      e.setCode(code);
      e.setDescription(description);
      errorList.add(e);
      errors.error(code);
      LOG.warn("{}/{}: {}: {}", etcd.getMetadata().getNamespace(), etcd.getMetadata().getName(), code, description);
      soon();
    }

    void event(String type, String reason, String message) {
      actionEvents.add(new Transitions.Event(type, reason, message));
    }

    void op(OperationType type, OperationState state, String description) {
      LastOperation o = new LastOperation();
      o.setType(type);
      o.setState(state);
      o.setDescription(description);
      operation = o;
    }

    void soon() {
      if (cfg.requeueWhileChanging.compareTo(requeue) < 0) {
        requeue = cfg.requeueWhileChanging;
      }
    }

    String name() {
      return etcd.getMetadata().getNamespace() + "/" + etcd.getMetadata().getName();
    }
  }

  @Override
  public UpdateControl<Etcd> reconcile(Etcd etcd, Context<Etcd> ctx) {
    passes.incrementAndGet();
    Pass pass = new Pass(etcd, ctx);
    List<Problem> problems = validate(pass);
    Gate gate = gate(pass, problems);
    try {
      ensureAgentApiSecret(pass);
    } catch (KubernetesClientException e) {
      pass.error("AgentApiTokenFailed", "Creating the Secret " + Names.agentApiSecret(etcd) + " failed: HTTP "
          + e.getCode() + " " + e.getMessage() + ". The operator retries; check its RBAC (secrets create).");
    }
    boolean applied = false;
    if (gate == Gate.APPLY) {
      try {
        apply(pass);
        applied = true;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 409) {
          // Someone (or our own cache) was a step behind: look again in a moment, nothing to report.
          LOG.debug("{}: conflict, retrying: {}", pass.name(), e.getMessage());
          return UpdateControl.<Etcd>noUpdate().rescheduleAfter(Duration.ofSeconds(1));
        }
        pass.error("ApplyFailed", "Writing the managed resources failed: HTTP " + e.getCode() + " " + e.getMessage()
            + ". The operator retries; check its RBAC and the API server.");
      }
    }
    if (gate != Gate.APPLY) {
      relabel(pass);
    }
    writeStatus(pass, gate, problems, applied, ctx);
    if (applied && Annotations.OPERATION_RECONCILE.equals(annotation(etcd, Annotations.OPERATION))) {
      consumeOperationAnnotation(etcd, ctx);
    }
    return UpdateControl.<Etcd>noUpdate().rescheduleAfter(pass.requeue);
  }

  // Step: validate the spec beyond the schema.
  private List<Problem> validate(Pass pass) {
    String ns = pass.etcd.getMetadata().getNamespace();
    return SpecValidator.validate(pass.etcd, cfg, pass.obs.statefulSet(), name -> {
      Secret s = client.secrets().inNamespace(ns).withName(name).get();
      return s == null ? Optional.empty() : Optional.of(base64Data(s));
    });
  }

  // Step: decide whether the spec is applied this pass.
  private Gate gate(Pass pass, List<Problem> problems) {
    Etcd etcd = pass.etcd;
    EtcdStatus prev = pass.previous;
    if (prev != null && prev.getReconcileSuspendedBy() != null) {
      pass.operation = prev.getLastOperation();
      pass.operationEvent = false;
      return Gate.SUSPENDED_BY_TASK;
    }
    if ("true".equalsIgnoreCase(annotation(etcd, Annotations.SUSPEND_RECONCILE))) {
      pass.op(OperationType.RECONCILE, OperationState.ERROR, "Spec changes are not applied: the annotation "
          + Annotations.SUSPEND_RECONCILE + " is \"true\". Status is still updated. Remove the annotation to resume.");
      pass.operationEventReason = ConditionTypes.REASON_RECONCILE_SUSPENDED;
      return Gate.SUSPENDED;
    }
    Condition mismatch = StatusCalculator.clusterIdMismatch(
        StatusCalculator.clusterId(etcd, prev, cfg, pass.obs, pass.now), pass.members);
    if ("True".equals(mismatch.getStatus())) {
      pass.op(OperationType.RECONCILE, OperationState.ERROR,
          "Spec changes are not applied while a member reports another cluster ID (see ClusterIDMismatch).");
      pass.operationEvent = false;
      return Gate.CLUSTER_ID_MISMATCH;
    }
    if (!problems.isEmpty()) {
      pass.op(OperationType.RECONCILE, OperationState.ERROR,
          "The spec is not applied: it failed the operator's checks (see the SpecValid condition). Nothing was"
              + " changed or deleted.");
      pass.operationEvent = false;
      for (Problem p : problems) {
        pass.error("SpecInvalid", p.field() + ": " + p.message());
      }
      return Gate.INVALID;
    }
    Long applied = prev == null ? null : prev.getObservedGeneration();
    Long generation = etcd.getMetadata().getGeneration();
    boolean requested = Annotations.OPERATION_RECONCILE.equals(annotation(etcd, Annotations.OPERATION));
    if (!cfg.autoReconcile && !requested && applied != null && generation != null && generation > applied) {
      pass.op(OperationType.RECONCILE, OperationState.PROCESSING, "Spec generation " + generation
          + " is not applied: auto-reconcile is off. Annotate the Etcd with " + Annotations.OPERATION + "="
          + Annotations.OPERATION_RECONCILE + " to apply it.");
      pass.operationEventReason = "SpecChangePending";
      return Gate.PENDING;
    }
    return Gate.APPLY;
  }

  // Step: apply the spec to the managed resources, membership and members.
  private void apply(Pass pass) {
    Etcd etcd = pass.etcd;
    Plan plan = planMembership(pass);
    int target = plan.replicas();
    Integer hibernatedFrom = plan.hibernatedFrom();

    ClusterCache.Managed managed = ClusterCache.managed(etcd, pass.ctx);
    sync(pass, managed.serviceAccount(), AgentRbac.serviceAccount(etcd), Drift::metadataDiffers, (a, d) -> {
      Drift.mergeMetadata(a.getMetadata(), d.getMetadata());
      return a;
    });
    sync(pass, managed.role(), AgentRbac.role(etcd), Drift::differs, Drift::merged);
    sync(pass, managed.roleBinding(), AgentRbac.roleBinding(etcd), Drift::differs, Drift::merged);
    int initialCluster = Math.max(target, hibernatedFrom == null ? 0 : hibernatedFrom);
    sync(pass, managed.configMap(),
        MemberConfigMap.build(etcd, cfg, initialCluster == 0 ? etcd.getSpec().getReplicas() : initialCluster),
        Drift::differs, Drift::merged);
    sync(pass, managed.clientService(), ClusterServices.client(etcd), Drift::differs, Drift::merged);
    sync(pass, managed.peerService(), ClusterServices.peer(etcd), Drift::differs, Drift::merged);
    int keepLeases = Math.max(Math.max(target, pass.obs.statefulSetReplicas()), hibernatedFrom == null ? 0 : hibernatedFrom);
    for (int i = 0; i < Math.max(target, hibernatedFrom == null ? 0 : hibernatedFrom); i++) {
      ensureLease(pass, ClusterLeases.member(etcd, i));
    }
    ensureLease(pass, ClusterLeases.fullSnapshot(etcd));
    ensureLease(pass, ClusterLeases.deltaSnapshot(etcd));

    if (plan.step() == Step.SCALE_IN && !removeMember(pass, plan.ordinal())) {
      target = pass.obs.statefulSetReplicas();
    }
    StatefulSet desired = MemberStatefulSet.build(etcd, cfg, target, hibernatedFrom);
    sync(pass, pass.obs.statefulSet(), desired, Drift::differs, Drift::merged);
    if (plan.step() == Step.HIBERNATE) {
      finalSnapshots.clear(pass.key);
    }
    sync(pass, managed.pdb(), DisruptionBudget.build(etcd, target), Drift::differs, Drift::merged);
    expandVolumes(pass, target);
    if (plan.step() == Step.STEADY && target > 0) {
      rollMembers(pass, desired);
    } else if (plan.step() != Step.STEADY) {
      pass.soon();
    }
    deleteSurplusLeases(pass, keepLeases);
  }

  private Plan planMembership(Pass pass) {
    Etcd etcd = pass.etcd;
    StatefulSet sts = pass.obs.statefulSet();
    Integer hibernatedFrom = null;
    String h = sts == null ? null : Drift.annotation(sts, MemberStatefulSet.HIBERNATED_REPLICAS);
    if (h != null) {
      try {
        hibernatedFrom = Integer.parseInt(h);
      } catch (NumberFormatException e) {
        LOG.warn("{}: ignoring unreadable {}={}", pass.name(), MemberStatefulSet.HIBERNATED_REPLICAS, h);
      }
    }
    boolean backup = etcd.getSpec().getBackup() != null;
    SnapshotState snapshot = finalSnapshots.state(pass.key);
    Plan plan = MembershipPlanner.plan(etcd.getMetadata().getName(), etcd.getSpec().getReplicas(), sts != null,
        pass.obs.statefulSetReplicas(), hibernatedFrom, pass.members, backup, snapshot,
        pass.obs.pods().keySet().stream().anyMatch(o -> o >= pass.obs.statefulSetReplicas()));
    switch (plan.step()) {
      case CREATE -> pass.op(OperationType.CREATE, OperationState.PROCESSING, plan.message());
      case SCALE_UP, SCALE_IN, WAIT -> pass.op(OperationType.SCALE, OperationState.PROCESSING, plan.message());
      case WAKE -> pass.op(OperationType.SCALE, OperationState.PROCESSING, plan.message());
      case BLOCKED -> {
        pass.op(OperationType.SCALE, OperationState.ERROR, plan.message());
        pass.error("ScaleInBlocked", plan.message());
      }
      case FINAL_SNAPSHOT -> finalSnapshot(pass, plan, snapshot);
      case HIBERNATE -> {
        pass.op(OperationType.HIBERNATE, OperationState.PROCESSING, plan.message());
        if (snapshot == SnapshotState.DONE) {
          AgentClient.Snapshot s = finalSnapshots.result(pass.key);
          pass.event("Normal", "FinalSnapshotTaken", "Final full snapshot " + s.object() + " at revision "
              + s.endRevision() + " stored before hibernation.");
        }
      }
      case STEADY -> {
        if (snapshot != SnapshotState.NONE) {
          finalSnapshots.clear(pass.key);
        }
      }
      default -> { }
    }
    if (plan.step() == Step.SCALE_UP) {
      pass.event("Normal", "MemberAdded", "Adding member " + Names.pod(etcd, plan.ordinal())
          + "; it joins as a learner and is promoted by its agent.");
    }
    return plan;
  }

  private void finalSnapshot(Pass pass, Plan plan, SnapshotState snapshot) {
    pass.op(OperationType.HIBERNATE, OperationState.PROCESSING, plan.message());
    pass.soon();
    switch (snapshot) {
      case NONE -> {
        Optional<Member> leader = pass.members.stream()
            .filter(m -> m.ready() && m.status().getRole() == MemberRole.LEADER).findFirst();
        if (leader.isEmpty()) {
          String msg = "Hibernation waits: no ready member reports being the leader, and the final full snapshot"
              + " must come from the leader's agent. Restore quorum, or remove spec.backup to hibernate without a"
              + " final snapshot.";
          pass.op(OperationType.HIBERNATE, OperationState.ERROR, msg);
          pass.error("HibernationBlocked", msg);
          return;
        }
        AgentClient.Target target = agentTarget(pass, leader.get().ordinal());
        finalSnapshots.start(pass.key, leader.get().status().getName(), target);
        pass.event("Normal", "FinalSnapshotRequested", "Asked the leader " + leader.get().status().getName()
            + " for a final full snapshot before hibernation.");
      }
      case FAILED -> {
        String msg = "The final full snapshot before hibernation failed: " + finalSnapshots.failure(pass.key)
            + " It is asked for again; the members keep running until it succeeds.";
        pass.op(OperationType.HIBERNATE, OperationState.ERROR, msg);
        pass.error("FinalSnapshotFailed", msg);
      }
      default -> { }
    }
  }

  // Scale-in: the member leaves etcd before its pod goes, so the cluster never counts a dead vote.
  private boolean removeMember(Pass pass, int ordinal) {
    String podName = Names.pod(pass.etcd, ordinal);
    EtcdAdmin.Target target;
    try {
      target = etcdTarget(pass);
      List<EtcdAdmin.Member> list = admin.members(target);
      Optional<String> leaseId = MemberLease.parse(pass.obs.leases().get(Names.memberLease(pass.etcd, ordinal)))
          .map(MemberLease::memberId);
      Optional<EtcdAdmin.Member> m = list.stream()
          .filter(x -> x.name().equals(podName) || leaseId.map(id -> id.equals(x.id())).orElse(false))
          .findFirst();
      if (m.isPresent()) {
        admin.removeMember(target, m.get().id());
        pass.event("Normal", "MemberRemoved", "Removed member " + podName + " (" + m.get().id()
            + ") from etcd before shrinking the StatefulSet.");
      }
      return true;
    } catch (EtcdAdminException | RuntimeException e) {
      pass.error("MemberRemoveFailed", "Could not remove member " + podName + " from etcd: " + e.getMessage()
          + " The StatefulSet keeps its members until the removal succeeds.");
      return false;
    }
  }

  // Step: the quorum-aware rolling update (ADR 0005).
  private void rollMembers(Pass pass, StatefulSet desired) {
    String hash = Drift.templateHash(desired);
    int replicas = desired.getSpec().getReplicas();
    if (pass.etcd.getSpec().getUpdateStrategy().getType() == UpdateStrategyType.ON_DELETE) {
      int outdated = RollingUpdatePlanner.outdated(replicas, pass.obs.pods(), hash).size();
      if (outdated > 0) {
        pass.op(OperationType.UPDATE, OperationState.PROCESSING, outdated + " member(s) run an older pod template;"
            + " updateStrategy is OnDelete: delete their pods, one at a time, to update them.");
      }
      return;
    }
    LastRestart last = restarts.get(pass.key);
    Decision d = RollingUpdatePlanner.plan(replicas, pass.obs.pods(), hash, pass.members, last, null);
    if (last != null && d.step() != RollingUpdatePlanner.Step.WAIT) {
      restarts.remove(pass.key);
    }
    if (d.step() == RollingUpdatePlanner.Step.NEED_LEADER) {
      String leader = leaderName(pass);
      if (leader == null) {
        String msg = "Rolling update stopped: which member leads is unknown (etcd did not answer and no Lease"
            + " reports a leader). It goes on once the leader is known.";
        pass.op(OperationType.UPDATE, OperationState.ERROR, msg);
        pass.error("LeaderUnknown", msg);
        return;
      }
      d = RollingUpdatePlanner.plan(replicas, pass.obs.pods(), hash, pass.members, null, leader);
    }
    switch (d.step()) {
      case UP_TO_DATE -> { }
      case WAIT -> {
        pass.op(OperationType.UPDATE, OperationState.PROCESSING, d.message());
        pass.soon();
      }
      case BLOCKED -> {
        pass.op(OperationType.UPDATE, OperationState.ERROR, d.message());
        pass.error("RollingUpdateBlocked", d.message());
      }
      case RESTART -> restart(pass, d);
      default -> { }
    }
  }

  private void restart(Pass pass, Decision d) {
    Pod pod = pass.obs.pods().get(d.ordinal());
    if (d.transferee() != null) {
      try {
        EtcdAdmin.Target target = etcdTarget(pass);
        String leaderName = Names.pod(pass.etcd, d.ordinal());
        admin.moveLeader(target, leaderName, d.transferee().status().getId());
        pass.event("Normal", "LeadershipMoved", "Moved leadership from " + leaderName + " to "
            + d.transferee().status().getName() + " before restarting it.");
      } catch (EtcdAdminException | RuntimeException e) {
        // Not fatal: deleting the leader's pod makes the others elect one, only a little later.
        LOG.warn("{}: could not move leadership before restarting the leader: {}", pass.name(), e.getMessage());
      }
    }
    pass.writer.delete(pod);
    restarts.put(pass.key, new LastRestart(pod.getMetadata().getName(), pod.getMetadata().getUid()));
    pass.op(OperationType.UPDATE, OperationState.PROCESSING, d.message());
    pass.event("Normal", "MemberRestarted", d.message());
    pass.soon();
  }

  /** The leader's member name: asked from etcd, else from the Leases. */
  private String leaderName(Pass pass) {
    try {
      String id = admin.leaderId(etcdTarget(pass));
      for (Member m : pass.members) {
        if (id.equals(m.status().getId())) {
          return m.status().getName();
        }
      }
      for (EtcdAdmin.Member m : admin.members(etcdTarget(pass))) {
        if (id.equals(m.id()) && !m.name().isEmpty()) {
          return m.name();
        }
      }
    } catch (EtcdAdminException | RuntimeException e) {
      LOG.warn("{}: leader lookup through etcd failed, using the Leases: {}", pass.name(), e.getMessage());
    }
    return pass.members.stream().filter(m -> m.status().getRole() == MemberRole.LEADER)
        .map(m -> m.status().getName()).findFirst().orElse(null);
  }

  private void expandVolumes(Pass pass, int members) {
    Quantity want = pass.etcd.getSpec().getStorage().getCapacity();
    long wantBytes = Quantity.getAmountInBytes(want).longValue();
    java.util.Set<String> grownClaims = new java.util.HashSet<>();
    for (int i = 0; i < members; i++) {
      PersistentVolumeClaim pvc = pass.obs.volumeClaims().get(Names.dataVolumeClaim(pass.etcd, i));
      if (pvc == null || pvc.getSpec() == null || pvc.getSpec().getResources() == null
          || pvc.getSpec().getResources().getRequests() == null) {
        continue;
      }
      Quantity has = pvc.getSpec().getResources().getRequests().get("storage");
      if (has != null && Quantity.getAmountInBytes(has).longValue() < wantBytes) {
        // The protection label rides along: one write per claim and pass, never two racing each other.
        PersistentVolumeClaim grown = new PersistentVolumeClaimBuilder(relabeled(pvc, ResourceProtection.disabled(pass.etcd)))
            .editSpec().editResources().addToRequests("storage", want).endResources().endSpec().build();
        pass.writer.update(pvc, grown);
        grownClaims.add(pvc.getMetadata().getName());
        pass.event("Normal", "VolumeExpansionRequested", "Asked to grow " + pvc.getMetadata().getName() + " from "
            + has + " to " + want + " (needs a StorageClass that allows expansion).");
      }
    }
    // The StatefulSet controller creates the claims from the (immutable) claim template, so the label
    // the protection policy reads is put on each claim here, including the claims of departed members.
    for (PersistentVolumeClaim pvc : pass.obs.volumeClaims().values()) {
      if (!grownClaims.contains(pvc.getMetadata().getName())) {
        relabel(pass, pvc);
      }
    }
  }

  private void ensureLease(Pass pass, Lease desired) {
    Lease actual = pass.obs.leases().get(desired.getMetadata().getName());
    if (actual == null) {
      pass.writer.create(desired);
    } else if (Drift.metadataDiffers(actual, desired) && protectionOn(pass.etcd)) {
      Lease merged = new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder(actual).build();
      Drift.mergeMetadata(merged.getMetadata(), desired.getMetadata());
      pass.writer.update(actual, merged);
    } else {
      relabel(pass, actual);
    }
  }

  /**
   * Step, whatever the gate: the agents' API token. Created once with a random token; then only read.
   * It runs while a task holds the cluster or the spec is suspended or invalid too, since member pods
   * (which a task may be recreating) cannot start without it. Deleting the Secret rotates the token: a
   * new one is created, the kubelet updates the members' files, agents and operator read it per request.
   * A Secret without a token is never written (the operator holds no update on Secrets): an error says
   * to delete it.
   */
  private void ensureAgentApiSecret(Pass pass) {
    Etcd etcd = pass.etcd;
    Secret actual = agentApiSecret(etcd);
    if (actual == null) {
      pass.writer.create(AgentApiSecret.build(etcd, AgentApiSecret.newToken()));
      pass.event("Normal", "AgentApiTokenCreated", "Created Secret " + Names.agentApiSecret(etcd)
          + " with a new token for the members' agent API.");
      return;
    }
    if (AgentApiSecret.token(actual) == null) {
      pass.error("AgentApiTokenMissing", "Secret " + Names.agentApiSecret(etcd) + " has no token under key '"
          + AgentApiSecret.KEY + "', so member agents cannot start (their --api-token-file is missing). Delete the"
          + " Secret and the operator creates one with a new token" + (ownedBy(actual, etcd) ? "" : " (it was not"
          + " created by the operator, so it is not rewritten)") + ", or put a token under that key.");
    }
  }

  private Secret agentApiSecret(Etcd etcd) {
    return client.secrets().inNamespace(etcd.getMetadata().getNamespace()).withName(Names.agentApiSecret(etcd)).get();
  }

  // A member Lease goes once its member is gone for good: beyond the members kept, and no pod left.
  private void deleteSurplusLeases(Pass pass, int keep) {
    for (Lease l : pass.obs.leases().values()) {
      OptionalInt o = Names.ordinal(pass.etcd.getMetadata().getName(), l.getMetadata().getName());
      if (o.isPresent() && o.getAsInt() >= keep && !pass.obs.pods().containsKey(o.getAsInt())
          && ownedBy(l, pass.etcd)) {
        pass.writer.delete(l);
      }
    }
  }

  /** Create when missing; update the owned fields when they drifted (unless resource protection is off). */
  private <T extends HasMetadata> void sync(
      Pass pass, T actual, T desired, BiPredicate<T, T> differs, BiFunction<T, T, T> merge) {
    if (actual == null) {
      pass.writer.create(desired);
      return;
    }
    if (!differs.test(actual, desired)) {
      return;
    }
    if (!protectionOn(pass.etcd) && !(desired instanceof StatefulSet)) {
      // cairn.dev/disable-resource-protection: a person edits the managed objects by hand; their edits stay.
      // Only the label that lets them (ADR 0009) is written.
      if (relabel(pass, actual)) {
        return;
      }
      LOG.info("{}: {} {} differs from the spec; left as is because {} is set", pass.name(), desired.getKind(),
          desired.getMetadata().getName(), Annotations.DISABLE_RESOURCE_PROTECTION);
      return;
    }
    pass.writer.update(actual, merge.apply(actual, desired));
  }

  private static boolean protectionOn(Etcd etcd) {
    return !ResourceProtection.disabled(etcd);
  }

  /**
   * Step while the spec is not applied (suspended, owned by a task, invalid spec, foreign cluster ID):
   * only the resource-protection label follows the Etcd's annotation, because those are the moments a
   * person most needs the break-glass. A conflict (a task writing the same object) waits for the next pass.
   */
  private void relabel(Pass pass) {
    ClusterCache.Managed m = ClusterCache.managed(pass.etcd, pass.ctx);
    List<HasMetadata> objects = new ArrayList<>(java.util.Arrays.asList(pass.obs.statefulSet(), m.configMap(),
        m.clientService(), m.peerService(), m.pdb(), m.serviceAccount(), m.role(), m.roleBinding()));
    objects.addAll(pass.obs.leases().values());
    objects.addAll(pass.obs.volumeClaims().values());
    for (HasMetadata o : objects) {
      if (o == null) {
        continue;
      }
      try {
        relabel(pass, o);
      } catch (KubernetesClientException e) {
        LOG.info("{}: could not set the resource-protection label on {} {} (HTTP {}); next pass", pass.name(),
            o.getKind(), o.getMetadata().getName(), e.getCode());
        pass.soon();
      }
    }
  }

  /** Writes {@code actual} with only its resource-protection label changed, if it differs; true if written. */
  private boolean relabel(Pass pass, HasMetadata actual) {
    boolean disabled = ResourceProtection.disabled(pass.etcd);
    if (!ResourceProtection.labelDiffers(actual, disabled)) {
      return false;
    }
    pass.writer.update(actual, relabeled(actual, disabled));
    return true;
  }

  /** A copy of {@code actual} (never the cached object itself) with the label set or removed. */
  private <T extends HasMetadata> T relabeled(T actual, boolean disabled) {
    T copy = client.getKubernetesSerialization().clone(actual);
    ResourceProtection.setLabel(copy.getMetadata(), disabled);
    return copy;
  }

  // Step: compute the status, write it once if it changed, record the events of what changed.
  private void writeStatus(Pass pass, Gate gate, List<Problem> problems, boolean applied, Context<Etcd> ctx) {
    Etcd etcd = pass.etcd;
    Long generation = etcd.getMetadata().getGeneration();
    Long appliedGeneration = applied ? generation
        : pass.previous == null ? null : pass.previous.getObservedGeneration();
    StatusCalculator.Facts facts = new StatusCalculator.Facts(appliedGeneration, problems, null, pass.errorList);
    EtcdStatus next = StatusCalculator.compute(etcd, pass.previous, cfg, pass.obs, pass.now, facts);
    LastOperation op = operation(pass, next, applied, appliedGeneration);
    next.setLastOperation(op);
    if (Objects.equals(next, pass.previous)) {
      return;
    }
    String patch = StatusPatch.between(pass.previous, next);
    try {
      Etcd updated = client.resources(Etcd.class).inNamespace(etcd.getMetadata().getNamespace())
          .withName(etcd.getMetadata().getName()).subresource("status")
          .patch(PatchContext.of(PatchType.JSON), patch);
      writes.wrote("Etcd", "patch-status");
      ctx.eventSourceRetriever().getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(etcd), updated, etcd);
    } catch (KubernetesClientException e) {
      LOG.warn("{}: status write failed (HTTP {}): {}", pass.name(), e.getCode(), e.getMessage());
      pass.soon();
      return;
    }
    for (Transitions.Event e : Transitions.between(pass.previous, next)) {
      events.record(etcd, e.type(), e.reason(), e.message());
    }
    LastOperation before = pass.previous == null ? null : pass.previous.getLastOperation();
    if (pass.operationEvent && op != null && !sameOperation(before, op)) {
      String reason = pass.operationEventReason != null ? pass.operationEventReason
          : op.getType().value() + op.getState().value();
      events.record(etcd, op.getState() == OperationState.ERROR ? "Warning" : "Normal", reason, op.getDescription());
    }
    for (Transitions.Event e : pass.actionEvents) {
      events.record(etcd, e.type(), e.reason(), e.message());
    }
  }

  /**
   * The lastOperation after this pass: what a step reported, else the completion of a running operation
   * once every member is ready, else the last applied generation. lastUpdateTime moves only on change.
   */
  private LastOperation operation(Pass pass, EtcdStatus next, boolean applied, Long appliedGeneration) {
    LastOperation prev = pass.previous == null ? null : pass.previous.getLastOperation();
    LastOperation op = pass.operation;
    if (op == null && applied) {
      Condition all = StatusCalculator.find(next.getConditions(), ConditionTypes.ALL_MEMBERS_READY);
      boolean allReady = all != null && "True".equals(all.getStatus());
      int desired = pass.etcd.getSpec().getReplicas();
      boolean hibernated = desired == 0 && pass.obs.statefulSetReplicas() == 0;
      if (prev != null && prev.getState() == OperationState.PROCESSING) {
        switch (prev.getType()) {
          case CREATE -> op = allReady ? done(OperationType.CREATE, "Created " + desired + " members; all are ready.") : prev;
          case SCALE -> op = allReady ? done(OperationType.SCALE, "Scaled to " + desired + " members; all are ready.") : prev;
          case UPDATE -> op = allReady ? done(OperationType.UPDATE, "Every member runs the current pod template.") : prev;
          case HIBERNATE -> op = hibernated ? done(OperationType.HIBERNATE, "Hibernated; the volumes are kept.") : prev;
          default -> { }
        }
      }
      if (op == null) {
        boolean newGeneration = appliedGeneration != null
            && (pass.previous == null || !appliedGeneration.equals(pass.previous.getObservedGeneration()));
        if (prev == null || newGeneration || prev.getState() != OperationState.SUCCEEDED) {
          op = done(OperationType.RECONCILE, "Applied spec generation " + appliedGeneration + ".");
        } else {
          op = prev;
        }
      }
    } else if (op == null) {
      op = prev;
    }
    if (op == null) {
      return null;
    }
    LastOperation out = new LastOperation();
    out.setType(op.getType());
    out.setState(op.getState());
    out.setDescription(op.getDescription());
    out.setLastUpdateTime(sameOperation(prev, op) && prev.getLastUpdateTime() != null
        ? prev.getLastUpdateTime() : Times.format(pass.now));
    return out;
  }

  private static LastOperation done(OperationType type, String description) {
    LastOperation o = new LastOperation();
    o.setType(type);
    o.setState(OperationState.SUCCEEDED);
    o.setDescription(description);
    return o;
  }

  private static boolean sameOperation(LastOperation a, LastOperation b) {
    return a != null && b != null && a.getType() == b.getType() && a.getState() == b.getState()
        && Objects.equals(a.getDescription(), b.getDescription());
  }

  private void consumeOperationAnnotation(Etcd etcd, Context<Etcd> ctx) {
    // JSON Patch "remove" ("/" in the key is "~1" in a JSON pointer); the test makes it a no-op conflict
    // (422) rather than a removal of a value someone has since changed.
    String pointer = "/metadata/annotations/" + Annotations.OPERATION.replace("~", "~0").replace("/", "~1");
    String patch = "[{\"op\":\"test\",\"path\":\"" + pointer + "\",\"value\":\"" + Annotations.OPERATION_RECONCILE
        + "\"},{\"op\":\"remove\",\"path\":\"" + pointer + "\"}]";
    try {
      Etcd updated = client.resources(Etcd.class).inNamespace(etcd.getMetadata().getNamespace())
          .withName(etcd.getMetadata().getName()).patch(PatchContext.of(PatchType.JSON), patch);
      writes.wrote("Etcd", "patch");
      ctx.eventSourceRetriever().getControllerEventSource()
          .handleRecentResourceUpdate(ResourceID.fromResource(etcd), updated, etcd);
      events.record(etcd, "Normal", "OperationDone", "Reconciled on request (" + Annotations.OPERATION + "="
          + Annotations.OPERATION_RECONCILE + "); the annotation was removed.");
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not remove {}: {}", etcd.getMetadata().getNamespace(), etcd.getMetadata().getName(),
          Annotations.OPERATION, e.getMessage());
    }
  }

  // Deletion: the finalizer keeps the Etcd until what the operator made is gone. PVCs and backups stay
  // unless deletionPolicy says Delete.
  @Override
  public DeleteControl cleanup(Etcd etcd, Context<Etcd> ctx) {
    String ns = etcd.getMetadata().getNamespace();
    String name = etcd.getMetadata().getName();
    ResourceWriter w = new ResourceWriter(client, null, writes);
    List<HasMetadata> owned = new ArrayList<>();
    owned.add(client.apps().statefulSets().inNamespace(ns).withName(Names.statefulSet(etcd)).get());
    owned.add(client.configMaps().inNamespace(ns).withName(Names.configMap(etcd)).get());
    owned.add(client.services().inNamespace(ns).withName(Names.clientService(etcd)).get());
    owned.add(client.services().inNamespace(ns).withName(Names.peerService(etcd)).get());
    owned.add(client.policy().v1().podDisruptionBudget().inNamespace(ns).withName(Names.podDisruptionBudget(etcd)).get());
    owned.add(client.rbac().roleBindings().inNamespace(ns).withName(Names.rbac(etcd)).get());
    owned.add(client.rbac().roles().inNamespace(ns).withName(Names.rbac(etcd)).get());
    owned.add(client.serviceAccounts().inNamespace(ns).withName(Names.rbac(etcd)).get());
    owned.addAll(client.leases().inNamespace(ns)
        .withLabels(ManagedMetadata.labels(etcd, dev.cairn.api.Labels.COMPONENT_LEASE)).list().getItems());
    for (HasMetadata o : owned) {
      if (o != null && ownedBy(o, etcd)) {
        deleteQuietly(w, o);
      }
    }
    // Where nothing collects garbage (the test API server, local mode) the members' pods would outlive
    // their StatefulSet; deleting them is what the garbage collector would do.
    for (Pod p : client.pods().inNamespace(ns).withLabels(ManagedMetadata.memberSelector(etcd)).list().getItems()) {
      if (Names.ordinal(name, p.getMetadata().getName()).isPresent()) {
        deleteQuietly(w, p);
      }
    }
    boolean deleteVolumes = etcd.getSpec().getDeletionPolicy().getVolumes() == RetentionPolicy.DELETE;
    if (deleteVolumes) {
      for (PersistentVolumeClaim c : client.persistentVolumeClaims().inNamespace(ns)
          .withLabels(ManagedMetadata.memberSelector(etcd)).list().getItems()) {
        if (c.getMetadata().getName().startsWith(Names.DATA_VOLUME + "-" + name + "-")) {
          deleteQuietly(w, c);
        }
      }
    }
    String volumes = deleteVolumes ? "the data volumes were deleted (deletionPolicy.volumes=Delete)"
        : "the data volumes are kept (deletionPolicy.volumes=Retain); delete the PVCs data-" + name + "-* to free them";
    events.record(etcd, "Normal", "Deleted", "Deleted the managed resources; " + volumes + ".");
    // Stored snapshots and their EtcdSnapshot records (deletionPolicy.backups) are the catalog's
    // business: its own finalizer (dev.cairn.controller.catalog.CatalogReconciler) deletes or keeps them.
    String key = etcd.getMetadata().getUid() != null ? etcd.getMetadata().getUid() : ns + "/" + name;
    finalSnapshots.clear(key);
    restarts.remove(key);
    return DeleteControl.defaultDelete();
  }

  private static void deleteQuietly(ResourceWriter w, HasMetadata o) {
    try {
      w.delete(o);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static boolean ownedBy(HasMetadata o, Etcd etcd) {
    return o.getMetadata().getOwnerReferences() != null && o.getMetadata().getOwnerReferences().stream()
        .anyMatch(r -> "Etcd".equals(r.getKind()) && Objects.equals(r.getUid(), etcd.getMetadata().getUid()));
  }

  private static String annotation(Etcd etcd, String key) {
    return etcd.getMetadata().getAnnotations() == null ? null : etcd.getMetadata().getAnnotations().get(key);
  }

  // How the operator reaches members. Without TLS: the pod IP when known (local mode has no cluster DNS
  // for the operator), else the stable DNS name. With TLS: the DNS name, which the certificates cover.
  private EtcdAdmin.Target etcdTarget(Pass pass) {
    Etcd etcd = pass.etcd;
    boolean tls = etcd.getSpec().getEtcd().getClientTLS() != null;
    Map<String, URI> endpoints = new LinkedHashMap<>();
    for (int i = 0; i < pass.obs.statefulSetReplicas(); i++) {
      endpoints.put(Names.pod(etcd, i), URI.create((tls ? "https" : "http") + "://"
          + host(pass, i, tls) + ":" + etcd.getSpec().getEtcd().getClientPort()));
    }
    ClientTls material = null;
    if (tls) {
      Map<String, byte[]> s = secret(etcd, etcd.getSpec().getEtcd().getClientTLS().getSecretRef().getName());
      material = new ClientTls(s.get(SecretKeys.CA_CERT), s.get(SecretKeys.TLS_CERT), s.get(SecretKeys.TLS_KEY));
    }
    return new EtcdAdmin.Target(etcd.getMetadata().getNamespace(), etcd.getMetadata().getName(), endpoints, material);
  }

  private AgentClient.Target agentTarget(Pass pass, int ordinal) {
    Etcd etcd = pass.etcd;
    boolean tls = etcd.getSpec().getAgent().getTls() != null;
    URI url = URI.create((tls ? "https" : "http") + "://" + host(pass, ordinal, tls) + ":"
        + etcd.getSpec().getAgent().getPort());
    byte[] ca = tls ? secret(etcd, etcd.getSpec().getAgent().getTls().getSecretRef().getName()).get(SecretKeys.CA_CERT)
        : null;
    return new AgentClient.Target(url, ca, AgentApiSecret.token(agentApiSecret(etcd)));
  }

  private static String host(Pass pass, int ordinal, boolean tls) {
    Pod p = pass.obs.pods().get(ordinal);
    String ip = p == null || p.getStatus() == null ? null : p.getStatus().getPodIP();
    return !tls && ip != null && !ip.isBlank() ? ip : Names.peerHost(pass.etcd, ordinal);
  }

  private Map<String, byte[]> secret(Etcd etcd, String name) {
    Secret s = client.secrets().inNamespace(etcd.getMetadata().getNamespace()).withName(name).get();
    if (s == null) {
      throw new IllegalStateException("Secret " + name + " does not exist");
    }
    Map<String, byte[]> out = new LinkedHashMap<>();
    base64Data(s).forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v.getBytes(StandardCharsets.US_ASCII))));
    return out;
  }

  /**
   * A Secret's values, base64 as in {@code data}. {@code stringData} counts too: the API server folds it
   * into data on write, but the test API server and local mode keep it as written.
   */
  static Map<String, String> base64Data(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getStringData() != null) {
      s.getStringData().forEach((k, v) ->
          out.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    }
    if (s.getData() != null) {
      out.putAll(s.getData());
    }
    return out;
  }

  @Override
  public void close() {
    finalSnapshots.close();
  }
}
