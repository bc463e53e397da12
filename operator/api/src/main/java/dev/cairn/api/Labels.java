package dev.cairn.api;

import java.util.Map;

/** Label keys and values the operator puts on everything it creates. */
public final class Labels {

  /** Always {@link #NAME_VALUE}. */
  public static final String NAME = "app.kubernetes.io/name";

  /** The value of {@link #NAME}. */
  public static final String NAME_VALUE = "etcd";

  /** The Etcd's name. */
  public static final String INSTANCE = "app.kubernetes.io/instance";

  /** Always {@link #MANAGED_BY_VALUE}: marks objects the operator owns. */
  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";

  /** The value of {@link #MANAGED_BY}. */
  public static final String MANAGED_BY_VALUE = "cairn";

  /** What the object is for; values are the {@code COMPONENT_*} constants. */
  public static final String COMPONENT = "app.kubernetes.io/component";

  /** {@link #COMPONENT} value for the StatefulSet, its pods and PVCs. */
  public static final String COMPONENT_MEMBER = "member";

  /** {@link #COMPONENT} value for the client Service. */
  public static final String COMPONENT_CLIENT_SERVICE = "client-service";

  /** {@link #COMPONENT} value for the headless peer Service. */
  public static final String COMPONENT_PEER_SERVICE = "peer-service";

  /** {@link #COMPONENT} value for the member configuration ConfigMap. */
  public static final String COMPONENT_CONFIG = "config";

  /** {@link #COMPONENT} value for member and snapshot Leases. */
  public static final String COMPONENT_LEASE = "lease";

  /** {@link #COMPONENT} value for the PodDisruptionBudget. */
  public static final String COMPONENT_PDB = "pdb";

  /** {@link #COMPONENT} value for the ServiceAccount, Role and RoleBinding. */
  public static final String COMPONENT_RBAC = "rbac";

  /** {@link #COMPONENT} value for the Secret with the token of the agents' HTTP API. */
  public static final String COMPONENT_AGENT_API = "agent-api";

  /** {@link #COMPONENT} value for EtcdSnapshot catalog entries. */
  public static final String COMPONENT_SNAPSHOT = "snapshot";

  /**
   * The Etcd's name, on objects that may live outside its namespace or be cluster-scoped
   * (EtcdSnapshot); selects them without parsing names.
   */
  public static final String ETCD_NAME = Annotations.PREFIX + "etcd-name";

  /** The Etcd's namespace, next to {@link #ETCD_NAME}. */
  public static final String ETCD_NAMESPACE = Annotations.PREFIX + "etcd-namespace";

  /**
   * {@code "true"} on every object the operator manages for an Etcd that carries the annotation
   * {@link Annotations#DISABLE_RESOURCE_PROTECTION}: the admission policy cannot read the Etcd, so the
   * operator copies the annotation onto each object it protects. Only the operator may add it.
   */
  public static final String DISABLE_RESOURCE_PROTECTION = Annotations.DISABLE_RESOURCE_PROTECTION;

  /** On an EtcdSnapshot: {@code Full} or {@code Delta}, for {@code kubectl get -l}. */
  public static final String SNAPSHOT_KIND = Annotations.PREFIX + "snapshot-kind";

  private Labels() {}

  /**
   * The labels that select the members of one Etcd (the StatefulSet selector); also the value written
   * to {@code status.labelSelector} for the scale subresource.
   */
  public static Map<String, String> memberSelector(String etcdName) {
    return Map.of(NAME, NAME_VALUE, INSTANCE, etcdName, COMPONENT, COMPONENT_MEMBER);
  }

  /** {@link #memberSelector} as a label selector string, e.g. for {@code status.labelSelector}. */
  public static String memberSelectorString(String etcdName) {
    return NAME + "=" + NAME_VALUE + "," + INSTANCE + "=" + etcdName + "," + COMPONENT + "=" + COMPONENT_MEMBER;
  }
}
