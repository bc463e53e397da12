package dev.cairn.controller.tasks;

import dev.cairn.api.ConditionTypes;
import dev.cairn.api.GoDuration;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdSnapshot;
import dev.cairn.api.v1alpha1.RestoreConfig;
import dev.cairn.api.v1alpha1.TaskPhase;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.status.Times;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The preconditions a task must meet before anything runs. Each refusal says what was found, what the
 * task needs and what to do; a refused task is Rejected and changed nothing.
 */
final class Admission {

  private Admission() {}

  static boolean active(EtcdOpsTask t) {
    TaskPhase p = t.getStatus() == null ? null : t.getStatus().getPhase();
    return p == TaskPhase.ADMITTED || p == TaskPhase.RUNNING;
  }

  static boolean finished(TaskPhase p) {
    return p == TaskPhase.SUCCEEDED || p == TaskPhase.FAILED || p == TaskPhase.REJECTED;
  }

  /** Why the task may not run, or null when it may. {@code others}: every task in the namespace. */
  static String refusal(Tasks tasks, EtcdOpsTask task, Etcd etcd, List<EtcdOpsTask> others, Instant now) {
    String etcdName = task.getSpec().getEtcdRef().getName();
    String ns = task.getMetadata().getNamespace();
    if (etcd == null) {
      return "Etcd " + ns + "/" + etcdName + " does not exist: spec.etcdRef.name must name an Etcd in the task's"
          + " namespace.";
    }
    if (etcd.getMetadata().getDeletionTimestamp() != null) {
      return "Etcd " + ns + "/" + etcdName + " is being deleted.";
    }
    for (EtcdOpsTask o : others) {
      if (!o.getMetadata().getName().equals(task.getMetadata().getName())
          && etcdName.equals(o.getSpec().getEtcdRef().getName()) && active(o)) {
        return "Task " + o.getMetadata().getName() + " (" + o.getSpec().getType().value() + ", "
            + o.getStatus().getPhase().value() + ") is already working on Etcd " + etcdName + ": one task per Etcd at a"
            + " time. Create this task again once it has finished.";
      }
    }
    String holder = ClusterOps.suspendedBy(etcd);
    if (holder != null && !holder.equals(task.getMetadata().getName())) {
      EtcdOpsTask h = others.stream().filter(o -> o.getMetadata().getName().equals(holder)).findFirst().orElse(null);
      if (h != null && !(h.getStatus() != null && finished(h.getStatus().getPhase()))) {
        return "Etcd " + etcdName + " is suspended by task " + holder + ", which has not finished.";
      }
    }
    TaskType type = task.getSpec().getType();
    int replicas = etcd.getSpec().getReplicas() == null ? 0 : etcd.getSpec().getReplicas();
    switch (type) {
      case SNAPSHOT -> {
        if (etcd.getSpec().getBackup() == null) {
          return "Etcd " + etcdName + " has no spec.backup: there is no store to take a snapshot to. Configure"
              + " spec.backup first.";
        }
        if (replicas == 0) {
          return "Etcd " + etcdName + " is hibernated (spec.replicas is 0): no member runs to take a snapshot.";
        }
      }
      case RESTORE -> {
        if (etcd.getSpec().getBackup() == null) {
          return "Etcd " + etcdName + " has no spec.backup: there is no store to restore from.";
        }
        if (replicas == 0) {
          return "Etcd " + etcdName + " is hibernated (spec.replicas is 0): set spec.replicas before restoring.";
        }
        RestoreConfig r = task.getSpec().getRestore();
        if (r == null || (r.getSnapshotName() == null) == (r.getRevision() == null)) {
          return "spec.restore needs exactly one of snapshotName or revision.";
        }
        if (r.getSnapshotName() != null) {
          EtcdSnapshot s = tasks.client.resources(EtcdSnapshot.class).withName(r.getSnapshotName()).get();
          if (s == null) {
            return "EtcdSnapshot " + r.getSnapshotName() + " does not exist. kubectl get etcdsnap -l"
                + " cairn.dev/etcd-name=" + etcdName + " lists this cluster's snapshots.";
          }
          if (s.getSpec() == null || s.getSpec().getEtcdRef() == null
              || !ns.equals(s.getSpec().getEtcdRef().getNamespace()) || !etcdName.equals(s.getSpec().getEtcdRef().getName())) {
            return "EtcdSnapshot " + r.getSnapshotName() + " belongs to Etcd " + (s.getSpec() == null
                || s.getSpec().getEtcdRef() == null ? "(none)" : s.getSpec().getEtcdRef().getNamespace() + "/"
                + s.getSpec().getEtcdRef().getName()) + ", not " + ns + "/" + etcdName + ". To restore another"
                + " cluster's snapshot, copy it into this cluster's store.";
          }
          if (s.getMetadata().getDeletionTimestamp() != null) {
            return "EtcdSnapshot " + r.getSnapshotName() + " is being deleted.";
          }
        }
      }
      case RECOVER_QUORUM -> {
        if (replicas == 0) {
          return "Etcd " + etcdName + " is hibernated (spec.replicas is 0): there is no quorum to recover.";
        }
        boolean force = task.getSpec().getRecoverQuorum() != null
            && Boolean.TRUE.equals(task.getSpec().getRecoverQuorum().getForce());
        if (!force) {
          return quorumNotLost(etcd, now, minQuorumLoss(tasks, etcd));
        }
      }
      default -> {
        return "unknown task type " + type;
      }
    }
    return null;
  }

  /**
   * How long quorum must have been lost before a RecoverQuorum runs: the time after which the operator
   * calls a silent member Unknown, or the Etcd's own grace period when that is shorter.
   */
  static Duration minQuorumLoss(Tasks tasks, Etcd etcd) {
    Duration d = tasks.cfg.memberUnknownAfter;
    try {
      Duration grace = GoDuration.parse(etcd.getSpec().getRecovery().getQuorumLossGracePeriod());
      return grace.compareTo(d) < 0 ? grace : d;
    } catch (RuntimeException e) {
      return d;
    }
  }

  /** Null when quorum has been lost for at least {@code minAge}, else why the recovery may not run. */
  static String quorumNotLost(Etcd etcd, Instant now, Duration minAge) {
    String name = etcd.getMetadata().getName();
    Condition c = etcd.getStatus() == null || etcd.getStatus().getConditions() == null ? null
        : etcd.getStatus().getConditions().stream().filter(x -> ConditionTypes.READY.equals(x.getType())).findFirst()
            .orElse(null);
    String force = " If the members are really gone but the operator cannot tell (for example it cannot reach them),"
        + " create the task with spec.recoverQuorum.force: true.";
    if (c == null) {
      return "Etcd " + name + " reports no Ready condition yet, so a quorum loss cannot be confirmed." + force;
    }
    if ("True".equals(c.getStatus())) {
      return "Quorum is not lost: Etcd " + name + " is Ready (" + c.getReason() + ") since " + c.getLastTransitionTime()
          + ". RecoverQuorum restarts the cluster from one member and is only for a lost quorum.";
    }
    if (!ConditionTypes.REASON_QUORUM_LOST.equals(c.getReason())) {
      return "Etcd " + name + " is not Ready with reason " + c.getReason() + ", not " + ConditionTypes.REASON_QUORUM_LOST
          + ": RecoverQuorum is only for a lost quorum." + force;
    }
    Instant since = c.getLastTransitionTime() == null ? now : Times.parse(c.getLastTransitionTime());
    Duration lost = Duration.between(since, now);
    if (lost.compareTo(minAge) < 0) {
      return "Quorum has been lost for only " + lost.toSeconds() + "s (since " + c.getLastTransitionTime() + "); a"
          + " recovery runs once it has been lost for " + minAge.toSeconds() + "s, so that a member that is only"
          + " restarting is not written off. Create the task again later." + force;
    }
    return null;
  }
}
