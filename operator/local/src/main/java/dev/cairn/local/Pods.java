package dev.cairn.local;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Optional;

/** Small readings of pods and owner references shared by the StatefulSet controller and the kubelet. */
final class Pods {

  static final String REVISION_LABEL = "controller-revision-hash";
  static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
  static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

  private Pods() {}

  static String key(HasMetadata o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  static boolean isRunning(Pod pod) {
    return pod.getStatus() != null && "Running".equals(pod.getStatus().getPhase());
  }

  static Optional<PodCondition> condition(Pod pod, String type) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  static boolean isReady(Pod pod) {
    return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  static boolean isRunningAndReady(Pod pod) {
    return isRunning(pod) && isReady(pod);
  }

  /** Ready for at least {@code minReadySeconds} at {@code now}. */
  static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
    if (!isRunningAndReady(pod)) {
      return false;
    }
    if (minReadySeconds <= 0) {
      return true;
    }
    return condition(pod, "Ready")
        .map(PodCondition::getLastTransitionTime)
        .map(t -> Instant.parse(t).plusSeconds(minReadySeconds).isBefore(now))
        .orElse(false);
  }

  static boolean isTerminating(HasMetadata o) {
    return o.getMetadata().getDeletionTimestamp() != null;
  }

  static Optional<OwnerReference> controllerOf(HasMetadata o) {
    if (o.getMetadata().getOwnerReferences() == null) {
      return Optional.empty();
    }
    return o.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  static String revision(Pod pod) {
    return pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(REVISION_LABEL);
  }
}
