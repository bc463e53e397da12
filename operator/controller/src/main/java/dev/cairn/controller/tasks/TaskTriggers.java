package dev.cairn.controller.tasks;

import dev.cairn.api.Annotations;
import dev.cairn.api.ConditionTypes;
import dev.cairn.api.GoDuration;
import dev.cairn.api.v1alpha1.Etcd;
import dev.cairn.api.v1alpha1.EtcdOpsTask;
import dev.cairn.api.v1alpha1.EtcdOpsTaskSpec;
import dev.cairn.api.v1alpha1.LocalEtcdReference;
import dev.cairn.api.v1alpha1.RecoverQuorumConfig;
import dev.cairn.api.v1alpha1.SnapshotKind;
import dev.cairn.api.v1alpha1.SnapshotTaskConfig;
import dev.cairn.api.v1alpha1.TaskType;
import dev.cairn.controller.catalog.JsonPatches;
import dev.cairn.controller.etcd.AgentClient;
import dev.cairn.controller.etcd.AgentException;
import dev.cairn.controller.model.MemberStatefulSet;
import dev.cairn.controller.status.Times;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Set;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an Etcd asks of the tasks: the {@code cairn.dev/operation} annotation values {@code recover-quorum},
 * {@code snapshot-full} and {@code snapshot-delta} create the matching task (and the annotation is
 * removed); with {@code spec.recovery.automatic} a RecoverQuorum task is created once quorum has been lost
 * for {@code spec.recovery.quorumLossGracePeriod}, at most one per loss; and a suspension left by a task
 * that no longer exists is cleared, so a deleted task never leaves its cluster unmanaged.
 */
@ControllerConfiguration(name = TaskTriggers.NAME)
public final class TaskTriggers implements Reconciler<Etcd> {

  public static final String NAME = "etcd-tasks";
  /** On tasks the operator creates: who asked. */
  public static final String CREATED_BY = "cairn.dev/created-by";
  /** On automatic RecoverQuorum tasks: when the quorum loss they answer began (epoch seconds). */
  public static final String QUORUM_LOST_SINCE = "cairn.dev/quorum-lost-since";
  private static final Logger LOG = LoggerFactory.getLogger(TaskTriggers.class);
  private static final Duration DIRECTIVE_TIMEOUT = Duration.ofSeconds(10);

  private final Tasks tasks;

  TaskTriggers(Tasks tasks) {
    this.tasks = tasks;
  }

  /** Annotations, spec, the Ready condition and the suspension matter; other status changes do not. */
  static boolean etcdChanged(Etcd now, Etcd before) {
    return !Objects.equals(now.getMetadata().getAnnotations(), before.getMetadata().getAnnotations())
        || !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
        || !Objects.equals(Steps.ready(now), Steps.ready(before))
        || !Objects.equals(ClusterOps.suspendedBy(now), ClusterOps.suspendedBy(before));
  }

  /** Tasks map to the Etcd they name: a task's deletion or end is a reason to look at its Etcd. */
  @Override
  public List<EventSource<?, Etcd>> prepareEventSources(EventSourceContext<Etcd> ctx) {
    var cfg = InformerEventSourceConfiguration.from(EtcdOpsTask.class, Etcd.class)
        .withName("EtcdOpsTask")
        .withSecondaryToPrimaryMapper(t -> t.getSpec() == null || t.getSpec().getEtcdRef() == null ? Set.of()
            : Set.of(new ResourceID(t.getSpec().getEtcdRef().getName(), t.getMetadata().getNamespace())))
        .withOnUpdateFilter((now, before) -> !Objects.equals(
            now.getStatus() == null ? null : now.getStatus().getPhase(),
            before.getStatus() == null ? null : before.getStatus().getPhase()))
        .build();
    return List.of(new InformerEventSource<>(cfg, ctx));
  }

  @Override
  public UpdateControl<Etcd> reconcile(Etcd etcd, Context<Etcd> ctx) {
    if (etcd.getMetadata().getDeletionTimestamp() != null) {
      return UpdateControl.noUpdate();
    }
    Instant now = tasks.clock.instant();
    operationAnnotation(etcd, now);
    clearStaleSuspension(etcd);
    Duration next = automaticRecovery(etcd, now);
    if (ClusterOps.suspendedBy(etcd) != null) {
      // Safety net besides the task events: a suspension is checked for staleness now and then.
      Duration check = tasks.poll.multipliedBy(10);
      next = next == null || check.compareTo(next) < 0 ? check : next;
    }
    return next == null ? UpdateControl.noUpdate() : UpdateControl.<Etcd>noUpdate().rescheduleAfter(next);
  }

  private void operationAnnotation(Etcd cached, Instant now) {
    if (cached.getMetadata().getAnnotations() == null || cached.getMetadata().getAnnotations().get(Annotations.OPERATION) == null) {
      return;
    }
    // Fresh: a cached copy may still show an annotation this reconciler removed a moment ago.
    Etcd etcd = tasks.ops.etcd(cached.getMetadata().getNamespace(), cached.getMetadata().getName());
    String op = etcd == null || etcd.getMetadata().getAnnotations() == null ? null
        : etcd.getMetadata().getAnnotations().get(Annotations.OPERATION);
    if (op == null) {
      return;
    }
    EtcdOpsTaskSpec spec = new EtcdOpsTaskSpec();
    spec.setEtcdRef(new LocalEtcdReference(etcd.getMetadata().getName()));
    switch (op) {
      case Annotations.OPERATION_RECOVER_QUORUM -> spec.setType(TaskType.RECOVER_QUORUM);
      case Annotations.OPERATION_SNAPSHOT_FULL, Annotations.OPERATION_SNAPSHOT_DELTA -> {
        spec.setType(TaskType.SNAPSHOT);
        SnapshotTaskConfig s = new SnapshotTaskConfig();
        s.setKind(op.equals(Annotations.OPERATION_SNAPSHOT_FULL) ? SnapshotKind.FULL : SnapshotKind.DELTA);
        spec.setSnapshot(s);
      }
      default -> {
        return; // "reconcile" belongs to the Etcd reconciler; anything else is not ours
      }
    }
    String name = taskName(etcd.getMetadata().getName(), op, now);
    EtcdOpsTask t = task(etcd, name, spec, "annotation");
    try {
      tasks.client.resource(t).create();
      tasks.writes.wrote("EtcdOpsTask", "create");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        LOG.warn("{}/{}: could not create the task for {}={}: {}", etcd.getMetadata().getNamespace(),
            etcd.getMetadata().getName(), Annotations.OPERATION, op, e.getMessage());
        return;
      }
    }
    try {
      tasks.client.resources(Etcd.class).inNamespace(etcd.getMetadata().getNamespace())
          .withName(etcd.getMetadata().getName())
          .patch(PatchContext.of(PatchType.JSON), JsonPatches.removeAnnotation(Annotations.OPERATION, op));
      tasks.writes.wrote("Etcd", "patch");
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not remove {}: {}", etcd.getMetadata().getNamespace(), etcd.getMetadata().getName(),
          Annotations.OPERATION, e.getMessage());
    }
    tasks.events.normal(etcd, "TaskCreated", "Created EtcdOpsTask " + name + " (" + spec.getType().value()
        + ") for " + Annotations.OPERATION + "=" + op + "; the annotation was removed. kubectl get etcdtask " + name
        + " shows its progress.");
  }

  // A task that held the suspension was deleted: hand the cluster back and say so.
  private void clearStaleSuspension(Etcd etcd) {
    String holder = ClusterOps.suspendedBy(etcd);
    if (holder == null) {
      return;
    }
    EtcdOpsTask t = tasks.client.resources(EtcdOpsTask.class).inNamespace(etcd.getMetadata().getNamespace())
        .withName(holder).get();
    if (t != null) {
      return;
    }
    try {
      ConfigMap d = tasks.ops.directive(etcd);
      // Asked before the directive goes, while the agent may still be acting on it.
      String clusterNote = forgetClusterIdIfRestoreAdopted(etcd, d);
      tasks.ops.deleteDirective(etcd);
      tasks.ops.resume(etcd, holder);
      tasks.events.warning(etcd, "ReconcileResumed", "Task " + holder + ", which suspended the spec reconcile, no"
          + " longer exists: the reconcile is resumed" + (d != null ? " and its bootstrap directive removed" : "")
          + ". If it stopped after deleting the other members' volumes, the kept member starts on its own data and"
          + " quorum stays lost: Ready turns False (QuorumLost), and a new RecoverQuorum or Restore task is admitted"
          + " (automatic recovery creates one when spec.recovery.automatic is true). kubectl get etcd "
          + etcd.getMetadata().getName() + " shows where it stands." + clusterNote);
    } catch (KubernetesClientException e) {
      LOG.warn("{}/{}: could not clear the stale suspension by {}: {}", etcd.getMetadata().getNamespace(),
          etcd.getMetadata().getName(), holder, e.getMessage());
    }
  }

  /**
   * A restore directive that the member's agent has taken up is carried out even when its task is gone
   * (the agent keeps it on the member's volume): the member comes back as a new one-member cluster with
   * a new ID. Were the old ID kept, the Etcd would report that member ClusterIDMismatch and never apply
   * its spec again. So the ID is forgotten, and learned again from the new leader, when the agent
   * holds this very directive and has not failed it. A restore the agent never took up leaves the
   * member on its old data: the ID stays, and with it the QuorumLost verdict that admits a new task.
   * A ForceNewCluster directive keeps the cluster ID and needs nothing. Returns a sentence for the event.
   */
  String forgetClusterIdIfRestoreAdopted(Etcd etcd, ConfigMap d) {
    String clusterId = etcd.getStatus() == null ? null : etcd.getStatus().getClusterID();
    String json = d == null || d.getData() == null ? null : d.getData().get(MemberStatefulSet.BOOTSTRAP_KEY);
    if (clusterId == null || json == null) {
      return "";
    }
    String id;
    String member;
    try {
      com.fasterxml.jackson.databind.JsonNode n = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
      if (!RecoverySource.Action.RESTORE_FROM_STORE.value().equals(n.path("action").asText())) {
        return "";
      }
      id = n.path("id").asText();
      member = n.path("member").asText();
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
    String prefix = etcd.getMetadata().getName() + "-";
    int ordinal;
    try {
      ordinal = member.startsWith(prefix) ? Integer.parseInt(member.substring(prefix.length())) : -1;
    } catch (NumberFormatException e) {
      ordinal = -1;
    }
    String patch = " If " + member + " comes back restored and reports ClusterIDMismatch, remove the old ID so that"
        + " it is learned again: kubectl patch etcd " + etcd.getMetadata().getName() + " --subresource=status"
        + " --type=json -p '[{\"op\":\"remove\",\"path\":\"/status/clusterID\"}]'.";
    if (ordinal < 0) {
      return " The restore directive names " + member + ", not a member of this Etcd: cluster ID " + clusterId
          + " kept.";
    }
    java.util.Optional<AgentClient.Directive> held;
    try {
      held = tasks.agents.directive(tasks.ops.agentTarget(etcd, ordinal, tasks.ops.pods(etcd).get(ordinal)),
          DIRECTIVE_TIMEOUT);
    } catch (AgentException e) {
      return " Whether " + member + "'s agent took up the restore is unknown (" + e.getMessage() + "): cluster ID "
          + clusterId + " kept." + patch;
    }
    if (held.isEmpty() || !id.equals(held.get().id()) || held.get().failed()) {
      return " " + member + "'s agent " + (held.isEmpty() ? "holds no restore directive"
          : held.get().failed() ? "reports the restore failed" + (held.get().message() != null ? " ("
              + held.get().message() + ")" : "") : "holds another directive (" + held.get().id() + ")")
          + ": its data was not replaced, cluster ID " + clusterId + " kept.";
    }
    tasks.ops.forgetClusterId(etcd);
    return " " + member + "'s agent had taken up the restore (directive " + held.get().state() + "), which it"
        + " carries out on its own: the member comes back as a new cluster, so the old cluster ID " + clusterId
        + " is forgotten and learned again from its leader.";
  }

  /**
   * Automatic recovery: once quorum has been lost for the grace period, one RecoverQuorum task per
   * loss (labelled with when the loss began), never while another task works on the Etcd. Returns when
   * to look again, or null.
   */
  private Duration automaticRecovery(Etcd etcd, Instant now) {
    if (etcd.getSpec().getRecovery() == null || !Boolean.TRUE.equals(etcd.getSpec().getRecovery().getAutomatic())
        || etcd.getSpec().getReplicas() == null || etcd.getSpec().getReplicas() == 0) {
      return null;
    }
    Condition ready = Steps.ready(etcd);
    if (ready == null || !"False".equals(ready.getStatus())
        || !ConditionTypes.REASON_QUORUM_LOST.equals(ready.getReason()) || ready.getLastTransitionTime() == null) {
      return null;
    }
    Duration grace;
    try {
      grace = GoDuration.parse(etcd.getSpec().getRecovery().getQuorumLossGracePeriod());
    } catch (RuntimeException e) {
      grace = Duration.ofMinutes(5);
    }
    Instant since = Times.parse(ready.getLastTransitionTime());
    Instant due = since.plus(grace);
    if (now.isBefore(due)) {
      return Duration.between(now, due).plusMillis(100);
    }
    String episode = Long.toString(since.getEpochSecond());
    List<EtcdOpsTask> all = tasks.client.resources(EtcdOpsTask.class).inNamespace(etcd.getMetadata().getNamespace())
        .list().getItems();
    for (EtcdOpsTask t : all) {
      if (!etcd.getMetadata().getName().equals(t.getSpec().getEtcdRef().getName())) {
        continue;
      }
      Map<String, String> labels = t.getMetadata().getLabels();
      if (labels != null && episode.equals(labels.get(QUORUM_LOST_SINCE))) {
        return null; // this loss already had its automatic recovery, whatever came of it
      }
      if (Admission.active(t) || t.getStatus() == null || t.getStatus().getPhase() == null) {
        return tasks.poll.multipliedBy(5); // another task works on it; look again when it is done
      }
    }
    if (ClusterOps.suspendedBy(etcd) != null) {
      return tasks.poll.multipliedBy(5);
    }
    EtcdOpsTaskSpec spec = new EtcdOpsTaskSpec();
    spec.setEtcdRef(new LocalEtcdReference(etcd.getMetadata().getName()));
    spec.setType(TaskType.RECOVER_QUORUM);
    RecoverQuorumConfig rq = new RecoverQuorumConfig();
    // A person chose, in the Etcd, whether a member nobody can ask may be written off at night.
    rq.setAllowUnknownMembers(Boolean.TRUE.equals(etcd.getSpec().getRecovery().getAllowUnknownMembers()));
    spec.setRecoverQuorum(rq);
    String name = taskName(etcd.getMetadata().getName(), "auto-recover", now);
    EtcdOpsTask t = task(etcd, name, spec, "automatic-recovery");
    t.getMetadata().getLabels().put(QUORUM_LOST_SINCE, episode);
    try {
      tasks.client.resource(t).create();
      tasks.writes.wrote("EtcdOpsTask", "create");
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
      return null;
    }
    tasks.events.warning(etcd, "AutomaticRecoveryStarted", "Quorum lost since " + ready.getLastTransitionTime()
        + ", longer than spec.recovery.quorumLossGracePeriod (" + etcd.getSpec().getRecovery().getQuorumLossGracePeriod()
        + "): created RecoverQuorum task " + name + ".");
    return null;
  }

  private static EtcdOpsTask task(Etcd etcd, String name, EtcdOpsTaskSpec spec, String createdBy) {
    EtcdOpsTask t = new EtcdOpsTask();
    t.setMetadata(new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(etcd.getMetadata().getNamespace())
        .addToLabels(CREATED_BY, createdBy)
        .addToLabels(dev.cairn.api.Labels.INSTANCE, etcd.getMetadata().getName())
        .build());
    t.setSpec(spec);
    return t;
  }

  /** {@code <etcd>-<what>-<base36 seconds>}: readable, ordered by creation, short enough for any Etcd name. */
  static String taskName(String etcd, String what, Instant now) {
    return etcd + "-" + what + "-" + Long.toString(now.getEpochSecond(), 36).toLowerCase(Locale.ROOT);
  }
}
