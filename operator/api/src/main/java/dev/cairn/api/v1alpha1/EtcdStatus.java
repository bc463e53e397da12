package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.List;
import java.util.Objects;

/** The observed state of an etcd cluster, written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdStatus {

  /** The most errors kept in {@link #getLastErrors()}. */
  public static final int MAX_LAST_ERRORS = 10;

  @JsonPropertyDescription("The metadata.generation this status was computed from.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Ready (quorum), AllMembersReady, BackupReady, DataVolumesReady, ClusterIDMismatch and SpecValid.")
  private List<Condition> conditions;

  @Size(max = 9)
  @JsonPropertyDescription("The members, by name.")
  private List<MemberStatus> members;

  @StatusReplicas
  @JsonPropertyDescription("Number of members that exist (pods created); used by the scale subresource.")
  private Integer replicas;

  @JsonPropertyDescription("Number of members that are Ready.")
  private Integer readyReplicas;

  @LabelSelector
  @JsonPropertyDescription("Label selector of the member pods, for the scale subresource (kubectl scale, HPA).")
  private String labelSelector;

  @JsonPropertyDescription(
      "etcd cluster ID in hex, learned when the cluster first formed. Members or snapshots with another ID are"
          + " refused (see the ClusterIDMismatch condition).")
  private String clusterID;

  @JsonPropertyDescription("The newest full snapshot.")
  private SnapshotRef lastFullSnapshot;

  @JsonPropertyDescription("The newest delta snapshot.")
  private SnapshotRef lastDeltaSnapshot;

  @Size(max = MAX_LAST_ERRORS)
  @JsonPropertyDescription("The most recent errors, newest first, at most 10; cleared by a successful reconcile.")
  private List<LastError> lastErrors;

  @JsonPropertyDescription("The last operation the operator performed.")
  private LastOperation lastOperation;

  @JsonPropertyDescription(
      "Set while an EtcdOpsTask (RecoverQuorum, Restore) owns the cluster and the spec is not applied.")
  private ReconcileSuspension reconcileSuspendedBy;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public List<MemberStatus> getMembers() {
    return members;
  }

  public void setMembers(List<MemberStatus> members) {
    this.members = members;
  }

  public Integer getReplicas() {
    return replicas;
  }

  public void setReplicas(Integer replicas) {
    this.replicas = replicas;
  }

  public Integer getReadyReplicas() {
    return readyReplicas;
  }

  public void setReadyReplicas(Integer readyReplicas) {
    this.readyReplicas = readyReplicas;
  }

  public String getLabelSelector() {
    return labelSelector;
  }

  public void setLabelSelector(String labelSelector) {
    this.labelSelector = labelSelector;
  }

  public String getClusterID() {
    return clusterID;
  }

  public void setClusterID(String clusterID) {
    this.clusterID = clusterID;
  }

  public SnapshotRef getLastFullSnapshot() {
    return lastFullSnapshot;
  }

  public void setLastFullSnapshot(SnapshotRef lastFullSnapshot) {
    this.lastFullSnapshot = lastFullSnapshot;
  }

  public SnapshotRef getLastDeltaSnapshot() {
    return lastDeltaSnapshot;
  }

  public void setLastDeltaSnapshot(SnapshotRef lastDeltaSnapshot) {
    this.lastDeltaSnapshot = lastDeltaSnapshot;
  }

  public List<LastError> getLastErrors() {
    return lastErrors;
  }

  public void setLastErrors(List<LastError> lastErrors) {
    this.lastErrors = lastErrors;
  }

  public LastOperation getLastOperation() {
    return lastOperation;
  }

  public void setLastOperation(LastOperation lastOperation) {
    this.lastOperation = lastOperation;
  }

  public ReconcileSuspension getReconcileSuspendedBy() {
    return reconcileSuspendedBy;
  }

  public void setReconcileSuspendedBy(ReconcileSuspension reconcileSuspendedBy) {
    this.reconcileSuspendedBy = reconcileSuspendedBy;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || getClass() != o.getClass()) {
      return false;
    }
    EtcdStatus that = (EtcdStatus) o;
    return Objects.equals(observedGeneration, that.observedGeneration) && Objects.equals(conditions, that.conditions) && Objects.equals(members, that.members) && Objects.equals(replicas, that.replicas) && Objects.equals(readyReplicas, that.readyReplicas) && Objects.equals(labelSelector, that.labelSelector) && Objects.equals(clusterID, that.clusterID) && Objects.equals(lastFullSnapshot, that.lastFullSnapshot) && Objects.equals(lastDeltaSnapshot, that.lastDeltaSnapshot) && Objects.equals(lastErrors, that.lastErrors) && Objects.equals(lastOperation, that.lastOperation) && Objects.equals(reconcileSuspendedBy, that.reconcileSuspendedBy);
  }

  @Override
  public int hashCode() {
    return Objects.hash(observedGeneration, conditions, members, replicas, readyReplicas, labelSelector, clusterID, lastFullSnapshot, lastDeltaSnapshot, lastErrors, lastOperation, reconcileSuspendedBy);
  }

  @Override
  public String toString() {
    return "EtcdStatus{observedGeneration=" + observedGeneration + ", conditions=" + conditions + ", members=" + members + ", replicas=" + replicas + ", readyReplicas=" + readyReplicas + ", labelSelector=" + labelSelector + ", clusterID=" + clusterID + ", lastFullSnapshot=" + lastFullSnapshot + ", lastDeltaSnapshot=" + lastDeltaSnapshot + ", lastErrors=" + lastErrors + ", lastOperation=" + lastOperation + ", reconcileSuspendedBy=" + reconcileSuspendedBy + "}";
  }
}
