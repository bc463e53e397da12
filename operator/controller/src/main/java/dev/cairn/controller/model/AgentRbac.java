package dev.cairn.controller.model;

import dev.cairn.api.Labels;
import dev.cairn.api.v1alpha1.Etcd;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Least privilege for the agent: its ServiceAccount may renew this Etcd's Leases and read this Etcd's
 * pods, by name, and nothing else; nothing cluster-scoped. The names cover every ordinal the API allows
 * (0..8), so scaling never has to rewrite the Role.
 */
public final class AgentRbac {

  private AgentRbac() {}

  public static ServiceAccount serviceAccount(Etcd etcd) {
    return new ServiceAccountBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.rbac(etcd), Labels.COMPONENT_RBAC))
        .build();
  }

  public static Role role(Etcd etcd) {
    List<String> leases = new ArrayList<>();
    List<String> pods = new ArrayList<>();
    for (int i = 0; i < Names.MAX_MEMBERS; i++) {
      leases.add(Names.memberLease(etcd, i));
      pods.add(Names.pod(etcd, i));
    }
    leases.add(Names.fullSnapshotLease(etcd));
    leases.add(Names.deltaSnapshotLease(etcd));
    PolicyRule leaseRule = new PolicyRuleBuilder()
        .withApiGroups("coordination.k8s.io").withResources("leases").withResourceNames(leases)
        .withVerbs("get", "update", "patch").build();
    PolicyRule podRule = new PolicyRuleBuilder()
        .withApiGroups("").withResources("pods").withResourceNames(pods).withVerbs("get").build();
    return new RoleBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.rbac(etcd), Labels.COMPONENT_RBAC))
        .withRules(leaseRule, podRule)
        .build();
  }

  public static RoleBinding roleBinding(Etcd etcd) {
    return new RoleBindingBuilder()
        .withMetadata(ManagedMetadata.meta(etcd, Names.rbac(etcd), Labels.COMPONENT_RBAC))
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(Names.rbac(etcd)).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(Names.rbac(etcd))
        .withNamespace(etcd.getMetadata().getNamespace()).endSubject()
        .build();
  }
}
