package dev.cairn.local;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The StatefulSet controller's decisions as a pure function: from a StatefulSet, the pods and
 * claims that exist and the pods whose processes are still stopping, what to create, what to delete
 * and what the status is. {@link PodRunner} carries the plan out; the rules are Kubernetes' own:
 *
 * <ul>
 *   <li>pods {@code <sts>-<ordinal>}, claims {@code <template>-<sts>-<ordinal>} created before them;
 *   <li>OrderedReady creates one pod at a time in ordinal order, each after the lower ones are
 *       Running and Ready, and scales down one pod at a time from the highest ordinal; Parallel
 *       creates and deletes all at once;
 *   <li>RollingUpdate replaces one out-of-date pod at a time, highest ordinal first, only while all
 *       others are Ready; OnDelete never deletes for an update (a deleted pod comes back with the
 *       current template);
 *   <li>a pod name whose previous pod is still stopping is not reused until it has stopped;
 *   <li>claims are kept on scale-down and deletion unless the retention policy says Delete.
 * </ul>
 */
final class StatefulSetPlanner {

  /** What one pass decided. */
  record Plan(
      List<PersistentVolumeClaim> createClaims,
      List<Pod> createPods,
      List<String> deletePods,
      List<String> deleteClaims,
      StatefulSetStatus status) {

    boolean isEmpty() {
      return createClaims.isEmpty() && createPods.isEmpty() && deletePods.isEmpty() && deleteClaims.isEmpty();
    }
  }

  private final String nodeName;

  StatefulSetPlanner(String nodeName) {
    this.nodeName = nodeName;
  }

  /**
   * @param pods the pods this StatefulSet controls, by name
   * @param stopping names of its pods that are gone from the API but whose processes still run
   * @param claims names of the claims that exist in the namespace
   */
  Plan plan(StatefulSet sts, Map<String, Pod> pods, Set<String> stopping, Set<String> claims, Instant now) {
    String name = sts.getMetadata().getName();
    var spec = sts.getSpec();
    int replicas = spec.getReplicas() == null ? 1 : spec.getReplicas();
    int start = spec.getOrdinals() != null && spec.getOrdinals().getStart() != null ? spec.getOrdinals().getStart() : 0;
    boolean parallel = "Parallel".equals(spec.getPodManagementPolicy());
    boolean onDelete = spec.getUpdateStrategy() != null && "OnDelete".equals(spec.getUpdateStrategy().getType());
    String updateRevision = TemplateHash.revision(name, spec.getTemplate());
    String currentRevision =
        sts.getStatus() != null && sts.getStatus().getCurrentRevision() != null
            ? sts.getStatus().getCurrentRevision()
            : updateRevision;

    List<PersistentVolumeClaim> createClaims = new ArrayList<>();
    List<Pod> createPods = new ArrayList<>();
    List<String> deletePods = new ArrayList<>();
    List<String> deleteClaims = new ArrayList<>();

    for (int ord = start; ord < start + replicas; ord++) {
      for (PersistentVolumeClaim template : claimTemplates(sts)) {
        String claim = claimName(template, name, ord);
        if (!claims.contains(claim)) {
          createClaims.add(newClaim(sts, template, claim));
        }
      }
    }

    Map<Integer, Pod> byOrdinal = new TreeMap<>();
    List<Pod> condemned = new ArrayList<>();
    for (Pod pod : pods.values()) {
      int ord = ordinal(name, pod.getMetadata().getName());
      if (ord >= start && ord < start + replicas) {
        byOrdinal.put(ord, pod);
      } else {
        condemned.add(pod);
      }
    }
    condemned.sort((a, b) -> Integer.compare(
        ordinal(name, b.getMetadata().getName()), ordinal(name, a.getMetadata().getName())));
    boolean anyStopping = !stopping.isEmpty() || pods.values().stream().anyMatch(Pods::isTerminating);

    // Create (and replace failed) pods in ordinal order.
    boolean blocked = false;
    for (int ord = start; ord < start + replicas && !blocked; ord++) {
      String podName = name + "-" + ord;
      Pod pod = byOrdinal.get(ord);
      if (pod == null) {
        if (stopping.contains(podName)) {
          blocked = !parallel;
          continue;
        }
        createPods.add(newPod(sts, ord, updateRevision));
        blocked = !parallel;
        continue;
      }
      String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
      if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
        deletePods.add(podName);
        blocked = !parallel;
        continue;
      }
      if (!parallel && (!Pods.isRunningAndReady(pod) || Pods.isTerminating(pod))) {
        blocked = true;
      }
    }

    // Scale down: highest ordinal first; OrderedReady one at a time with everything else settled.
    if (!blocked && createPods.isEmpty() && deletePods.isEmpty()) {
      for (Pod pod : condemned) {
        if (Pods.isTerminating(pod)) {
          continue;
        }
        if (parallel) {
          deletePods.add(pod.getMetadata().getName());
        } else if (!anyStopping) {
          deletePods.add(pod.getMetadata().getName());
          break;
        }
      }
    }

    // Claims of scaled-away ordinals, when the retention policy asks for it, once their pod is gone.
    if (retentionDeletes(sts, "whenScaled")) {
      for (PersistentVolumeClaim template : claimTemplates(sts)) {
        String prefix = template.getMetadata().getName() + "-" + name + "-";
        for (String claim : claims) {
          if (!claim.startsWith(prefix)) {
            continue;
          }
          int ord = parseOrdinal(claim.substring(prefix.length()));
          String podName = name + "-" + ord;
          if (ord >= 0 && (ord < start || ord >= start + replicas)
              && !pods.containsKey(podName) && !stopping.contains(podName)) {
            deleteClaims.add(claim);
          }
        }
      }
    }

    // Rolling update: one out-of-date pod at a time, highest ordinal first, all others Ready.
    if (!onDelete && createPods.isEmpty() && deletePods.isEmpty() && condemned.isEmpty() && !anyStopping
        && byOrdinal.size() == replicas && byOrdinal.values().stream().allMatch(Pods::isRunningAndReady)) {
      for (int ord = start + replicas - 1; ord >= start; ord--) {
        Pod pod = byOrdinal.get(ord);
        if (!updateRevision.equals(Pods.revision(pod))) {
          deletePods.add(pod.getMetadata().getName());
          break;
        }
      }
    }

    return new Plan(createClaims, createPods, deletePods, deleteClaims,
        status(sts, pods.values(), replicas, currentRevision, updateRevision, now));
  }

  private static StatefulSetStatus status(
      StatefulSet sts, Collection<Pod> pods, int replicas, String currentRevision, String updateRevision,
      Instant now) {
    int minReady = sts.getSpec().getMinReadySeconds() == null ? 0 : sts.getSpec().getMinReadySeconds();
    int count = 0;
    int ready = 0;
    int available = 0;
    int current = 0;
    int updated = 0;
    for (Pod pod : pods) {
      count++;
      if (Pods.isRunningAndReady(pod)) {
        ready++;
      }
      if (Pods.isAvailable(pod, minReady, now)) {
        available++;
      }
      if (!Pods.isTerminating(pod)) {
        if (currentRevision.equals(Pods.revision(pod))) {
          current++;
        }
        if (updateRevision.equals(Pods.revision(pod))) {
          updated++;
        }
      }
    }
    // The update is complete once every pod runs the new template and is Ready.
    if (updated == replicas && ready == replicas && count == replicas) {
      currentRevision = updateRevision;
      current = updated;
    }
    return new StatefulSetStatusBuilder()
        .withObservedGeneration(sts.getMetadata().getGeneration())
        .withReplicas(count)
        .withReadyReplicas(ready)
        .withAvailableReplicas(available)
        .withCurrentReplicas(current)
        .withUpdatedReplicas(updated)
        .withCurrentRevision(currentRevision)
        .withUpdateRevision(updateRevision)
        .withCollisionCount(sts.getStatus() == null ? null : sts.getStatus().getCollisionCount())
        .build();
  }

  Pod newPod(StatefulSet sts, int ordinal, String revision) {
    String stsName = sts.getMetadata().getName();
    String podName = stsName + "-" + ordinal;
    PodTemplateSpec template =
        sts.getSpec().getTemplate() == null ? new PodTemplateSpec() : copy(sts.getSpec().getTemplate(), PodTemplateSpec.class);
    ObjectMeta tm = template.getMetadata() == null ? new ObjectMeta() : template.getMetadata();
    Map<String, String> labels = new LinkedHashMap<>(tm.getLabels() == null ? Map.of() : tm.getLabels());
    labels.put(Pods.REVISION_LABEL, revision);
    labels.put(Pods.POD_NAME_LABEL, podName);
    labels.put(Pods.POD_INDEX_LABEL, String.valueOf(ordinal));
    PodSpec spec = template.getSpec() == null ? new PodSpec() : template.getSpec();
    spec.setHostname(podName);
    if (sts.getSpec().getServiceName() != null && !sts.getSpec().getServiceName().isEmpty()) {
      spec.setSubdomain(sts.getSpec().getServiceName());
    }
    if (spec.getNodeName() == null) {
      spec.setNodeName(nodeName);
    }
    List<Volume> volumes = new ArrayList<>(spec.getVolumes() == null ? List.of() : spec.getVolumes());
    for (PersistentVolumeClaim t : claimTemplates(sts)) {
      String volumeName = t.getMetadata().getName();
      volumes.removeIf(v -> volumeName.equals(v.getName()));
      volumes.add(new VolumeBuilder().withName(volumeName).withNewPersistentVolumeClaim()
          .withClaimName(claimName(t, stsName, ordinal)).endPersistentVolumeClaim().build());
    }
    spec.setVolumes(volumes);
    Pod pod = new Pod();
    pod.setMetadata(new ObjectMetaBuilder()
        .withName(podName)
        .withNamespace(sts.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(tm.getAnnotations())
        .withOwnerReferences(ownerReference(sts))
        .build());
    pod.setSpec(spec);
    return pod;
  }

  static PersistentVolumeClaim newClaim(StatefulSet sts, PersistentVolumeClaim template, String claimName) {
    Map<String, String> labels = new LinkedHashMap<>();
    LabelSelector selector = sts.getSpec().getSelector();
    if (selector != null && selector.getMatchLabels() != null) {
      labels.putAll(selector.getMatchLabels());
    }
    if (template.getMetadata().getLabels() != null) {
      labels.putAll(template.getMetadata().getLabels());
    }
    ObjectMetaBuilder meta = new ObjectMetaBuilder()
        .withName(claimName)
        .withNamespace(sts.getMetadata().getNamespace())
        .withLabels(labels)
        .withAnnotations(template.getMetadata().getAnnotations());
    if (retentionDeletes(sts, "whenDeleted")) {
      // Kubernetes makes the StatefulSet the claim's owner only when deletion should take the claim.
      meta.withOwnerReferences(ownerReference(sts));
    }
    var spec = template.getSpec() == null ? null : copy(template.getSpec(), io.fabric8.kubernetes.api.model.PersistentVolumeClaimSpec.class);
    Map<String, Quantity> capacity =
        spec != null && spec.getResources() != null && spec.getResources().getRequests() != null
            ? spec.getResources().getRequests()
            : Map.of();
    return new PersistentVolumeClaimBuilder()
        .withMetadata(meta.build())
        .withSpec(spec)
        .withStatus(new PersistentVolumeClaimStatusBuilder()
            .withPhase("Bound")
            .withAccessModes(spec == null ? List.of() : spec.getAccessModes())
            .withCapacity(capacity)
            .build())
        .build();
  }

  static OwnerReference ownerReference(StatefulSet sts) {
    return new OwnerReferenceBuilder()
        .withApiVersion("apps/v1")
        .withKind("StatefulSet")
        .withName(sts.getMetadata().getName())
        .withUid(sts.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  static List<PersistentVolumeClaim> claimTemplates(StatefulSet sts) {
    return sts.getSpec().getVolumeClaimTemplates() == null ? List.of() : sts.getSpec().getVolumeClaimTemplates();
  }

  static String claimName(PersistentVolumeClaim template, String stsName, int ordinal) {
    return template.getMetadata().getName() + "-" + stsName + "-" + ordinal;
  }

  private static boolean retentionDeletes(StatefulSet sts, String when) {
    var policy = sts.getSpec().getPersistentVolumeClaimRetentionPolicy();
    if (policy == null) {
      return false;
    }
    String value = "whenScaled".equals(when) ? policy.getWhenScaled() : policy.getWhenDeleted();
    return "Delete".equals(value);
  }

  /** The ordinal of {@code <sts>-<n>}, or -1 when the name is not one of this set's. */
  static int ordinal(String stsName, String podName) {
    if (!podName.startsWith(stsName + "-")) {
      return -1;
    }
    return parseOrdinal(podName.substring(stsName.length() + 1));
  }

  private static int parseOrdinal(String s) {
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) {
      return -1;
    }
    return Integer.parseInt(s);
  }

  private static <T> T copy(Object o, Class<T> type) {
    return Json.KUBERNETES.convertValue(Objects.requireNonNull(o), type);
  }
}
