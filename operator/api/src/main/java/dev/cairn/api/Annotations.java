package dev.cairn.api;

/** Annotation names (prefix {@code cairn.dev/}) that users and the operator put on cairn objects. */
public final class Annotations {

  /** The prefix of every cairn annotation and label. */
  public static final String PREFIX = "cairn.dev/";

  /**
   * On an Etcd, {@code "true"}: the operator stops applying the spec to the managed resources (status is
   * still observed). For manual interventions; remove it to resume.
   */
  public static final String SUSPEND_RECONCILE = PREFIX + "suspend-reconcile";

  /**
   * On an Etcd: a one-shot request, removed by the operator once it has acted on it. Values are the
   * {@code OPERATION_*} constants.
   */
  public static final String OPERATION = PREFIX + "operation";

  /** {@link #OPERATION} value: reconcile now, even if nothing changed. */
  public static final String OPERATION_RECONCILE = "reconcile";

  /** {@link #OPERATION} value: create an EtcdOpsTask of type RecoverQuorum for this Etcd. */
  public static final String OPERATION_RECOVER_QUORUM = "recover-quorum";

  /** {@link #OPERATION} value: create an EtcdOpsTask taking a full snapshot. */
  public static final String OPERATION_SNAPSHOT_FULL = "snapshot-full";

  /** {@link #OPERATION} value: create an EtcdOpsTask taking a delta snapshot. */
  public static final String OPERATION_SNAPSHOT_DELTA = "snapshot-delta";

  /**
   * On an Etcd, {@code "true"}: the resource-protection admission policy lets anyone edit or delete the
   * resources the operator manages for it (the operator copies it onto them as the label
   * {@link Labels#DISABLE_RESOURCE_PROTECTION}) and the operator stops reverting edits. For emergencies only.
   */
  public static final String DISABLE_RESOURCE_PROTECTION = PREFIX + "disable-resource-protection";

  /**
   * On an EtcdSnapshot (and in the store's metadata file): the salted PBKDF2 hash of the backup token
   * the snapshot was taken with. Never the token itself.
   */
  public static final String TOKEN_HASH = PREFIX + "token-hash";

  /**
   * On the StatefulSet's pod template: the checksum of the rendered member configuration, so that a
   * configuration change rolls the members.
   */
  public static final String CONFIG_CHECKSUM = PREFIX + "config-checksum";

  private Annotations() {}
}
