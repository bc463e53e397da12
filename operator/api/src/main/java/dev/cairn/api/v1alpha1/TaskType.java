package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The operation an EtcdOpsTask performs. */
public enum TaskType {
  /** Bring back a cluster that lost quorum from its freshest surviving member (force-new-cluster), then re-add the others. */
  @JsonProperty("RecoverQuorum")
  RECOVER_QUORUM("RecoverQuorum"),

  /** Take a full or delta snapshot now. */
  @JsonProperty("Snapshot")
  SNAPSHOT("Snapshot"),

  /** Replace the cluster's data with a snapshot, or with the state at a revision covered by the backups. */
  @JsonProperty("Restore")
  RESTORE("Restore");

  private final String value;

  TaskType(String value) {
    this.value = value;
  }

  /** The value as written in YAML. */
  public String value() {
    return value;
  }

  @Override
  public String toString() {
    return value;
  }
}
