package dev.cairn.controller.status;

import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import java.util.Map;

/**
 * What the operator sees of one cluster at the start of a reconcile, read from the informer caches:
 * the StatefulSet (null when absent), member pods by ordinal, Leases by name, data PVCs by name.
 */
public record Observation(
    StatefulSet statefulSet,
    Map<Integer, Pod> pods,
    Map<String, Lease> leases,
    Map<String, PersistentVolumeClaim> volumeClaims) {

  public Observation {
    pods = Map.copyOf(pods);
    leases = Map.copyOf(leases);
    volumeClaims = Map.copyOf(volumeClaims);
  }

  /** Replicas of the existing StatefulSet, 0 when there is none. */
  public int statefulSetReplicas() {
    return statefulSet == null || statefulSet.getSpec() == null || statefulSet.getSpec().getReplicas() == null
        ? 0
        : statefulSet.getSpec().getReplicas();
  }

  /** True when the pod exists, is not being deleted, and its Ready condition is True. */
  public static boolean podReady(Pod pod) {
    if (pod == null || pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null
        || pod.getStatus().getConditions() == null) {
      return false;
    }
    return pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
