package dev.cairn.controller.status;

import dev.cairn.api.ConditionTypes;
import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.BackupSpec;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdStatus;
import dev.cairn.api.v1alpha1.LastError;
import dev.cairn.api.v1alpha1.LastOperation;
import dev.cairn.api.v1alpha1.MemberRole;
import dev.cairn.api.v1alpha1.MemberState;
import dev.cairn.api.v1alpha1.MemberStatus;
import dev.cairn.api.v1alpha1.SnapshotRef;
import dev.cairn.controller.OperatorConfig;
import dev.cairn.controller.model.Names;
import dev.cairn.controller.model.Quorum;
import dev.cairn.controller.model.SpecValidator.Problem;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns what was observed (pods, Leases, PVCs, the StatefulSet) into an {@link EtcdStatus}: pure, no
 * client, the clock passed in. Every message is a function of state, never of elapsed time, so an
 * unchanged cluster yields an equal status and nothing is written.
 */
public final class StatusCalculator {

  /** What the reconciler decided this pass, folded into the status. */
  public record Facts(
      Long appliedGeneration, List<Problem> specProblems, LastOperation lastOperation, List<LastError> errors) {
    public Facts {
      specProblems = List.copyOf(specProblems);
      errors = List.copyOf(errors);
    }
  }

  /** One member's computed status plus its parsed lease, for the reconciler's decisions. */
  public record Member(int ordinal, MemberStatus status, Optional<MemberLease> lease) {
    public boolean ready() {
      return status.getStatus() == MemberState.READY;
    }

    public boolean voting() {
      return status.getRole() != MemberRole.LEARNER;
    }
  }

  private StatusCalculator() {}

  /** The members the StatefulSet should have (ordinals below its replicas), in ordinal order. */
  public static List<Member> members(
      Etcd etcd, EtcdStatus previous, OperatorConfig cfg, Observation obs, Instant now, String clusterId) {
    List<Member> out = new ArrayList<>();
    Map<String, MemberStatus> before = new TreeMap<>();
    if (previous != null && previous.getMembers() != null) {
      previous.getMembers().forEach(m -> before.put(m.getName(), m));
    }
    int n = obs.statefulSetReplicas();
    for (int i = 0; i < n; i++) {
      String name = Names.pod(etcd, i);
      Pod pod = obs.pods().get(i);
      Optional<MemberLease> lease = MemberLease.parse(obs.leases().get(Names.memberLease(etcd, i)));
      MemberStatus m = new MemberStatus();
      m.setName(name);
      lease.ifPresent(l -> {
        m.setId(l.memberId());
        m.setRole(l.role());
      });
      MemberState state;
      String reason = null;
      if (pod == null) {
        state = MemberState.NOT_READY;
        reason = "PodMissing";
      } else if (pod.getMetadata().getDeletionTimestamp() != null) {
        state = MemberState.NOT_READY;
        reason = "PodTerminating";
      } else if (!Observation.podReady(pod)) {
        state = MemberState.NOT_READY;
        reason = "PodNotReady";
      } else if (lease.isEmpty()) {
        state = MemberState.UNKNOWN;
        reason = "LeaseNotRenewed";
      } else {
        Duration age = Duration.between(lease.get().renewTime(), now);
        if (age.compareTo(cfg.memberNotReadyAfter) > 0) {
          state = MemberState.NOT_READY;
          reason = "LeaseExpired";
        } else if (age.compareTo(cfg.memberUnknownAfter) > 0) {
          state = MemberState.UNKNOWN;
          reason = "LeaseExpired";
        } else if (clusterId != null && !clusterId.equals(lease.get().clusterId())) {
          state = MemberState.NOT_READY;
          reason = "ClusterIDMismatch";
        } else {
          state = MemberState.READY;
        }
      }
      m.setStatus(state);
      m.setReason(reason);
      MemberStatus old = before.get(name);
      m.setLastTransitionTime(old != null && old.getStatus() == state && old.getLastTransitionTime() != null
          ? old.getLastTransitionTime()
          : Times.format(now));
      out.add(new Member(i, m, lease));
    }
    return out;
  }

  /**
   * The cluster ID: the one already in status, else the one the leader reports through a fresh Lease
   * (learned when the cluster first forms).
   */
  public static String clusterId(Etcd etcd, EtcdStatus previous, OperatorConfig cfg, Observation obs, Instant now) {
    if (previous != null && previous.getClusterID() != null) {
      return previous.getClusterID();
    }
    for (int i = 0; i < obs.statefulSetReplicas(); i++) {
      Optional<MemberLease> l = MemberLease.parse(obs.leases().get(Names.memberLease(etcd, i)));
      if (l.isPresent() && l.get().role() == MemberRole.LEADER && Observation.podReady(obs.pods().get(i))
          && Duration.between(l.get().renewTime(), now).compareTo(cfg.memberUnknownAfter) <= 0) {
        return l.get().clusterId();
      }
    }
    return null;
  }

  public static EtcdStatus compute(
      Etcd etcd, EtcdStatus previous, OperatorConfig cfg, Observation obs, Instant now, Facts facts) {
    String clusterId = clusterId(etcd, previous, cfg, obs, now);
    List<Member> members = members(etcd, previous, cfg, obs, now, clusterId);
    EtcdStatus s = new EtcdStatus();
    s.setObservedGeneration(facts.appliedGeneration());
    s.setClusterID(clusterId);
    s.setMembers(members.isEmpty() ? null : members.stream().map(Member::status).toList());
    s.setReplicas((int) obs.pods().values().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).count());
    s.setReadyReplicas((int) members.stream().filter(Member::ready).count());
    s.setLabelSelector(Labels.memberSelectorString(etcd.getMetadata().getName()));
    Optional<MemberLease.SnapshotLease> full =
        MemberLease.SnapshotLease.parse(obs.leases().get(Names.fullSnapshotLease(etcd)));
    Optional<MemberLease.SnapshotLease> delta =
        MemberLease.SnapshotLease.parse(obs.leases().get(Names.deltaSnapshotLease(etcd)));
    s.setLastFullSnapshot(full.map(StatusCalculator::ref).orElse(null));
    s.setLastDeltaSnapshot(delta.map(StatusCalculator::ref).orElse(null));
    s.setLastOperation(facts.lastOperation());
    s.setLastErrors(errors(previous, facts.errors(), now));
    s.setReconcileSuspendedBy(previous == null ? null : previous.getReconcileSuspendedBy());

    boolean hibernated = etcd.getSpec().getReplicas() == 0 && obs.statefulSetReplicas() == 0;
    List<Condition> conditions = new ArrayList<>();
    conditions.add(ready(etcd, members, hibernated, clusterId));
    conditions.add(allMembersReady(etcd, members, hibernated, obs));
    conditions.add(backupReady(etcd, cfg, full, delta, now));
    conditions.add(dataVolumesReady(etcd, obs));
    conditions.add(clusterIdMismatch(clusterId, members));
    conditions.add(specValid(facts.specProblems()));
    List<Condition> previousConditions = previous == null ? null : previous.getConditions();
    for (Condition c : conditions) {
      c.setObservedGeneration(facts.appliedGeneration());
      Condition old = find(previousConditions, c.getType());
      c.setLastTransitionTime(old != null && c.getStatus().equals(old.getStatus()) && old.getLastTransitionTime() != null
          ? old.getLastTransitionTime()
          : Times.format(now));
    }
    s.setConditions(conditions);
    return s;
  }

  /** The condition of this type, or null. */
  public static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private static SnapshotRef ref(MemberLease.SnapshotLease l) {
    SnapshotRef r = new SnapshotRef();
    r.setRevision(l.revision());
    r.setTime(Times.format(l.time()));
    return r;
  }

  /** Newest first, at most 10; an error seen before keeps its first observedAt. Null when none. */
  static List<LastError> errors(EtcdStatus previous, List<LastError> current, Instant now) {
    if (current.isEmpty()) {
      return null;
    }
    List<LastError> out = new ArrayList<>();
    for (LastError e : current) {
      LastError copy = new LastError();
      copy.setCode(e.getCode());
      copy.setDescription(e.getDescription());
      copy.setObservedAt(Times.format(now));
      if (previous != null && previous.getLastErrors() != null) {
        previous.getLastErrors().stream()
            .filter(p -> p.getCode().equals(e.getCode()) && p.getDescription().equals(e.getDescription()))
            .findFirst()
            .ifPresent(p -> copy.setObservedAt(p.getObservedAt()));
      }
      out.add(copy);
      if (out.size() == EtcdStatus.MAX_LAST_ERRORS) {
        break;
      }
    }
    return out;
  }

  private static Condition condition(String type, String status, String reason, String message) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message).build();
  }

  static Condition ready(Etcd etcd, List<Member> members, boolean hibernated, String clusterId) {
    if (hibernated) {
      return condition(ConditionTypes.READY, "False", ConditionTypes.REASON_HIBERNATED,
          "The cluster is hibernated (spec.replicas is 0); its volumes are kept. Set spec.replicas to wake it up.");
    }
    // Until the cluster has formed once, "no quorum" is the normal state of a starting cluster.
    if (clusterId == null || members.stream().allMatch(m -> m.lease().isEmpty())) {
      return condition(ConditionTypes.READY, "Unknown", ConditionTypes.REASON_NO_MEMBERS_REPORTED,
          "No member has reported a leader through its Lease yet.");
    }
    long votingMembers = members.stream().filter(Member::voting).count();
    long readyVoting = members.stream().filter(m -> m.voting() && m.ready()).count();
    int quorum = Quorum.of((int) votingMembers);
    Optional<Member> leader = members.stream()
        .filter(m -> m.ready() && m.status().getRole() == MemberRole.LEADER).findFirst();
    if (readyVoting >= quorum && leader.isPresent()) {
      return condition(ConditionTypes.READY, "True", ConditionTypes.REASON_QUORATE,
          readyVoting + " of " + votingMembers + " voting members are ready; the leader is "
              + leader.get().status().getName() + ".");
    }
    return condition(ConditionTypes.READY, "False", ConditionTypes.REASON_QUORUM_LOST,
        readyVoting + " of " + votingMembers + " voting members are ready"
            + (leader.isEmpty() ? " and none reports being the leader" : "") + "; quorum needs " + quorum
            + ". Check the members below; if they cannot come back, create an EtcdOpsTask of type RecoverQuorum.");
  }

  static Condition allMembersReady(Etcd etcd, List<Member> members, boolean hibernated, Observation obs) {
    if (hibernated) {
      return condition(ConditionTypes.ALL_MEMBERS_READY, "False", ConditionTypes.REASON_HIBERNATED,
          "The cluster is hibernated (spec.replicas is 0).");
    }
    int desired = etcd.getSpec().getReplicas();
    List<String> problems = new ArrayList<>();
    for (Member m : members) {
      if (!m.ready()) {
        problems.add(m.status().getName() + " is " + m.status().getStatus().value() + " (" + m.status().getReason() + ")");
      } else if (!m.voting()) {
        problems.add(m.status().getName() + " is a learner, not yet promoted");
      }
    }
    if (members.size() != desired) {
      problems.add(0, members.size() + " of " + desired + " members exist");
    }
    if (problems.isEmpty()) {
      return condition(ConditionTypes.ALL_MEMBERS_READY, "True", ConditionTypes.REASON_ALL_MEMBERS_READY,
          "All " + desired + " members are ready and voting.");
    }
    return condition(ConditionTypes.ALL_MEMBERS_READY, "False", ConditionTypes.REASON_MEMBERS_NOT_READY,
        String.join("; ", problems) + ".");
  }

  static Condition backupReady(
      Etcd etcd, OperatorConfig cfg, Optional<MemberLease.SnapshotLease> full,
      Optional<MemberLease.SnapshotLease> delta, Instant now) {
    BackupSpec b = etcd.getSpec().getBackup();
    if (b == null) {
      return condition(ConditionTypes.BACKUP_READY, "Unknown", ConditionTypes.REASON_BACKUP_NOT_CONFIGURED,
          "spec.backup is not set: the data lives only on the members' volumes.");
    }
    if (etcd.getSpec().getReplicas() == 0 && full.isPresent()) {
      return condition(ConditionTypes.BACKUP_READY, "True", ConditionTypes.REASON_BACKUP_SUCCEEDED,
          "Hibernated; the last full snapshot is at revision " + full.get().revision() + " ("
              + Times.format(full.get().time()) + ").");
    }
    Instant created = Times.parse(etcd.getMetadata().getCreationTimestamp());
    Instant due = Cron.parse(b.getFullSnapshotSchedule()).previousFire(now.minus(cfg.fullSnapshotGrace));
    // A snapshot is owed only for schedule times after the cluster existed.
    boolean owed = due != null && (created == null || created.isBefore(due));
    if (full.isEmpty()) {
      if (!owed) {
        return condition(ConditionTypes.BACKUP_READY, "Unknown", ConditionTypes.REASON_BACKUP_STALE,
            "No full snapshot has been reported yet; none is due yet under \"" + b.getFullSnapshotSchedule() + "\".");
      }
      return condition(ConditionTypes.BACKUP_READY, "False", ConditionTypes.REASON_BACKUP_STALE,
          "No full snapshot has been reported, although one was due at " + Times.format(due)
              + ". Check the leader's agent logs and the store.");
    }
    if (owed && full.get().time().isBefore(due)) {
      return condition(ConditionTypes.BACKUP_READY, "False", ConditionTypes.REASON_BACKUP_STALE,
          "The newest full snapshot (revision " + full.get().revision() + ", " + Times.format(full.get().time())
              + ") is older than the one due at " + Times.format(due) + " under \"" + b.getFullSnapshotSchedule()
              + "\". Check the leader's agent logs and the store.");
    }
    // Deltas are cut only when there were writes, so their age alone proves nothing; they are reported.
    String deltas = delta.map(d -> " The newest delta snapshot is at revision " + d.revision() + " ("
        + Times.format(d.time()) + ").").orElse("");
    return condition(ConditionTypes.BACKUP_READY, "True", ConditionTypes.REASON_BACKUP_SUCCEEDED,
        "The newest full snapshot is at revision " + full.get().revision() + " (" + Times.format(full.get().time())
            + ")." + deltas);
  }

  static Condition dataVolumesReady(Etcd etcd, Observation obs) {
    int n = obs.statefulSetReplicas();
    if (n == 0) {
      return condition(ConditionTypes.DATA_VOLUMES_READY, "True", ConditionTypes.REASON_VOLUMES_READY,
          "No members run; existing volumes are kept.");
    }
    List<String> unbound = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = Names.dataVolumeClaim(etcd, i);
      PersistentVolumeClaim pvc = obs.volumeClaims().get(name);
      String phase = pvc == null || pvc.getStatus() == null ? null : pvc.getStatus().getPhase();
      if (!"Bound".equals(phase)) {
        unbound.add(name + " (" + (pvc == null ? "not created" : phase == null ? "no phase" : phase) + ")");
      }
    }
    if (unbound.isEmpty()) {
      return condition(ConditionTypes.DATA_VOLUMES_READY, "True", ConditionTypes.REASON_VOLUMES_READY,
          "All " + n + " data volumes are bound.");
    }
    return condition(ConditionTypes.DATA_VOLUMES_READY, "False", ConditionTypes.REASON_VOLUME_NOT_BOUND,
        "Not bound: " + String.join(", ", unbound) + ". Check the StorageClass and the PVC events.");
  }

  public static Condition clusterIdMismatch(String clusterId, List<Member> members) {
    Set<String> foreign = new LinkedHashSet<>();
    if (clusterId != null) {
      for (Member m : members) {
        m.lease().filter(l -> !clusterId.equals(l.clusterId()))
            .ifPresent(l -> foreign.add(m.status().getName() + " reports " + l.clusterId()));
      }
    }
    if (foreign.isEmpty()) {
      return condition(ConditionTypes.CLUSTER_ID_MISMATCH, "False", ConditionTypes.REASON_CLUSTER_ID_MATCHES,
          clusterId == null ? "No cluster ID learned yet." : "Every member reports cluster " + clusterId + ".");
    }
    return condition(ConditionTypes.CLUSTER_ID_MISMATCH, "True", ConditionTypes.REASON_CLUSTER_ID_MISMATCH,
        "The cluster is " + clusterId + " but " + String.join(", ", foreign) + ": a volume holds another cluster's"
            + " data. The operator changes nothing until this is resolved; restore or wipe that member's volume.");
  }

  static Condition specValid(List<Problem> problems) {
    if (problems.isEmpty()) {
      return condition(ConditionTypes.SPEC_VALID, "True", ConditionTypes.REASON_SPEC_VALID, "The spec passed every check.");
    }
    return condition(ConditionTypes.SPEC_VALID, "False", ConditionTypes.REASON_SPEC_INVALID,
        problems.stream().map(p -> p.field() + ": " + p.message()).collect(Collectors.joining(" ")));
  }
}
