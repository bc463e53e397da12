package dev.cairn.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The state of one step of an EtcdOpsTask. */
public enum StepState {
  /** Not started. */
  @JsonProperty("Pending")
  PENDING("Pending"),

  /** In progress. */
  @JsonProperty("Running")
  RUNNING("Running"),

  /** Done. */
  @JsonProperty("Succeeded")
  SUCCEEDED("Succeeded"),

  /** Failed; the task stops here. */
  @JsonProperty("Failed")
  FAILED("Failed"),

  /** Not needed in this run. */
  @JsonProperty("Skipped")
  SKIPPED("Skipped");

  private final String value;

  StepState(String value) {
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
