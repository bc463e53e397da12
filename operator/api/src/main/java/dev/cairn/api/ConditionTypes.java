package dev.cairn.api;

/**
 * The fixed set of condition types on an Etcd's status, and the CamelCase reasons they carry. Each
 * condition has status True, False or Unknown and an observedGeneration.
 */
public final class ConditionTypes {

  /** True while the cluster has quorum (a majority of members is healthy and a leader exists). */
  public static final String READY = "Ready";

  /** True when every desired member is running, healthy and a voting member. */
  public static final String ALL_MEMBERS_READY = "AllMembersReady";

  /** True when the latest full and delta snapshots are recent enough for their schedules. */
  public static final String BACKUP_READY = "BackupReady";

  /** True when every member's data volume is bound and has passed validation. */
  public static final String DATA_VOLUMES_READY = "DataVolumesReady";

  /**
   * True when a member or the backup store reports a cluster ID different from {@code
   * status.clusterID}: data from another cluster; the operator refuses to proceed.
   */
  public static final String CLUSTER_ID_MISMATCH = "ClusterIDMismatch";

  /** False when the spec passed the schema but failed the operator's own validation. */
  public static final String SPEC_VALID = "SpecValid";

  /** EtcdOpsTask: True once the task finished (Succeeded, Failed or Rejected). */
  public static final String TASK_COMPLETED = "Completed";

  // Reasons.

  /** Ready=True: a majority of members is healthy. */
  public static final String REASON_QUORATE = "Quorate";

  /** Ready=False: fewer than a majority of members is healthy. */
  public static final String REASON_QUORUM_LOST = "QuorumLost";

  /** Ready=False: spec.replicas is 0. */
  public static final String REASON_HIBERNATED = "Hibernated";

  /** Ready=Unknown: members have not reported yet (new cluster, operator restart). */
  public static final String REASON_NO_MEMBERS_REPORTED = "NoMembersReported";

  /** AllMembersReady=True. */
  public static final String REASON_ALL_MEMBERS_READY = "AllMembersReady";

  /** AllMembersReady=False: at least one member is not ready. */
  public static final String REASON_MEMBERS_NOT_READY = "MembersNotReady";

  /** BackupReady=True. */
  public static final String REASON_BACKUP_SUCCEEDED = "BackupSucceeded";

  /** BackupReady=False: the newest full or delta snapshot is older than its schedule allows. */
  public static final String REASON_BACKUP_STALE = "BackupStale";

  /** BackupReady=Unknown: spec.backup is not set. */
  public static final String REASON_BACKUP_NOT_CONFIGURED = "BackupNotConfigured";

  /** DataVolumesReady=True. */
  public static final String REASON_VOLUMES_READY = "VolumesReady";

  /** DataVolumesReady=False: a PVC is not bound. */
  public static final String REASON_VOLUME_NOT_BOUND = "VolumeNotBound";

  /** ClusterIDMismatch=True. */
  public static final String REASON_CLUSTER_ID_MISMATCH = "ClusterIDMismatch";

  /** ClusterIDMismatch=False. */
  public static final String REASON_CLUSTER_ID_MATCHES = "ClusterIDMatches";

  /** SpecValid=True. */
  public static final String REASON_SPEC_VALID = "Valid";

  /** SpecValid=False. */
  public static final String REASON_SPEC_INVALID = "Invalid";

  /** Event reason (not a condition reason): the spec reconcile is suspended by an annotation or a running task. */
  public static final String REASON_RECONCILE_SUSPENDED = "ReconcileSuspended";

  private ConditionTypes() {}
}
