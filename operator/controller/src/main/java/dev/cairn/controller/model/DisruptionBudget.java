package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

/** The PodDisruptionBudget: voluntary evictions (node drains) never take the cluster below quorum. */
public final class DisruptionBudget {

  private DisruptionBudget() {}

  /** For a cluster of {@code members} members: minAvailable = quorum, 0 for a single member. */
  public static PodDisruptionBudget build(Etcd etcd, int members) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.podDisruptionBudget(etcd), Labels.COMPONENT_PDB))
        .withNewSpec()
        .withMinAvailable(new IntOrString(Quorum.pdbMinAvailable(members)))
        .withNewSelector().withMatchLabels(ManagedMetadata.memberSelector(etcd)).endSelector()
        .endSpec()
        .build();
  }
}
