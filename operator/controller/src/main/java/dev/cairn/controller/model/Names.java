package dev.cairn.controller.model;

import dev.cairn.api.v1alpha1.Etcd;
import java.util.OptionalInt;

/**
 * Every name the operator derives from an Etcd, in one place: the managed objects, the pods and volumes
 * the StatefulSet makes, and the stable DNS names members are reached by.
 */
public final class Names {

  /** Name of the volumeClaimTemplate, hence PVCs are {@code data-<etcd>-<ordinal>}. */
  public static final String DATA_VOLUME = "data";

  /** The highest member count the API allows (spec.replicas maximum); RBAC names cover all of them. */
  public static final int MAX_MEMBERS = 9;

  private static final String FULL_SNAPSHOT_SUFFIX = "-full-snapshot";
  private static final String DELTA_SNAPSHOT_SUFFIX = "-delta-snapshot";

  private Names() {}

  public static String statefulSet(Etcd etcd) {
    return etcd.getMetadata().getName();
  }

  public static String configMap(Etcd etcd) {
    return etcd.getMetadata().getName() + "-config";
  }

  public static String clientService(Etcd etcd) {
    return etcd.getMetadata().getName() + "-client";
  }

  public static String peerService(Etcd etcd) {
    return etcd.getMetadata().getName() + "-peer";
  }

  /** The bootstrap directive an EtcdOpsTask leaves for a member's next start (see MemberStatefulSet). */
  public static String bootstrapConfigMap(Etcd etcd) {
    return etcd.getMetadata().getName() + "-bootstrap";
  }

  public static String podDisruptionBudget(Etcd etcd) {
    return etcd.getMetadata().getName();
  }

  /** The Secret with the agents' API token (key {@code token}), created by the operator. */
  public static String agentApiSecret(Etcd etcd) {
    return etcd.getMetadata().getName() + "-agent-api";
  }

  /** ServiceAccount, Role and RoleBinding of the agent share the Etcd's name. */
  public static String rbac(Etcd etcd) {
    return etcd.getMetadata().getName();
  }

  /** Member {@code ordinal}'s pod, which is also its etcd member name. */
  public static String pod(Etcd etcd, int ordinal) {
    return pod(etcd.getMetadata().getName(), ordinal);
  }

  public static String pod(String etcdName, int ordinal) {
    return etcdName + "-" + ordinal;
  }

  /** Member {@code ordinal}'s Lease: the pod name. */
  public static String memberLease(Etcd etcd, int ordinal) {
    return pod(etcd, ordinal);
  }

  public static String fullSnapshotLease(Etcd etcd) {
    return etcd.getMetadata().getName() + FULL_SNAPSHOT_SUFFIX;
  }

  public static String deltaSnapshotLease(Etcd etcd) {
    return etcd.getMetadata().getName() + DELTA_SNAPSHOT_SUFFIX;
  }

  /** True for the name of a full or delta snapshot Lease (never a member Lease, whose names end in digits). */
  public static boolean isSnapshotLease(String leaseName) {
    return leaseName.endsWith(FULL_SNAPSHOT_SUFFIX) || leaseName.endsWith(DELTA_SNAPSHOT_SUFFIX);
  }

  /** The PVC the StatefulSet controller creates for member {@code ordinal}. */
  public static String dataVolumeClaim(Etcd etcd, int ordinal) {
    return DATA_VOLUME + "-" + pod(etcd, ordinal);
  }

  /** Stable DNS name of member {@code ordinal} through the headless peer Service. */
  public static String peerHost(Etcd etcd, int ordinal) {
    return pod(etcd, ordinal) + "." + peerService(etcd) + "." + etcd.getMetadata().getNamespace() + ".svc";
  }

  /** DNS name of the client Service. */
  public static String clientHost(Etcd etcd) {
    return clientService(etcd) + "." + etcd.getMetadata().getNamespace() + ".svc";
  }

  /**
   * The ordinal in a pod, Lease or member name of this Etcd ({@code <etcd>-<n>}), or empty when the name
   * is not one.
   */
  public static OptionalInt ordinal(String etcdName, String name) {
    if (name == null || !name.startsWith(etcdName + "-")) {
      return OptionalInt.empty();
    }
    String rest = name.substring(etcdName.length() + 1);
    if (rest.isEmpty() || rest.length() > 3 || !rest.chars().allMatch(Character::isDigit)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(Integer.parseInt(rest));
  }
}
