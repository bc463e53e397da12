package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kind of the last operation the operator performed on an Etcd. */
public enum OperationType {
  /** First creation of the cluster's resources. */
  @JsonProperty("Create")
  CREATE("Create"),

  /** Applying the spec to existing resources. */
  @JsonProperty("Reconcile")
  RECONCILE("Reconcile"),

  /** Adding or removing members. */
  @JsonProperty("Scale")
  SCALE("Scale"),

  /** Rolling the members to a new pod template. */
  @JsonProperty("Update")
  UPDATE("Update"),

  /** Scaling to zero after a final snapshot. */
  @JsonProperty("Hibernate")
  HIBERNATE("Hibernate"),

  /** Recovering from quorum loss. */
  @JsonProperty("RecoverQuorum")
  RECOVER_QUORUM("RecoverQuorum"),

  /** Restoring from backups. */
  @JsonProperty("Restore")
  RESTORE("Restore"),

  /** Deleting the cluster. */
  @JsonProperty("Delete")
  DELETE("Delete");

  private final String value;

  OperationType(String value) {
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
