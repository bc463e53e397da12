package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where an EtcdOpsTask is in its life. */
public enum TaskPhase {
  /** Created, not yet looked at by the operator. */
  @JsonProperty("Pending")
  PENDING("Pending"),

  /** Preconditions passed; waits for its turn (one task per Etcd at a time). */
  @JsonProperty("Admitted")
  ADMITTED("Admitted"),

  /** Steps are executing. */
  @JsonProperty("Running")
  RUNNING("Running"),

  /** Every step finished. */
  @JsonProperty("Succeeded")
  SUCCEEDED("Succeeded"),

  /** A step failed; see status.steps and conditions. */
  @JsonProperty("Failed")
  FAILED("Failed"),

  /** The operator refused to run it (preconditions not met, another task running); nothing was changed. */
  @JsonProperty("Rejected")
  REJECTED("Rejected");

  private final String value;

  TaskPhase(String value) {
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
